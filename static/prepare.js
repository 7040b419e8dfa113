// The Prepare page (templates/prepare/show.html): the countdown ticks, and the device check shows the
// camera and a microphone level. Everything here is optional: without JavaScript the page says when,
// and the checklist saves with its button. Links to the page are not boosted, so this file is loaded
// by a page load of its own, whose Permissions-Policy lets this origin use the camera and microphone.
(function () {
  'use strict';

  // --- "in 2 days, 3 hours": the same words as prepare.services.countdown ------------------------
  // The words come from the page, in the reader's language (data-words on the <time>, written by
  // prepare.services.countdown_words); a unit is [one, other], one for exactly 1.
  function part(words, n, unit) {
    const forms = words[unit] || ['{n}', '{n}'];
    return forms[n === 1 ? 0 : 1].replace('{n}', String(n));
  }

  function within(words, time, more) {
    return more ? words.inMore.replace('{time}', time).replace('{more}', more) : words.in.replace('{time}', time);
  }

  function say(words, startMs, endMs, nowMs) {
    const seconds = Math.floor((startMs - nowMs) / 1000);
    if (seconds <= 0) return Number.isNaN(endMs) || endMs > nowMs ? words.now : words.over;
    if (seconds < 60) return words.starting;
    const minutes = Math.floor(seconds / 60);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (days) return within(words, part(words, days, 'day'), hours ? part(words, hours, 'hour') : '');
    if (hours) return within(words, part(words, hours, 'hour'), mins ? part(words, mins, 'minute') : '');
    return within(words, part(words, mins, 'minute'), '');
  }

  function tick() {
    document.querySelectorAll('time[data-starts-in]').forEach((element) => {
      const start = Date.parse(element.getAttribute('datetime'));
      if (Number.isNaN(start)) return;
      let words;
      try {
        words = JSON.parse(element.dataset.words || '');
      } catch (error) {
        return;  // no words to say it in: the server's text stays
      }
      const text = say(words, start, Date.parse(element.dataset.ends || ''), Date.now());
      if (text && element.textContent !== text) element.textContent = text;
    });
  }

  // --- the device check ----------------------------------------------------------------------------
  // What it says comes from the page, in the reader's language (data-texts on the section, written by
  // prepare.views._device_texts); each problem is [what happened, what to do].
  const texts = (section) => {
    if (!section.deviceTexts) {
      try {
        section.deviceTexts = JSON.parse(section.dataset.texts || '{}');
      } catch (error) {
        section.deviceTexts = {};
      }
    }
    return section.deviceTexts;
  };

  let running = null; // {section, stream, context, frame, timer}

  function parts(section) {
    const get = (name) => section.querySelector('[data-device-' + name + ']');
    return {
      start: get('start'), stop: get('stop'), video: get('video'), level: get('level'), meter: get('meter'),
      status: get('status'), help: get('help'),
    };
  }

  function showHelp(section, key, retryAudioOnly) {
    const { help } = parts(section);
    const [lead, detail] = texts(section)[key] || ['', ''];
    help.replaceChildren();
    const strong = document.createElement('p');
    const b = document.createElement('strong');
    b.textContent = lead;
    strong.appendChild(b);
    const p = document.createElement('p');
    p.textContent = detail;
    help.append(strong, p);
    if (retryAudioOnly) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = texts(section).microphoneOnly;
      button.addEventListener('click', () => start(section, 'audio'));
      help.appendChild(button);
    }
    help.hidden = false;
  }

  function tell(section, text) {
    parts(section).status.textContent = text || '';
  }

  function stop() {
    if (!running) return;
    const { section, stream, context, frame, timer } = running;
    running = null;
    if (frame) cancelAnimationFrame(frame);
    if (timer) clearTimeout(timer);
    stream.getTracks().forEach((track) => track.stop());
    if (context) context.close().catch(() => {});
    const p = parts(section);
    if (p.video) {
      p.video.pause();
      p.video.srcObject = null;
      p.video.hidden = true;
    }
    p.level.hidden = true;
    p.meter.value = 0;
    p.stop.hidden = true;
    p.start.hidden = false;
  }

  // Tick "devices_checked" through the checklist form: the server keeps what is ticked (htmx takes
  // the submit and swaps the checklist in place; the candidate can still untick it).
  function tickDevices() {
    const form = document.getElementById('checklist-form');
    const box = form && form.querySelector('input[name="devices_checked"]');
    if (!box || box.checked) return;
    box.checked = true;
    form.requestSubmit();
  }

  async function start(section, mode) {
    stop();
    const p = parts(section);
    p.help.hidden = true;
    const t = texts(section);
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showHelp(section, 'unsupported');
      tell(section, '');
      return;
    }
    tell(section, mode === 'video' ? t.askingVideo : t.askingAudio);
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: mode === 'video' });
    } catch (error) {
      tell(section, '');
      const name = error && error.name;
      if (name === 'NotAllowedError' || name === 'SecurityError') showHelp(section, 'blocked');
      else if (name === 'NotFoundError' || name === 'OverconstrainedError') {
        showHelp(section, mode === 'video' ? 'missing' : 'missingAudio', mode === 'video');
      } else if (name === 'NotReadableError' || name === 'AbortError') showHelp(section, 'busy');
      else showHelp(section, 'unsupported');
      return;
    }
    running = { section, stream, context: null, frame: 0, timer: 0 };
    const state = { video: mode !== 'video', audio: false, done: false };
    p.start.hidden = true;
    p.stop.hidden = false;
    tell(section, mode === 'video' ? t.startingCamera : t.listening);

    const finish = () => {
      if (state.done || !state.video || !state.audio) return;
      state.done = true;
      if (running && running.timer) clearTimeout(running.timer);
      p.help.hidden = true;
      tell(section, mode === 'video' && stream.getVideoTracks().length ? t.workVideo : t.workAudio);
      tickDevices();
    };

    if (mode === 'video' && p.video) {
      p.video.srcObject = stream;
      p.video.hidden = false;
      p.video.addEventListener('playing', () => {
        state.video = true;
        if (!state.audio) tell(section, t.cameraWorks);
        finish();
      }, { once: true });
      p.video.play().catch(() => {});
    }

    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext || !stream.getAudioTracks().length) {
      showHelp(section, 'missingAudio');
      return;
    }
    const context = new AudioContext();
    running.context = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    p.level.hidden = false;
    const measure = () => {
      if (!running || running.stream !== stream) return;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (let i = 0; i < samples.length; i += 1) sum += samples[i] * samples[i];
      const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);  // speech peaks near the top
      p.meter.value = level;
      p.meter.textContent = Math.round(level * 100) + '%';
      if (level > 0.02 && !state.audio) {
        state.audio = true;
        finish();
      }
      running.frame = requestAnimationFrame(measure);
    };
    context.resume().catch(() => {});
    running.frame = requestAnimationFrame(measure);
    running.timer = setTimeout(() => {
      if (running && running.stream === stream && !state.audio) showHelp(section, 'silent');
    }, 8000);
  }

  function setUp(root) {
    if (!root || !root.querySelectorAll) return;
    const sections = Array.from(root.querySelectorAll('[data-device-check]'));
    if (root.matches && root.matches('[data-device-check]')) sections.push(root);
    sections.forEach((section) => {
      if (section.dataset.deviceReady) return;
      section.dataset.deviceReady = 'yes';
      section.querySelector('.device-needs-js').hidden = true;
      section.querySelector('.device-ui').hidden = false;
      const p = parts(section);
      p.start.addEventListener('click', () => start(section, section.dataset.deviceCheck));
      p.stop.addEventListener('click', () => {
        stop();
        tell(section, section.dataset.deviceCheck === 'video' ? texts(section).stoppedVideo
          : texts(section).stoppedAudio);
      });
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    setUp(document.body);
    tick();
    window.setInterval(tick, 15000);
  });
  document.addEventListener('htmx:load', (event) => setUp(event.detail && event.detail.elt));
  // Leaving the page: a boosted link swaps the body, a plain one unloads it. Either way the camera goes off.
  document.addEventListener('htmx:beforeSwap', (event) => {
    if (running && event.detail && event.detail.target && event.detail.target.contains(running.section)) stop();
  });
  window.addEventListener('pagehide', stop);
})();

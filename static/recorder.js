// The recorder on the pages that record an answer (templates/recordings/record.html).
//
// The page is a plain multipart form (a file input, a summary, captions) that works without this
// script. Where the browser can record (MediaRecorder, getUserMedia, DataTransfer), this shows the
// recorder above the form: video or audio only, a muted live preview, Record / Stop with a countdown
// (it stops by itself at the limit), the take played back, "Record again"; and puts the take into the
// form's file input, so the same form sends it. The camera and microphone are on only between
// "Turn on…" and the end of a take, and off when the page goes away.
(function () {
  'use strict';

  const TYPES = {
    video: ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm',
            'video/mp4;codecs=avc1,mp4a', 'video/mp4'],
    audio: ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4;codecs=mp4a',
            'audio/mp4'],
  };
  // About 1 Mbit/s of picture and 64 kbit/s of sound: 3 minutes come to about 24 MB, under the limit.
  const BITS = { video: 1000000, audio: 64000 };
  // What it says comes from the page, in the reader's language (data-texts on [data-recorder],
  // written by recordings/views/recorder.py, recorder_texts): nothing here is English to people.
  let T = {};

  const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

  // "2 minutes": the unit's [one, other] form (one for exactly 1, as the page's language counts).
  const unit = (forms, n) => (forms ? forms[n === 1 ? 0 : 1] : String(n)).replace('{n}', String(n));

  function spoken(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    const parts = [];
    if (minutes) parts.push(unit(T.minute, minutes));
    if (rest || !minutes) parts.push(unit(T.second, rest));
    return parts.join(' ');
  }

  function canPutFiles() {
    try {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], 'x.txt', { type: 'text/plain' }));
      return transfer.files.length === 1;
    } catch (error) {
      return false;
    }
  }

  function canRecord() {
    return Boolean(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
                   window.isSecureContext !== false && canPutFiles());
  }

  function pickType(kind) {
    if (typeof MediaRecorder.isTypeSupported !== 'function') return '';
    return TYPES[kind].find((type) => MediaRecorder.isTypeSupported(type)) || '';
  }

  function extension(type, kind) {
    if (type.startsWith('audio/ogg')) return 'ogg';
    if (type.includes('mp4')) return kind === 'video' ? 'mp4' : 'm4a';
    return 'webm';
  }

  // What went wrong with getUserMedia, in plain words; the upload below always works.
  function problemText(error, kind) {
    const video = kind === 'video';
    switch (error && error.name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return video ? T.blockedVideo : T.blockedAudio;
      case 'NotFoundError':
      case 'OverconstrainedError':
        return video ? T.noCamera : T.noMicrophone;
      case 'NotReadableError':
      case 'AbortError':
        return video ? T.busyVideo : T.busyAudio;
      default:
        return video ? T.failedVideo : T.failedAudio;
    }
  }

  function fieldError(form, input, message) {
    // The message next to the field, tied to it as the server's would be (templates/_macros/forms.html).
    const id = `${input.id}-error`;
    let note = form.querySelector(`#${CSS.escape(id)}`);
    if (!message) {
      if (note) note.remove();
      input.removeAttribute('aria-invalid');
      return;
    }
    if (!note) {
      note = document.createElement('small');
      note.id = id;
      note.className = 'field-error';
      const hint = form.querySelector(`#${CSS.escape(input.id)}-hint`);
      (hint || input).after(note);
      const described = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      if (!described.includes(id)) input.setAttribute('aria-describedby', described.concat(id).join(' '));
    }
    note.textContent = message;
    input.setAttribute('aria-invalid', 'true');
  }

  function setUp(section) {
    if (section.dataset.recorderReady) return;
    const form = document.querySelector('form[data-recorder-form]');
    const fileInput = form && form.querySelector('input[type="file"][name="media"]');
    if (!form || !fileInput) return;
    section.dataset.recorderReady = 'yes';
    try {
      T = JSON.parse(section.dataset.texts || '{}');
    } catch (error) {
      T = {};
    }
    if (!canRecord()) {
      const note = document.querySelector('[data-unsupported]');
      if (note) note.hidden = false;
      return;
    }

    const maxSeconds = parseInt(form.dataset.maxSeconds, 10) || 180;
    const maxBytes = parseInt(form.dataset.maxBytes, 10) || 50 * 1024 * 1024;
    const summary = form.querySelector('textarea[name="summary"]');
    const submit = form.querySelector('button[type="submit"]');
    const sendLabel = submit.textContent;
    const preview = section.querySelector('[data-preview]');
    const takeVideo = section.querySelector('[data-take-video]');
    const takeAudio = section.querySelector('[data-take-audio]');
    const timerLine = section.querySelector('[data-timer-line]');
    const countdown = section.querySelector('[data-countdown]');
    const dot = section.querySelector('[data-dot]');
    const status = section.querySelector('[data-status]');
    const problem = section.querySelector('[data-problem]');
    const modes = Array.from(section.querySelectorAll('input[name="recorder-mode"]'));
    const button = (action) => section.querySelector(`[data-action="${action}"]`);
    const buttons = { start: button('start'), record: button('record'), stop: button('stop'), again: button('again') };

    let stream = null;
    let recorder = null;
    let chunks = [];
    let takeUrl = null;
    let takeFile = null;  // the take, while it is what the form's file input holds
    let startedAt = 0;
    let ticking = null;
    let warned = false;

    const kind = () => (modes.find((mode) => mode.checked) || modes[0]).value;
    const say = (text) => { status.textContent = text; };
    const complain = (text) => { problem.textContent = text || ''; };

    function show(...names) {
      Object.entries(buttons).forEach(([name, element]) => { element.hidden = !names.includes(name); });
    }

    function stopStream() {
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      preview.srcObject = null;
      preview.hidden = true;
    }

    function clearTake() {
      if (takeUrl) URL.revokeObjectURL(takeUrl);
      takeUrl = null;
      for (const element of [takeVideo, takeAudio]) {
        element.pause();
        element.removeAttribute('src');
        element.hidden = true;
      }
      if (takeFile) fileInput.value = '';
      takeFile = null;
    }

    function resetTimer() {
      countdown.textContent = clock(maxSeconds);
      dot.hidden = true;
    }

    async function turnOn() {
      complain('');
      const wanted = kind();
      buttons.start.disabled = true;
      try {
        const video = wanted === 'video' ? { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' } : false;
        stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      } catch (error) {
        stream = null;
        buttons.start.disabled = false;
        show('start');
        complain(problemText(error, wanted));
        return;
      }
      buttons.start.disabled = false;
      if (wanted === 'video') {
        preview.srcObject = stream;
        preview.hidden = false;
        preview.play().catch(() => {});
      }
      resetTimer();
      timerLine.hidden = false;
      show('record');
      say(wanted === 'video' ? T.onVideo : T.onAudio);
      buttons.record.focus();
    }

    function tick() {
      const elapsed = Math.floor((performance.now() - startedAt) / 1000);
      const left = Math.max(0, maxSeconds - elapsed);
      const text = clock(left);
      if (countdown.textContent !== text) countdown.textContent = text;
      if (!warned && left <= 30 && maxSeconds > 60) {
        warned = true;
        say(T.thirtyLeft);
      }
      if (left === 0) stop();
    }

    function record() {
      if (!stream) return;
      complain('');
      clearTake();
      const wanted = kind();
      const type = pickType(wanted);
      const options = { audioBitsPerSecond: BITS.audio };
      if (type) options.mimeType = type;
      if (wanted === 'video') options.videoBitsPerSecond = BITS.video;
      try {
        recorder = new MediaRecorder(stream, options);
      } catch (error) {
        complain(T.cannotRecord);
        stopStream();
        show();
        return;
      }
      chunks = [];
      recorder.addEventListener('dataavailable', (event) => { if (event.data && event.data.size) chunks.push(event.data); });
      recorder.addEventListener('stop', () => finish(wanted, recorder.mimeType || type));
      recorder.start(1000);
      startedAt = performance.now();
      warned = false;
      modes.forEach((mode) => { mode.disabled = true; });
      dot.hidden = false;
      ticking = window.setInterval(tick, 250);
      show('stop');
      say(T.recording);
      buttons.stop.focus();
    }

    function stop() {
      if (ticking) window.clearInterval(ticking);
      ticking = null;
      if (recorder && recorder.state !== 'inactive') recorder.stop();
    }

    function finish(wanted, type) {
      const seconds = Math.min(maxSeconds, Math.max(1, Math.round((performance.now() - startedAt) / 1000)));
      const plainType = (type || (wanted === 'video' ? 'video/webm' : 'audio/webm')).split(';')[0];
      const blob = new Blob(chunks, { type: plainType });
      chunks = [];
      recorder = null;
      stopStream();
      dot.hidden = true;
      timerLine.hidden = true;
      modes.forEach((mode) => { mode.disabled = false; });
      show('again');
      if (!blob.size) {
        complain(T.nothing);
        buttons.again.focus();
        return;
      }
      takeFile = new File([blob], `answer.${extension(plainType, wanted)}`, { type: plainType });
      takeUrl = URL.createObjectURL(blob);
      const player = wanted === 'video' ? takeVideo : takeAudio;
      player.src = takeUrl;
      player.hidden = false;
      if (blob.size > maxBytes) {
        takeFile = null;
        complain(T.takeTooLarge);
        buttons.again.focus();
        return;
      }
      const transfer = new DataTransfer();
      transfer.items.add(takeFile);
      fileInput.files = transfer.files;
      fieldError(form, fileInput, '');
      say(`${(T.recorded || '').replace('{length}', spoken(seconds))} ` +
        (summary && !summary.value.trim() ? T.writeSummary : T.sendWhenReady));
      player.focus();
    }

    function again() {
      clearTake();
      say('');
      turnOn();
    }

    buttons.start.addEventListener('click', turnOn);
    buttons.record.addEventListener('click', record);
    buttons.stop.addEventListener('click', stop);
    buttons.again.addEventListener('click', again);
    modes.forEach((mode) => mode.addEventListener('change', () => {
      buttons.start.textContent = kind() === 'video' ? T.startVideo : T.startAudio;
      if (stream && !recorder) {  // switch what is on: turn it off, and on again as asked
        stopStream();
        turnOn();
      }
    }));
    buttons.start.textContent = kind() === 'video' ? T.startVideo : T.startAudio;

    // A file chosen by hand takes the take's place in the form.
    fileInput.addEventListener('change', () => {
      if (takeFile) {
        takeFile = null;
        say(T.choseFile);
      }
      const chosen = fileInput.files[0];
      fieldError(form, fileInput, chosen && chosen.size > maxBytes
        ? T.fileTooLargeChoose
        : '');
    });

    // What the server would say anyway, said before a take is lost to a page load.
    form.addEventListener('submit', (event) => {
      const wrong = [];
      if (recorder) {
        event.preventDefault();
        complain(T.stopFirst);
        buttons.stop.focus();
        return;
      }
      const chosen = fileInput.files[0];
      if (!chosen) {
        fieldError(form, fileInput, T.noRecording);
        wrong.push(fileInput);
      } else if (chosen.size > maxBytes) {
        fieldError(form, fileInput, T.fileTooLarge);
        wrong.push(fileInput);
      } else {
        fieldError(form, fileInput, '');
      }
      if (summary && !summary.value.trim()) {
        fieldError(form, summary, T.noSummary);
        wrong.push(summary);
      } else if (summary) {
        fieldError(form, summary, '');
      }
      if (wrong.length) {
        event.preventDefault();
        wrong[0].focus();
        return;
      }
      submit.disabled = true;
      submit.setAttribute('aria-busy', 'true');
      submit.textContent = T.sending;
    });

    function cleanUp() {
      stop();
      stopStream();
      if (ticking) window.clearInterval(ticking);
    }
    window.addEventListener('pagehide', cleanUp);
    // Leaving through a boosted link swaps the page, not the window: turn everything off too.
    document.addEventListener('htmx:afterSwap', () => { if (!section.isConnected) cleanUp(); });
    // Back to this page from the browser's cache: the form may still be marked as sending.
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) {
        submit.disabled = false;
        submit.removeAttribute('aria-busy');
        submit.textContent = sendLabel;
      }
    });

    const hint = form.querySelector(`#${CSS.escape(fileInput.id)}-hint`);
    if (hint && T.hint) hint.prepend(`${T.hint} `);
    section.hidden = false;
  }

  function scan(root) {
    (root || document).querySelectorAll('[data-recorder]').forEach(setUp);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => scan(document));
  } else {
    scan(document);
  }
  document.addEventListener('htmx:load', (event) => scan(event.detail && event.detail.elt));
}());

// Small enhancements; every page works without them.
(function () {
  'use strict';

  // --- The time-zone picker (templates/_macros/forms.html, zone_field) ---------------------------
  // Shows the chosen zone's offset and city under the box as it changes, and, where the zone is the
  // person's own (data-device-zone), offers this device's zone when it differs from the chosen one.
  // Its words come from the page, in the reader's language: data-now-text ("Now {zone}") and
  // data-use-text ("Use {zone} (your device's zone)") on .zone-field; English where the page has none.

  // The browser's own name for a zone: it may spell an old name (Asia/Calcutta for Asia/Kolkata).
  const browserNames = new Map();
  function browserName(zone) {
    if (!browserNames.has(zone)) {
      let name = null;
      try {
        name = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
      } catch (error) {
        name = null;  // a name this browser doesn't know
      }
      browserNames.set(zone, name);
    }
    return browserNames.get(zone);
  }

  // "GMT+09:00 · Tokyo, Japan (Asia/Tokyo)" → "tokyo".
  const cityOf = (label) => label.replace(/^GMT[+-]\d\d:\d\d · /, '').split(/,| \(/)[0].toLowerCase();

  // The list's option for what is typed: a zone name in any case, a city (as the server reads it,
  // portal.timeutil.find_zone), another spelling of a zone; null when the list has none.
  function optionFor(list, text) {
    const typed = (text || '').trim().toLowerCase();
    if (!typed) return { option: null };
    const options = Array.from(list.options);
    const same = options.find((option) => option.value.toLowerCase() === typed);
    if (same) return { option: same, exact: true };
    const inCity = options.filter((option) => cityOf(option.label) === typed);
    if (inCity.length === 1) return { option: inCity[0] };
    const wanted = browserName(text.trim());
    return { option: wanted ? options.find((option) => browserName(option.value) === wanted) || null : null };
  }

  function setUpZoneField(box) {
    if (box.dataset.zoneReady) return;
    const input = box.querySelector('input[list]');
    const list = input && input.list;
    if (!list) return;
    box.dataset.zoneReady = 'yes';
    const now = box.querySelector('.zone-now');

    // Typing replaces the whole name, so the list shows every zone matching what is typed.
    input.addEventListener('focus', () => input.select());

    // The zone's offset and city, and its name too when a city was typed.
    const describe = () => {
      const found = optionFor(list, input.value);
      const label = !found.option ? '' : found.exact ? found.option.label.replace(/ \([^()]*\)$/, '') : found.option.label;
      if (now) now.textContent = label && (box.dataset.nowText || 'Now {zone}').replace('{zone}', label);
    };
    input.addEventListener('input', describe);

    if (!('deviceZone' in box.dataset)) return;
    const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const option = optionFor(list, device).option;
    const zone = option ? option.value : device;
    if (!zone) return;
    const offer = document.createElement('p');
    offer.className = 'zone-suggestion';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary outline compact';
    button.textContent = (box.dataset.useText || "Use {zone} (your device's zone)").replace('{zone}', zone);
    offer.appendChild(button);
    box.appendChild(offer);
    const update = () => {
      const chosen = optionFor(list, input.value).option;
      offer.hidden = (chosen ? chosen.value : input.value.trim()) === zone;
    };
    button.addEventListener('click', () => {
      input.value = zone;
      describe();
      update();
      input.focus();
    });
    input.addEventListener('input', update);
    update();
  }

  function setUp(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches('.zone-field')) setUpZoneField(root);
    root.querySelectorAll('.zone-field').forEach(setUpZoneField);
  }

  // The first page, then whatever htmx brings in (a boosted page, a form swapped back with errors).
  document.addEventListener('DOMContentLoaded', () => setUp(document.body));
  document.addEventListener('htmx:load', (event) => setUp(event.detail && event.detail.elt));
})();

// --- Office hours: a talk's countdown (templates/office_hours/candidate/window.html) -----------------
// <time data-countdown datetime="…Z">12 min left</time>, written by the server (a reload shows the
// right figure without JavaScript); here it counts down each second in the same words. The words come
// from the page, in the reader's language: data-words='{"up": …, "under": …, "min": [one, other]}' on the
// element or one around it
// ("{n}" for the minutes; one for exactly 1); English where the page has none.
(function () {
  'use strict';

  const ENGLISH = { up: "time's up", under: 'under a minute left', min: ['{n} min left', '{n} min left'] };

  function wordsOf(element) {
    try {
      const holder = element.closest('[data-words]');
      return Object.assign({}, ENGLISH, JSON.parse((holder && holder.dataset.words) || '{}'));
    } catch (error) {
      return ENGLISH;
    }
  }

  function words(ms, said) {
    if (ms <= 0) return said.up;
    if (ms < 60000) return said.under;
    const n = Math.floor(ms / 60000);
    return said.min[n === 1 ? 0 : 1].replace('{n}', String(n));
  }

  function tick() {
    document.querySelectorAll('time[data-countdown]').forEach((element) => {
      const end = Date.parse(element.getAttribute('datetime'));
      if (Number.isNaN(end)) return;
      const text = words(end - Date.now(), wordsOf(element));
      if (element.textContent !== text) element.textContent = text;
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    tick();
    window.setInterval(tick, 1000);
  });
})();

// The verifier page: the camera, a keyboard-wedge scanner, paste and
// pictures feed the project's own verifier, compiled to WebAssembly
// (verifier.wasm); nothing is sent anywhere, nothing is kept.
'use strict';
(async function () {
  // The page's words in English, French and Arabic: the interface, the
  // verdicts, and every reason and warning code of the verifier contract.
  const I18N = await (await fetch('i18n.json')).json();
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let lang = params.get('lang') || localStorage.getItem('lang') || (navigator.language || 'en').slice(0, 2);
  if (!I18N[lang]) lang = 'en';
  const CLEAR_AFTER_MS = 60000;
  const FRAME_MS = 150;
  const MAX_SIDE = 720;
  // Timings for the tests and the README's figures (no personal data).
  const stats = (window.immunopassStats = { readyMs: 0, frames: 0, frameMs: [], verdictMs: [], tones: [] });
  let ready = false, stream = null, clearTimer = null, lastText = '', lastAt = 0, busy = false;
  // The rule to check (a context policy's name, '' for none) and the
  // verdict tone: chosen on this device, remembered in localStorage.
  let contextName = localStorage.getItem('context') || '';
  let soundOn = localStorage.getItem('sound') === '1';
  const MAX_RULES = 6;

  function t(key, ...args) {
    const v = (I18N[lang][key] !== undefined ? I18N[lang][key] : I18N.en[key]) || key;
    return v.replace(/\{(\d)\}/g, (_, i) => String(args[+i]));
  }
  // n with its noun: plural forms are [one, other] per language.
  function count(key, n) {
    const forms = I18N[lang][key] || I18N.en[key];
    return forms[n === 1 ? 0 : 1].replace('{0}', String(n));
  }
  function reasonWords(code) {
    return (I18N[lang].reason && I18N[lang].reason[code]) || I18N.en.reason[code] || code;
  }
  function applyLang() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
    document.title = t('title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    $('lang').value = lang;
    $('camera').textContent = t(stream ? 'stopCamera' : 'startCamera');
    $('camstate').textContent = t(stream ? 'cameraOn' : 'cameraOff');
    $('sound').checked = soundOn;
    showTrust();
    fillContexts();
  }

  // The contexts in force (the trust bundle's rules, else the shipped
  // ones), titled in the page's language; the chosen one is applied.
  function fillContexts() {
    if (!ready) return;
    const l = JSON.parse(immunopass.contexts(lang));
    const sel = $('context');
    const none = document.createElement('option');
    none.value = '';
    none.textContent = t('contextNone');
    const opts = [none];
    for (const c of l.contexts) {
      const o = document.createElement('option');
      o.value = c.name;
      o.textContent = c.title;
      opts.push(o);
    }
    sel.replaceChildren(...opts);
    sel.title = l.error ? t('contextsBroken', l.error) : t(l.from === 'bundle' ? 'contextsBundle' : 'contextsShipped');
    const err = immunopass.setContext(contextName, lang);
    // A rule remembered on this device that the rules in force no longer
    // hold (a new bundle dropped it) is said, and none is checked.
    $('ctxnote').textContent = err ? t('contextGone', err) : '';
    if (err) immunopass.setContext('', lang);
    sel.value = err ? '' : contextName;
    document.body.dataset.context = err ? '' : contextName;
  }
  $('context').addEventListener('change', () => {
    contextName = $('context').value;
    localStorage.setItem('context', contextName);
    fillContexts();
  });

  // Verdict tones, the same notes as the desktop app's (station.PassTone,
  // FailTone, ManualTone): rising for valid, a low double buzz for not
  // valid, one middle note to check manually. WebAudio oscillators, no
  // sound files; no sound (no device, a browser that refuses) is no error.
  const TONES = {
    valid: [[880, 110], [1320, 170]],
    invalid: [[220, 230], [0, 70], [220, 230]],
    check: [[587, 380]],
  };
  let audio = null;
  function audioContext() {
    try {
      audio = audio || new AudioContext();
      if (audio.state === 'suspended') audio.resume().catch(() => {});
    } catch (e) {
      audio = null;
    }
    return audio;
  }
  function tone(kind) {
    if (!soundOn) return;
    stats.tones.push(kind);
    const ac = audioContext();
    if (!ac) return;
    let at = ac.currentTime + 0.02;
    for (const [freq, ms] of TONES[kind]) {
      const d = ms / 1000;
      if (freq > 0) {
        const osc = ac.createOscillator(), gain = ac.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0, at);
        gain.gain.linearRampToValueAtTime(0.4, at + 0.008);
        gain.gain.setValueAtTime(0.4, at + d - 0.008);
        gain.gain.linearRampToValueAtTime(0, at + d);
        osc.connect(gain).connect(ac.destination);
        osc.start(at);
        osc.stop(at + d);
      }
      at += d;
    }
  }
  $('sound').addEventListener('change', () => {
    soundOn = $('sound').checked;
    localStorage.setItem('sound', soundOn ? '1' : '0');
    if (soundOn) audioContext(); // a click: the browser lets the page sound from now on
  });
  $('lang').addEventListener('change', () => {
    lang = $('lang').value;
    localStorage.setItem('lang', lang);
    applyLang();
  });

  // The verifier: WebAssembly, then the trust files the page was given.
  // boot.js started compiling verifier.wasm and fetching the trust files.
  const booting = window.immunopassBoot;
  window.immunopassReady = async () => {
    booting.mark('goReadyMs');
    try {
      for (const [f, buf] of await booting.trust) {
        const err = immunopass.loadTrust(f, buf);
        if (err) console.warn('trust file', f, err);
      }
    } catch (e) {
      console.warn('trust files', e);
    }
    booting.mark('trustLoadedMs');
    registerServiceWorker();
    // Once, before anyone has had time to scan: the first verdict would
    // otherwise pay for compiling every step of a verification.
    setTimeout(() => { immunopass.warm(); booting.mark('warmedMs'); }, 0);
    ready = true;
    stats.readyMs = Math.round(performance.now());
    showTrust();
    fillContexts();
    document.body.dataset.ready = '1';
  };
  async function boot() {
    $('trust').textContent = t('loading');
    const go = new Go();
    const instance = await WebAssembly.instantiate(await booting.module, go.importObject);
    booting.mark('instantiatedMs');
    go.run(instance);
  }
  function showTrust() {
    if (!ready) return;
    const s = JSON.parse(immunopass.trust());
    let line = s.issuers + s.dscs === 0 ? t('noTrust') : t('trust', count('issuers', s.issuers), count('signers', s.dscs));
    if (s.bundleTime) line += ' · ' + t('trustBundle', new Date(s.bundleTime).toLocaleString(lang));
    if (s.stale) line += ' · ' + t('trustStale');
    $('trust').textContent = line;
  }

  // One code, from any source.
  function submit(text) {
    if (!ready || !text) return;
    const out = JSON.parse(immunopass.submit(text));
    $('progress').textContent = out.progress || '';
    if (out.layout) $('progress').textContent = t('layout', out.layout.toUpperCase());
    if (out.results && out.results.length) show(out.results, out);
  }

  // The rule's answer in words with an icon, then each rule not met (or
  // not decided) in words with its identifier small; none for a credential
  // that is not valid, whose content cannot be relied on.
  function showPolicy(r, out) {
    const box = $('policy'), list = $('policyRules');
    list.replaceChildren();
    box.hidden = true;
    delete document.body.dataset.policy;
    if (!r.valid) return;
    const p = r.policy;
    if (!p) {
      if (!out.contextProblem) return;
      box.className = 'policy cannot';
      $('policyIcon').textContent = '?';
      $('policyWord').textContent = t('contextGone', out.contextProblem);
      box.hidden = false;
      return;
    }
    const kind = { meets: 'meets', 'does-not-meet': 'fails' }[p.result] || 'cannot';
    box.className = 'policy ' + kind;
    $('policyIcon').textContent = { meets: '✔', fails: '✖', cannot: '?' }[kind];
    $('policyWord').textContent = t({ meets: 'policyMeets', fails: 'policyFails', cannot: 'policyCannot' }[kind], p.title);
    const item = (text, code) => {
      const li = document.createElement('li');
      li.textContent = text;
      if (code) {
        const c = document.createElement('code');
        c.textContent = code;
        li.append(c);
      }
      list.append(li);
    };
    if (p.problem) item(p.problem);
    const from = out.meetsFrom && out.meetsFrom[0];
    if (kind === 'fails' && from && r === out.results[0]) {
      const day = new Date(from + 'T12:00:00').toLocaleDateString(lang, { day: 'numeric', month: 'long', year: 'numeric' });
      const li = document.createElement('li');
      li.className = 'from';
      li.textContent = t('meetsFrom', day);
      list.append(li);
    }
    if (kind === 'meets') {
      item(count('rulesAllMet', p.rules.length));
    } else {
      const notMet = [...p.rules.filter((x) => x.result === 'fail'), ...p.rules.filter((x) => x.result === 'open')];
      for (const x of notMet.slice(0, MAX_RULES)) {
        item(t(x.result === 'fail' ? 'ruleNotMet' : 'ruleOpen', x.description) + (x.problem ? ' (' + x.problem + ')' : ''), x.id);
      }
      if (notMet.length > MAX_RULES) item(count('moreRules', notMet.length - MAX_RULES));
    }
    box.hidden = false;
    document.body.dataset.policy = p.result;
  }

  function show(results, out) {
    const valid = results.every((r) => r.valid);
    const warned = results.some((r) => (r.warnings || []).length > 0);
    const kind = !valid ? 'invalid' : warned ? 'check' : 'valid';
    const banner = $('banner');
    banner.className = 'banner ' + kind;
    $('icon').textContent = { valid: '✔', invalid: '✖', check: '!' }[kind];
    $('word').textContent = t({ valid: 'valid', invalid: 'invalid', check: 'checkManually' }[kind]);
    const r = results[0];
    $('name').textContent = (r.subject && r.subject.name) || t('noName');
    $('birth').textContent = r.subject && r.subject.birthDate ? t('born', r.subject.birthDate) : '';
    showPolicy(r, out);
    const reasons = $('reasons');
    reasons.replaceChildren();
    for (const x of results) {
      for (const code of [...(x.reasons || []).filter((c) => c !== 'ok'), ...(x.warnings || [])]) {
        const li = document.createElement('li');
        li.textContent = reasonWords(code);
        const c = document.createElement('code');
        c.textContent = code;
        li.append(c);
        reasons.append(li);
      }
    }
    const doses = $('doses');
    doses.replaceChildren();
    for (const x of results) {
      for (const d of x.immunizations || []) {
        const li = document.createElement('li');
        const parts = [d.date, d.vaccine.display || d.vaccine.code];
        if (d.dose) parts.push(t('dose', d.dose));
        if (d.country) parts.push(d.country);
        li.textContent = parts.join(' · ');
        doses.append(li);
      }
    }
    $('issuer').textContent = r.issuer && (r.issuer.name || r.issuer.id) ? t('issuer', r.issuer.name || r.issuer.id) : '';
    $('verdict').hidden = false;
    document.body.dataset.verdict = kind;
    tone(kind);
    $('verdict').scrollIntoView({ block: 'start' });
    clearTimeout(clearTimer);
    clearTimer = setTimeout(clear, CLEAR_AFTER_MS);
  }
  function clear() {
    $('verdict').hidden = true;
    for (const id of ['name', 'birth', 'issuer', 'progress']) $(id).textContent = '';
    $('reasons').replaceChildren();
    $('doses').replaceChildren();
    $('policyRules').replaceChildren();
    $('policyWord').textContent = '';
    $('policy').hidden = true;
    delete document.body.dataset.verdict;
    delete document.body.dataset.policy;
    lastText = '';
  }
  $('next').addEventListener('click', () => { clear(); immunopass.reset(); });

  // The camera: a frame every FRAME_MS, scaled down, decoded in WebAssembly.
  $('camera').addEventListener('click', async () => {
    if (stream) return stopCamera();
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch (e) {
      $('camstate').textContent = t('cameraDenied', e.name || e.message);
      return;
    }
    const v = $('video');
    v.srcObject = stream;
    await v.play();
    applyLang();
    loop();
  });
  function stopCamera() {
    for (const tr of stream.getTracks()) tr.stop();
    stream = null;
    $('video').srcObject = null;
    applyLang();
  }
  function loop() {
    if (!stream) return;
    const v = $('video');
    if (ready && !busy && v.videoWidth > 0) {
      busy = true;
      const s = Math.min(1, MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
      const w = Math.round(v.videoWidth * s), h = Math.round(v.videoHeight * s);
      const c = $('frame');
      c.width = w; c.height = h;
      const ctx = c.getContext('2d', { willReadFrequently: true });
      const t0 = performance.now();
      ctx.drawImage(v, 0, 0, w, h);
      const text = immunopass.scanFrame(ctx.getImageData(0, 0, w, h).data, w, h);
      const now = Date.now();
      stats.frames++;
      if (stats.frameMs.length < 1000) stats.frameMs.push(performance.now() - t0);
      if (text && (text !== lastText || now - lastAt > 5000)) {
        lastText = text; lastAt = now;
        submit(text);
        if (stats.verdictMs.length < 1000) stats.verdictMs.push(performance.now() - t0);
      }
      busy = false;
    }
    setTimeout(loop, FRAME_MS);
  }

  // A keyboard-wedge scanner types the code and Enter into the page.
  let keys = '', keyTimer = null;
  document.addEventListener('keydown', (e) => {
    const tag = (e.target && e.target.tagName) || '';
    if (tag === 'TEXTAREA' || tag === 'INPUT' || tag === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Enter') {
      if (keys.length > 0) { e.preventDefault(); const k = keys; keys = ''; submit(k); }
      return;
    }
    if (e.key.length === 1) {
      keys += e.key;
      if (keys.length > 8192) keys = '';
      clearTimeout(keyTimer);
      keyTimer = setTimeout(() => { if (keys.length >= 8) { const k = keys; keys = ''; submit(k); } else keys = ''; }, 300);
    }
  });

  $('check').addEventListener('click', () => {
    for (const line of $('paste').value.split(/\r?\n/)) if (line.trim()) submit(line.trim());
    $('paste').value = '';
  });
  $('file').addEventListener('change', async () => {
    const f = $('file').files[0];
    if (!f || !ready) return;
    try {
      const bmp = await createImageBitmap(f);
      const s = Math.min(1, 2000 / Math.max(bmp.width, bmp.height));
      const w = Math.round(bmp.width * s), h = Math.round(bmp.height * s);
      const c = $('frame');
      c.width = w; c.height = h;
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(bmp, 0, 0, w, h);
      const text = immunopass.scanPicture(ctx.getImageData(0, 0, w, h).data, w, h);
      if (text) submit(text); else $('progress').textContent = t('noCode');
    } catch (e) {
      $('progress').textContent = t('noCode');
    }
    $('file').value = '';
  });

  // Registered once the verifier is ready: its first install downloads
  // every file again, which would compete with the page's own start.
  function registerServiceWorker() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.register('sw.js').then(() => navigator.serviceWorker.ready).then(() => {
      $('offline').textContent = t('offlineReady');
      document.body.dataset.offline = '1';
    }).catch((e) => console.warn('service worker', e));
  }
  applyLang();
  boot().catch((e) => { $('trust').textContent = 'verifier.wasm: ' + e.message; });
})();

// Starts the verifier as soon as the page is parsed, before app.js has its
// words: verifier.wasm is compiled while it downloads (compileStreaming),
// and the trust files are fetched meanwhile. app.js instantiates the
// compiled module and loads the fetched trust once Go is up.
//
// window.immunopassBoot = {module, trust, marks, mark}: module is a
// Promise of the WebAssembly.Module, trust a Promise of [name, bytes]
// pairs in the manifest's order (policy first), marks the page's timings
// in ms since navigation (for the tests and the README's figures).
'use strict';
window.immunopassBoot = (function () {
  const marks = {};
  const mark = (name) => { marks[name] = Math.round(performance.now()); };
  mark('bootMs');
  async function compile() {
    const res = await fetch('verifier.wasm');
    if (!res.ok) throw new Error('verifier.wasm: HTTP ' + res.status);
    // Streaming needs the application/wasm type, which a plain file server
    // of an exported folder may not send: then compile the bytes.
    if ((res.headers.get('Content-Type') || '').startsWith('application/wasm')) {
      return WebAssembly.compileStreaming(res);
    }
    return WebAssembly.compile(await res.arrayBuffer());
  }
  async function files() {
    const res = await fetch('trust/manifest.json');
    if (!res.ok) return [];
    const m = await res.json();
    return Promise.all((m.files || []).map(async (f) => {
      const r = await fetch('trust/' + encodeURIComponent(f));
      if (!r.ok) throw new Error('trust/' + f + ': HTTP ' + r.status);
      return [f, new Uint8Array(await r.arrayBuffer())];
    }));
  }
  const module = compile().then((m) => { mark('compiledMs'); return m; });
  const trust = files().then((x) => { mark('trustFetchedMs'); return x; });
  // Neither rejection goes unhandled before app.js awaits it.
  module.catch(() => {});
  trust.catch(() => {});
  return { module, trust, marks, mark };
})();

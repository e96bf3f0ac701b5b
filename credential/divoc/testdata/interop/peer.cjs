// peer.cjs gen-keys                                  → {"rsa": KEY, "ed25519": KEY}
// peer.cjs sign   --doc FILE --key FILE --contexts FILE [--created ISO]  → {"signed": DOC}
// peer.cjs verify --doc FILE --key FILE --contexts FILE                 → {"verified": bool, "error": "…"}
// peer.cjs bench  --doc FILE --key FILE --contexts FILE [--n N]         → {"medianMs": M, "cpuMeanMs": C, "n": N} (verify N times)
//
// KEY is {"type": "RSA"|"Ed25519", "id", "controller", "publicKeyPem"/"privateKeyPem" or
// "publicKeyBase58"/"privateKeyBase58"}. Contexts are served from the contexts file
// ({"url": document}); the key and its controller document are served from KEY; any
// other URL is an error, never a fetch.
'use strict';
const fs = require('fs');
const jsigs = require('jsonld-signatures');
const {RSAKeyPair, Ed25519KeyPair} = require('crypto-ld');
const {RsaSignature2018, Ed25519Signature2018} = jsigs.suites;
const {AssertionProofPurpose} = jsigs.purposes;

const args = process.argv.slice(2);
const cmd = args[0];
const opt = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) {
    if (def !== undefined) return def;
    console.error(`missing ${name}`);
    process.exit(2);
  }
  return args[i + 1];
};
const readJSON = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const SEC = 'https://w3id.org/security/v2';

function loader(contexts, key) {
  return async (url) => {
    if (url in contexts) {
      return {contextUrl: null, documentUrl: url, document: contexts[url]};
    }
    if (key && url === key.id) {
      const doc = {'@context': SEC, id: key.id, controller: key.controller,
        type: key.type === 'RSA' ? 'RsaVerificationKey2018' : 'Ed25519VerificationKey2018'};
      if (key.type === 'RSA') doc.publicKeyPem = key.publicKeyPem;
      else doc.publicKeyBase58 = key.publicKeyBase58;
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    if (key && url === key.controller) {
      return {contextUrl: null, documentUrl: url,
        document: {'@context': SEC, id: key.controller, assertionMethod: [key.id]}};
    }
    throw new Error(`document ${url} not held`);
  };
}

function suiteFor(key, opts) {
  if (key.type === 'RSA') {
    return new RsaSignature2018({key: new RSAKeyPair({...key, type: 'RsaVerificationKey2018'}), ...opts});
  }
  return new Ed25519Signature2018({key: new Ed25519KeyPair({...key, type: 'Ed25519VerificationKey2018'}), ...opts});
}

(async () => {
  if (cmd === 'gen-keys') {
    const rsa = await RSAKeyPair.generate({id: 'did:india', controller: 'https://cowin.gov.in/'});
    const ed = await Ed25519KeyPair.generate({id: 'did:india:ed', controller: 'https://cowin.gov.in/'});
    console.log(JSON.stringify({
      rsa: {type: 'RSA', id: rsa.id, controller: rsa.controller, publicKeyPem: rsa.publicKeyPem, privateKeyPem: rsa.privateKeyPem},
      ed25519: {type: 'Ed25519', id: ed.id, controller: ed.controller, publicKeyBase58: ed.publicKeyBase58, privateKeyBase58: ed.privateKeyBase58},
    }));
    return;
  }
  const doc = readJSON(opt('--doc'));
  const key = readJSON(opt('--key'));
  const documentLoader = loader(readJSON(opt('--contexts')), key);
  if (cmd === 'sign') {
    const date = opt('--created', '2021-08-01T10:00:00Z');
    const signed = await jsigs.sign(doc, {suite: suiteFor(key, {date}), purpose: new AssertionProofPurpose(),
      documentLoader, compactProof: false});
    console.log(JSON.stringify({signed}));
  } else if (cmd === 'verify') {
    const {privateKeyPem, privateKeyBase58, ...pub} = key;
    const res = await jsigs.verify(doc, {suite: suiteFor(pub, {}), purpose: new AssertionProofPurpose({controller: {
      '@context': SEC, id: key.controller, assertionMethod: [key.id]}}), documentLoader, compactProof: false});
    const error = res.error ? String((res.error.errors && res.error.errors[0] && res.error.errors[0].message) || res.error.message || res.error) : '';
    console.log(JSON.stringify({verified: !!res.verified, error}));
  } else if (cmd === 'bench') {
    const n = Number(opt('--n', '50'));
    const {privateKeyPem, privateKeyBase58, ...pub} = key;
    const purpose = () => new AssertionProofPurpose({controller: {'@context': SEC, id: key.controller, assertionMethod: [key.id]}});
    const times = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const d = JSON.parse(JSON.stringify(doc));
      const t0 = process.hrtime.bigint();
      const res = await jsigs.verify(d, {suite: suiteFor(pub, {}), purpose: purpose(), documentLoader, compactProof: false});
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!res.verified) throw new Error('bench: not verified');
    }
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    // cpuMeanMs: the process's CPU time (user + system, all threads) per
    // verification, which load on a shared machine does not inflate.
    console.log(JSON.stringify({medianMs: times[Math.floor(n / 2)], cpuMeanMs: (cpu.user + cpu.system) / 1000 / n, n}));
  } else {
    console.error('usage: peer.cjs gen-keys|sign|verify|bench …');
    process.exit(2);
  }
})().catch((e) => {
  console.log(JSON.stringify({error: String(e && e.stack || e)}));
});

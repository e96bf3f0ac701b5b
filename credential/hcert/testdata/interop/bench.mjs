// bench.mjs --qr FILE --cert FILE [--n 500]
//
// Times @pathcheck/dcc-sdk's whole verification (unpackAndVerify: base45,
// inflate, CBOR, COSE, WebCrypto verify) of one HCERT, and a bare WebCrypto
// ECDSA verify of the same signature with the key imported once.
// Prints {"perCertMs", "bareSigMs", "n"} (means after a warm-up).
import crypto from 'node:crypto';
import { args, emit, read, dsc, dccSDK, require } from './lib/common.mjs';

const a = args(process.argv.slice(2), ['qr', 'cert', 'n?'], 'bench.mjs --qr FILE --cert FILE [--n 500]');
const n = Number(a.n || 500);
const qr = read(a.qr);
const d = dsc(a.cert);
const sdk = dccSDK();
sdk.addCachedCerts({ [d.kid.toString('base64')]: d.pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '') });

const first = await sdk.unpackAndVerify(qr);
if (first.status !== 'verified') {
  emit({ error: 'the SDK did not verify the certificate: ' + first.status });
  process.exit(1);
}
// The bare check: Sig_structure ["Signature1", protected, h'', payload] over the same bytes.
const cbor = require('cbor');
const pako = require('pako');
const base45 = require('base45-js');
let obj = cbor.decodeFirstSync(Buffer.from(pako.inflate(base45.decode(qr.slice(4)))));
if (obj instanceof cbor.Tagged) obj = obj.value;
const [p, , payload, sig] = obj;
const tbs = cbor.encode(['Signature1', p, Buffer.alloc(0), payload]);
const key = await crypto.webcrypto.subtle.importKey('spki', d.publicKey.export({ format: 'der', type: 'spki' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
const alg = { name: 'ECDSA', hash: 'SHA-256' };
if (!(await crypto.webcrypto.subtle.verify(alg, key, sig, tbs))) {
  emit({ error: 'bare verify failed' });
  process.exit(1);
}
async function time(fn) {
  for (let i = 0; i < Math.max(10, n / 4); i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}
const perCertMs = await time(() => sdk.unpackAndVerify(qr));
const bareSigMs = await time(() => crypto.webcrypto.subtle.verify(alg, key, sig, tbs));
emit({ perCertMs, bareSigMs, n, node: process.version });

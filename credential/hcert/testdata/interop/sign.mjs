// sign.mjs --peer dccsdk|cosejs --cert FILE --key FILE --payload FILE --out FILE [--iss CC] [--iat SECS] [--exp SECS]
//
// Signs an EU DCC payload (JSON) as an HCERT with the peer's own code:
// dccsdk: makeCWT + signAndPack (WebCrypto; protected alg + kid, tag 18, zlib, base45);
// cosejs: cbor.encode of the CWT map, cose-js sign.create (elliptic / node-rsa),
//         pako.deflate, base45-js. The key is a PKCS #8 PEM.
// Writes the HC1: text to --out and prints {"ok", "peer", "kid", "alg"}.
import crypto from 'node:crypto';
import { args, emit, read, write, dsc, dccSDK, require } from './lib/common.mjs';

const usage = 'sign.mjs --peer dccsdk|cosejs --cert FILE --key FILE --payload FILE --out FILE [--iss CC] [--iat SECS] [--exp SECS]';
const a = args(process.argv.slice(2), ['peer', 'cert', 'key', 'payload', 'out', 'iss?', 'iat?', 'exp?'], usage);
const d = dsc(a.cert);
const keyPem = read(a.key);
const payload = JSON.parse(read(a.payload));
const cbor = require('cbor');
const now = Math.floor(Date.now() / 1000);
const iat = a.iat ? Number(a.iat) : now;
const exp = a.exp ? Number(a.exp) : iat + 365 * 86400;
const priv = crypto.createPrivateKey(keyPem);
const ec = priv.asymmetricKeyType === 'ec';

function cwt() {
  const m = new Map();
  m.set(1, a.iss || 'XX');
  m.set(6, iat);
  m.set(4, exp);
  m.set(-260, new Map([[1, payload]]));
  return m;
}

let text;
if (a.peer === 'dccsdk') {
  const sdk = dccSDK();
  // The SDK derives alg and kid from the certificate PEM; it needs the key as PKCS #8.
  const p8 = priv.export({ format: 'pem', type: 'pkcs8' });
  text = await sdk.signAndPack(cwt(), d.pem, p8);
} else if (a.peer === 'cosejs') {
  const cose = require('cose-js');
  const pako = require('pako');
  const base45 = require('base45-js');
  const jwk = priv.export({ format: 'jwk' });
  const b = (s) => Buffer.from(s, 'base64url');
  const key = ec ? { d: b(jwk.d) } : { n: b(jwk.n), e: parseInt(b(jwk.e).toString('hex'), 16), d: b(jwk.d), p: b(jwk.p), q: b(jwk.q), dp: b(jwk.dp), dq: b(jwk.dq), qi: b(jwk.qi) };
  const headers = { p: { alg: ec ? 'ES256' : 'PS256', kid: d.kid }, u: {} };
  const signed = await cose.sign.create(headers, cbor.encode(cwt()), { key });
  text = 'HC1:' + base45.encode(Buffer.from(pako.deflate(signed)));
} else {
  process.stderr.write(`usage: ${usage}\n`);
  process.exit(2);
}
write(a.out, text);
emit({ ok: true, peer: a.peer, kid: d.kid.toString('base64'), alg: ec ? 'ES256' : 'PS256', chars: text.length });

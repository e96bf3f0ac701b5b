// verify.mjs --peer dccsdk|cosejs --qr FILE --cert FILE
//
// FILE holds one HC1: text a line (node and the SDK take ~1 s to start, so
// tests verify many certificates in one run).
// dccsdk: @pathcheck/dcc-sdk's own unpackAndVerify, with the DSC preloaded
//         in its trust cache under the kid (so that it never fetches a registry).
// cosejs: an independent stack: base45-js → pako.inflate → cose-js
//         sign.verify (elliptic / node-rsa) against the DSC's public key.
// Prints {"peer", "kid", "results": [{"valid", "status", "iss", "iat", "exp", "hcert"}…], "network"}.
import { args, emit, read, dsc, dccSDK, require, attempted, logged } from './lib/common.mjs';

const usage = 'verify.mjs --peer dccsdk|cosejs --qr FILE --cert FILE';
const a = args(process.argv.slice(2), ['peer', 'qr', 'cert'], usage);
const qrs = read(a.qr).split('\n').map((l) => l.trim()).filter(Boolean);
const d = dsc(a.cert);
const cbor = require('cbor');

function facts(cwtBytes) {
  const cwt = cbor.decodeFirstSync(cwtBytes);
  const hc = cwt.get(-260);
  return {
    iss: cwt.get(1),
    iat: cwt.get(6),
    exp: cwt.get(4),
    hcert: hc && hc.get(1),
  };
}

const sdk = a.peer === 'dccsdk' ? dccSDK() : null;
if (sdk) {
  const cert = d.pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  sdk.addCachedCerts({ [d.kid.toString('base64')]: cert });
}

async function dccsdk(qr) {
  const r = await sdk.unpackAndVerify(qr);
  const res = { valid: r.status === 'verified', status: r.status };
  if (r.status === 'verified') {
    const cwt = r.contents;
    res.iss = cwt.get(1);
    res.iat = cwt.get(6);
    res.exp = cwt.get(4);
    res.hcert = cwt.get(-260).get(1);
  }
  return res;
}

async function cosejs(qr) {
  const base45 = require('base45-js');
  const pako = require('pako');
  const cose = require('cose-js');
  if (!qr.startsWith('HC1:')) return { valid: false, status: 'no HC1: prefix' };
  let coseBytes;
  try {
    coseBytes = Buffer.from(pako.inflate(base45.decode(qr.slice(4))));
  } catch (e) {
    return { valid: false, status: 'decode: ' + e.message };
  }
  const jwk = d.publicKey.export({ format: 'jwk' });
  const key = jwk.kty === 'EC' ? { x: Buffer.from(jwk.x, 'base64url'), y: Buffer.from(jwk.y, 'base64url') }
    : { n: Buffer.from(jwk.n, 'base64url'), e: parseInt(Buffer.from(jwk.e, 'base64url').toString('hex'), 16) };
  try {
    const payload = await cose.sign.verify(coseBytes, { key }, { defaultType: cose.sign.Sign1Tag });
    return { valid: true, status: 'verified', ...facts(payload) };
  } catch (e) {
    return { valid: false, status: 'signature: ' + e.message };
  }
}

const check = { dccsdk, cosejs }[a.peer];
if (!check) { process.stderr.write(`usage: ${usage}\n`); process.exit(2); }
const results = [];
for (const qr of qrs) results.push(await check(qr));
emit({ peer: a.peer, kid: d.kid.toString('base64'), results, network: attempted, logged: logged.length });

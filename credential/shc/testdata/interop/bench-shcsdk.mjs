#!/usr/bin/env node
// Times @pathcheck/shc-sdk's full verification of one card, offline, and,
// separately, the bare ES256 signature check under it.
//
// usage: bench-shcsdk.mjs --file FILE --jwks FILE [--n 200] [--iss URL]
//   FILE: shc:/ text (one chunk), compact JWS or .smart-health-card file.
//
// perCardMs   sdk.unpackAndVerify(shc:/ text), mean of n calls after warm-up.
//             It includes, each time, the SDK's (stubbed, in-memory) fetch of
//             ${iss}/.well-known/jwks.json: the SDK re-fetches the JWKS on
//             every verification (see README), so a real deployment would pay
//             a network round trip per card on top of this.
// bareSigMs   node:crypto verify of the same signature (SHA-256, P-256,
//             ieee-p1363), key object made once: the primitive node-jose
//             calls on Node (createVerify + PEM key + DER signature).
// subtleSigMs WebCrypto subtle.verify on the same input, key imported once.
// nodeJoseMs  node-jose JWS.createVerify(key).verify(jws), key made once:
//             the SDK's JOSE layer without its decoding and key resolution.
// Prints one line of JSON; exits 0 when it ran, 2 on usage errors.

import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  detectCard,
  emit,
  fetchedUrls,
  clearFetchLog,
  joinQrChunks,
  lastLogged,
  loadShcSdk,
  packageVersion,
  parseArgs,
  readFileOrUsage,
  readJSONOrUsage,
  require,
  serveJwks,
} from './lib/common.mjs';

const USAGE = 'bench-shcsdk.mjs --file FILE --jwks FILE [--n 200] [--iss URL]';
const args = parseArgs(
  process.argv.slice(2),
  { file: { required: true }, jwks: { required: true }, n: { type: 'int', default: 200 }, iss: {} },
  USAGE,
);
const cardText = readFileOrUsage(args.file, USAGE, 'card file');
const jwksText = readFileOrUsage(args.jwks, USAGE, 'JWKS');
const jwks = readJSONOrUsage(args.jwks, USAGE, 'JWKS');
if (!Array.isArray(jwks?.keys)) usageErrorExit(`${args.jwks} has no "keys" array`);
function usageErrorExit(msg) {
  process.stderr.write(`error: ${msg}\nusage: ${USAGE}\n`);
  process.exit(2);
}

const sdk = loadShcSdk();
const n = args.n;
const warm = Math.min(50, Math.max(10, Math.floor(n / 4)));

let uri;
let jws;
try {
  const card = detectCard(cardText);
  if (card.form === 'qr') {
    const joined = joinQrChunks(card.qrLines);
    uri = 'shc:/' + joined.digits;
    jws = await sdk.unpack(uri);
  } else {
    jws = card.jwsList[0];
    uri = await sdk.pack(jws);
  }
} catch (e) {
  emit({ error: `input: ${e.message}`, n });
  process.exit(0);
}

const unverified = await sdk.debug(uri);
const iss = args.iss ?? unverified.body.iss;
serveJwks(iss, jwksText);

// --- full SDK verification ---------------------------------------------------
const first = await sdk.unpackAndVerify(uri);
if (first === undefined) {
  emit({ error: `the SDK does not accept this card: ${lastLogged()}`, n });
  process.exit(0);
}
for (let i = 0; i < warm; i++) await sdk.unpackAndVerify(uri);
clearFetchLog();
let t0 = performance.now();
let failures = 0;
for (let i = 0; i < n; i++) if ((await sdk.unpackAndVerify(uri)) === undefined) failures++;
const perCardMs = (performance.now() - t0) / n;
const fetchesPerCard = fetchedUrls().length / n;

// --- the signature primitive alone -------------------------------------------
const [h, p, s] = jws.split('.');
const signingInput = Buffer.from(`${h}.${p}`, 'ascii');
const sig = Buffer.from(s, 'base64url');
const jwk = jwks.keys.find((k) => k.kid === unverified.header.kid);
if (!jwk) {
  emit({ perCardMs: round(perCardMs), error: `no key ${unverified.header.kid} in JWKS for the bare check`, n });
  process.exit(0);
}
const { d: _d, ...pubJwk } = jwk;

const keyObject = crypto.createPublicKey({ key: pubJwk, format: 'jwk' });
const nodeVerify = () => crypto.verify('sha256', signingInput, { key: keyObject, dsaEncoding: 'ieee-p1363' }, sig);
if (!nodeVerify()) {
  emit({ perCardMs: round(perCardMs), error: 'bare node:crypto check says the signature is bad', n });
  process.exit(0);
}
for (let i = 0; i < warm; i++) nodeVerify();
t0 = performance.now();
for (let i = 0; i < n; i++) if (!nodeVerify()) failures++;
const bareSigMs = (performance.now() - t0) / n;

const subtle = globalThis.crypto.subtle;
const alg = { name: 'ECDSA', hash: 'SHA-256' };
const cryptoKey = await subtle.importKey('jwk', pubJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
for (let i = 0; i < warm; i++) await subtle.verify(alg, cryptoKey, sig, signingInput);
t0 = performance.now();
for (let i = 0; i < n; i++) if (!(await subtle.verify(alg, cryptoKey, sig, signingInput))) failures++;
const subtleSigMs = (performance.now() - t0) / n;

const nodeJose = require('node-jose');
const njKey = await nodeJose.JWK.asKey(pubJwk);
const njVerify = () => nodeJose.JWS.createVerify(njKey).verify(jws);
for (let i = 0; i < warm; i++) await njVerify();
t0 = performance.now();
for (let i = 0; i < n; i++) await njVerify();
const nodeJoseMs = (performance.now() - t0) / n;

function round(x) {
  return Math.round(x * 1000) / 1000;
}

emit({
  perCardMs: round(perCardMs),
  bareSigMs: round(bareSigMs),
  subtleSigMs: round(subtleSigMs),
  nodeJoseMs: round(nodeJoseMs),
  n,
  warmup: warm,
  failures,
  stubFetchesPerCard: fetchesPerCard,
  jwsChars: jws.length,
  node: process.version,
  sdk: `@pathcheck/shc-sdk ${packageVersion('@pathcheck/shc-sdk')} (node-jose ${packageVersion('node-jose')})`,
});
process.exit(0);

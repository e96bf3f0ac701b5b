#!/usr/bin/env node
// Verifies a SMART Health Card with `jose` (compactVerify, ES256 only) and
// `pako` (inflateRaw), independently of @pathcheck/shc-sdk and of our Go code.
//
// usage: verify-jose.mjs --jws FILE --jwks FILE [--iss URL]
//   FILE may hold a compact JWS, a .smart-health-card file or a shc:/ text
//   (detected by content). With --iss, the payload iss must equal it exactly.
// Prints one line of JSON; exits 0 whatever the verdict, 2 on usage errors.
//
// The verdict covers the signature, the header (alg ES256, kid, zip DEF) and
// the payload shape only: nbf, exp and revocation are reported, not judged.

import * as jose from 'jose';
import pako from 'pako';
import {
  b64uToBytes,
  detectCard,
  emit,
  installNetworkGuard,
  joinQrChunks,
  numericToJws,
  parseArgs,
  payloadFacts,
  readFileOrUsage,
  readJSONOrUsage,
} from './lib/common.mjs';

const USAGE = 'verify-jose.mjs --jws FILE --jwks FILE [--iss URL]';

installNetworkGuard();
const args = parseArgs(
  process.argv.slice(2),
  { jws: { required: true }, jwks: { required: true }, iss: {} },
  USAGE,
);
const cardText = readFileOrUsage(args.jws, USAGE, 'card file');
const jwks = readJSONOrUsage(args.jwks, USAGE, 'JWKS');
if (!jwks || !Array.isArray(jwks.keys)) {
  process.stderr.write(`error: ${args.jwks} has no "keys" array\nusage: ${USAGE}\n`);
  process.exit(2);
}

class Invalid extends Error {}

async function verifyOne(jws) {
  let header;
  try {
    header = jose.decodeProtectedHeader(jws);
  } catch (e) {
    throw new Invalid(`bad JWS header: ${e.message}`);
  }
  if (header.alg !== 'ES256') throw new Invalid(`alg ${JSON.stringify(header.alg)} is not ES256`);
  if (typeof header.kid !== 'string' || header.kid === '') throw new Invalid('header has no kid');
  if (header.zip !== 'DEF') throw new Invalid(`header zip is ${JSON.stringify(header.zip)}, SMART Health Cards need "DEF"`);
  if (Array.isArray(header.crit)) throw new Invalid('header has crit, which SMART Health Cards do not use');

  const matches = jwks.keys.filter((k) => k && k.kid === header.kid);
  if (matches.length === 0) throw new Invalid(`no key with kid ${header.kid} in the JWKS`);
  if (matches.length > 1) throw new Invalid(`several keys with kid ${header.kid} in the JWKS`);
  const jwk = matches[0];
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Invalid(`key ${header.kid} is not an EC P-256 key`);
  if (jwk.alg !== undefined && jwk.alg !== 'ES256') throw new Invalid(`key ${header.kid} has alg ${jwk.alg}`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new Invalid(`key ${header.kid} has use ${jwk.use}`);
  const { d: _private, ...pub } = jwk; // never verify with private material
  let key;
  try {
    key = await jose.importJWK(pub, 'ES256');
  } catch (e) {
    throw new Invalid(`cannot import key ${header.kid}: ${e.message}`);
  }

  let result;
  try {
    result = await jose.compactVerify(jws, key, { algorithms: ['ES256'] });
  } catch (e) {
    throw new Invalid(`signature: ${e.code ? e.code + ': ' : ''}${e.message}`);
  }

  let payloadText;
  try {
    payloadText = pako.inflateRaw(result.payload, { to: 'string' });
  } catch (e) {
    throw new Invalid(`payload does not inflate (raw DEFLATE): ${e.message || e}`);
  }
  if (typeof payloadText !== 'string' || payloadText === '') throw new Invalid('payload inflates to nothing');
  let payload;
  try {
    payload = JSON.parse(payloadText);
  } catch (e) {
    throw new Invalid(`inflated payload is not JSON: ${e.message}`);
  }
  if (typeof payload.iss !== 'string') throw new Invalid('payload has no iss');
  if (typeof payload.nbf !== 'number') throw new Invalid('payload nbf is not a number');
  if (!payload.vc || !Array.isArray(payload.vc.type)) throw new Invalid('payload has no vc.type array');
  if (args.iss !== undefined && payload.iss !== args.iss) {
    throw new Invalid(`payload iss ${JSON.stringify(payload.iss)} is not ${JSON.stringify(args.iss)}`);
  }
  const facts = payloadFacts(payload);
  return { valid: true, iss: facts.iss, kid: header.kid, ...facts, payloadBytes: payloadText.length };
}

let card;
try {
  card = detectCard(cardText);
  if (card.form === 'qr') card.jwsList = [numericToJws(joinQrChunks(card.qrLines).digits)];
} catch (e) {
  emit({ valid: false, error: `input: ${e.message}` });
  process.exit(0);
}

const results = [];
for (const jws of card.jwsList) {
  try {
    results.push(await verifyOne(jws));
  } catch (e) {
    if (!(e instanceof Invalid)) {
      results.push({ valid: false, error: `unexpected: ${e.stack || e.message}` });
    } else {
      results.push({ valid: false, error: e.message });
    }
  }
}

const out = { ...results[0], form: card.form, verifier: `jose ${jose.cryptoRuntime ?? ''}`.trim() };
if (results.length > 1) {
  out.vcCount = results.length;
  const bad = results.findIndex((r) => !r.valid);
  if (bad >= 0) {
    out.valid = false;
    out.error = `verifiableCredential[${bad}]: ${results[bad].error}`;
  }
}
// Key order: verdict first, so the line reads well.
const { valid, error, ...rest } = out;
emit(valid ? { valid, ...rest } : { valid, error, ...rest });
process.exit(0);

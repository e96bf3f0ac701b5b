#!/usr/bin/env node
// Verifies a SMART Health Card with @pathcheck/shc-sdk's own verifier,
// unpackAndVerify(shc:/ text), fully offline.
//
// usage: verify-shcsdk.mjs --file FILE --jwks FILE [--iss URL]
//   FILE may hold a shc:/ text, a compact JWS or a .smart-health-card file.
//   A JWS is turned into shc:/ text with the SDK's own pack(); chunked shc:/
//   texts (shc:/i/n/…) are joined here first, because the SDK has no chunk
//   support.
//   The SDK fetches `${iss}/.well-known/jwks.json`, iss being the payload's
//   (unverified) iss. The stub serves the JWKS file at exactly
//   `${ISS}/.well-known/jwks.json`, ISS = --iss if given, else the card's own
//   iss; every other URL (including PathCheck's trust registry, which the SDK
//   asks first) gets a 404. Nothing reaches the network.
// Prints one line of JSON; exits 0 whatever the verdict, 2 on usage errors.

import {
  detectCard,
  emit,
  fetchedUrls,
  joinQrChunks,
  lastLogged,
  loadShcSdk,
  packageVersion,
  parseArgs,
  payloadFacts,
  readFileOrUsage,
  readJSONOrUsage,
  serveJwks,
} from './lib/common.mjs';

const USAGE = 'verify-shcsdk.mjs --file FILE --jwks FILE [--iss URL]';

const args = parseArgs(
  process.argv.slice(2),
  { file: { required: true }, jwks: { required: true }, iss: {} },
  USAGE,
);
const cardText = readFileOrUsage(args.file, USAGE, 'card file');
const jwksText = readFileOrUsage(args.jwks, USAGE, 'JWKS');
const jwksObj = readJSONOrUsage(args.jwks, USAGE, 'JWKS');
if (!jwksObj || !Array.isArray(jwksObj.keys)) {
  process.stderr.write(`error: ${args.jwks} has no "keys" array\nusage: ${USAGE}\n`);
  process.exit(2);
}

const sdk = loadShcSdk();
const base = { verifier: `@pathcheck/shc-sdk ${packageVersion('@pathcheck/shc-sdk')} unpackAndVerify` };

let card;
let uri;
const notes = [];
try {
  card = detectCard(cardText);
  if (card.form === 'qr') {
    const joined = joinQrChunks(card.qrLines);
    if (joined.chunks === 1) {
      uri = card.qrLines[0];
    } else {
      uri = 'shc:/' + joined.digits;
      notes.push(`joined ${joined.chunks} chunks (the SDK cannot read chunked shc:/ texts)`);
    }
  } else {
    if (card.jwsList.length > 1) notes.push(`file holds ${card.jwsList.length} credentials: only the first is verified`);
    uri = await sdk.pack(card.jwsList[0]); // the SDK's own numeric encoder
    notes.push(`${card.form} converted to shc:/ with sdk.pack()`);
  }
} catch (e) {
  emit({ valid: false, error: `input: ${e.message}`, ...base });
  process.exit(0);
}

// The SDK's own decoder, without verification, to learn the claimed iss/kid.
let unverified;
try {
  unverified = await sdk.debug(uri);
} catch (e) {
  emit({ valid: false, error: `sdk.debug could not decode the card: ${e.message}`, form: card.form, ...base });
  process.exit(0);
}
const claimedIss = unverified?.body?.iss;
const stubIss = args.iss !== undefined ? args.iss : claimedIss;
const served = typeof stubIss === 'string' ? serveJwks(stubIss, jwksText) : null;

const result = await sdk.unpackAndVerify(uri);

const out = { valid: result !== undefined };
if (result === undefined) {
  out.error = lastLogged() ?? 'unpackAndVerify returned undefined';
  // What the card claims (decoded with sdk.debug, NOT verified).
  out.claimed = { kid: unverified?.header?.kid, ...payloadFacts(unverified?.body) };
} else {
  Object.assign(out, { kid: result.raw?.header?.kid, ...payloadFacts(result.credential) });
  out.header = result.raw?.header;
  out.issuerStatus = result.issuer?.status;
  out.issuerDisplayName = result.issuer?.displayName?.en;
  out.issuerCredentialType = result.issuer?.credentialType;
  if (typeof out.exp === 'number') out.expInPast = out.exp * 1000 < Date.now();
}
out.form = card.form;
out.servedJwksAt = served;
out.fetched = fetchedUrls();
if (notes.length) out.notes = notes;
Object.assign(out, base);
emit(out);
process.exit(0);

#!/usr/bin/env node
// Signs a SMART Health Card with @pathcheck/shc-sdk's own code:
// makeJWT(vc, iss, nbfDate) -> sign(jwt, privateJwk) (node-jose, zip DEF)
// -> pack(jws) (shc:/ numeric). Then checks the result with jose and with the
// SDK's verifier (offline, stubbed JWKS) before writing anything.
//
// usage: sign-shcsdk.mjs --key FILE --kid KID --iss URL --bundle FILE --out DIR
//                        [--types T1,T2,…] [--rid RID] [--nbf UNIXSECONDS]
//   --key     a JWKS with private keys (the key is picked by --kid) or one JWK
//   --types   vc.type, default https://smarthealth.cards#health-card
//   --rid     adds vc.rid (revocation id); none by default
//   --nbf     default now; the SDK rounds it to whole seconds
// Writes DIR/peer.jws, DIR/peer.smart-health-card, DIR/peer-qr.txt (no
// trailing newline, like the spec's example files).
// Prints one line of JSON; exits 0 when it ran ({"ok":false,…} if the
// signature did not check), 2 on usage errors.

import fs from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import pako from 'pako';
import {
  emit,
  fetchedUrls,
  lastLogged,
  loadShcSdk,
  packageVersion,
  parseArgs,
  payloadFacts,
  readJSONOrUsage,
  serveJwks,
  usageError,
} from './lib/common.mjs';

const USAGE =
  'sign-shcsdk.mjs --key FILE --kid KID --iss URL --bundle FILE --out DIR [--types T1,T2] [--rid RID] [--nbf UNIXSECONDS]';

const args = parseArgs(
  process.argv.slice(2),
  {
    key: { required: true },
    kid: { required: true },
    iss: { required: true },
    bundle: { required: true },
    out: { required: true },
    types: { default: 'https://smarthealth.cards#health-card' },
    rid: {},
    nbf: {},
  },
  USAGE,
);

const keyFile = readJSONOrUsage(args.key, USAGE, 'key file');
const candidates = Array.isArray(keyFile?.keys) ? keyFile.keys : [keyFile];
const privateJwk = candidates.find((k) => k && k.kid === args.kid);
if (!privateJwk) usageError(USAGE, `no key with kid ${args.kid} in ${args.key}`);
if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || typeof privateJwk.d !== 'string') {
  usageError(USAGE, `key ${args.kid} is not a private EC P-256 key`);
}
const bundle = readJSONOrUsage(args.bundle, USAGE, 'FHIR Bundle');
if (bundle?.resourceType !== 'Bundle') usageError(USAGE, `${args.bundle} is not a FHIR Bundle`);
let nbfDate = new Date();
if (args.nbf !== undefined) {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(args.nbf)) usageError(USAGE, '--nbf must be unix seconds');
  nbfDate = new Date(Number(args.nbf) * 1000);
}
const types = args.types.split(',').map((t) => t.trim()).filter(Boolean);
try {
  fs.mkdirSync(args.out, { recursive: true });
} catch (e) {
  usageError(USAGE, `cannot create ${args.out}: ${e.message}`);
}

const sdk = loadShcSdk();
const sdkVersion = packageVersion('@pathcheck/shc-sdk');

const vc = { type: types, credentialSubject: { fhirVersion: '4.0.1', fhirBundle: bundle } };
if (args.rid !== undefined) vc.rid = args.rid;

// The SDK's own JWT builder and signer.
const jwt = await sdk.makeJWT(vc, args.iss, nbfDate);
const { kid: _k, ...jwkForSdk } = privateJwk; // node-jose takes the kid from the key itself
const jws = String(await sdk.sign(jwt, { ...jwkForSdk, kid: privateJwk.kid }));
const qr = await sdk.pack(jws);

// Independent check with jose + pako against the public half of the key.
const { d: _d, ...publicJwk } = privateJwk;
const checks = {};
let header;
let payload;
try {
  header = jose.decodeProtectedHeader(jws);
  const { payload: raw } = await jose.compactVerify(jws, await jose.importJWK(publicJwk, 'ES256'), {
    algorithms: ['ES256'],
  });
  payload = JSON.parse(pako.inflateRaw(raw, { to: 'string' }));
  checks.jose = true;
} catch (e) {
  checks.jose = false;
  checks.joseError = e.message;
}
checks.headerZipDEF = header?.zip === 'DEF';
checks.headerKid = header?.kid === privateJwk.kid;
checks.bundleRoundTrip = JSON.stringify(payload?.vc?.credentialSubject?.fhirBundle) === JSON.stringify(bundle);
checks.qrDecodesToJws = (await sdk.unpack(qr)) === jws;

// And with the SDK's own verifier, through the offline stub.
serveJwks(args.iss, JSON.stringify({ keys: [publicJwk] }));
const verified = await sdk.unpackAndVerify(qr);
checks.sdk = verified !== undefined;
if (!checks.sdk) checks.sdkError = lastLogged();

const ok = checks.jose && checks.sdk && checks.headerZipDEF && checks.headerKid && checks.bundleRoundTrip && checks.qrDecodesToJws;
const files = {
  jws: path.join(args.out, 'peer.jws'),
  file: path.join(args.out, 'peer.smart-health-card'),
  qr: path.join(args.out, 'peer-qr.txt'),
};
if (ok) {
  fs.writeFileSync(files.jws, jws);
  fs.writeFileSync(files.file, JSON.stringify({ verifiableCredential: [jws] }));
  fs.writeFileSync(files.qr, qr);
}

emit({
  ok,
  ...(ok ? {} : { error: 'self-check failed; nothing written' }),
  kid: privateJwk.kid,
  ...payloadFacts(payload ?? jwt),
  header,
  jwsChars: jws.length,
  qrDigits: qr.length - 'shc:/'.length,
  checks,
  files: ok ? files : undefined,
  fetched: fetchedUrls(),
  signer: `@pathcheck/shc-sdk ${sdkVersion} makeJWT+sign+pack (node-jose ${packageVersion('node-jose')}, pako ${packageVersion('pako')})`,
});
process.exit(0);

#!/usr/bin/env node
// issue.mjs --issuer-jwk-private FILE --holder-jwk FILE --claims FILE --frame FILE
//           --vct URI --iss URL [--status-uri U --status-idx N] [--iat SECS] [--exp SECS]
//
// Issues an SD-JWT VC with @sd-jwt/sd-jwt-vc's SDJwtVcInstance.issue:
// header {typ: "dc+sd-jwt", kid: RFC 7638 thumbprint of the issuer key, alg: ES256},
// payload = claims file + iss, iat, [exp], vct, cnf.jwk (holder public key),
// [status.status_list {idx, uri}], selectively disclosable per the frame file
// (the library's DisclosureFrame: {"_sd": ["given_name"], "doses": {"_sd": [0, 1]}}).
// Prints {"sdjwt":"…", …}.
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import * as jose from 'jose';
import {
  parseArgs, requireArgs, intArg, readJwk, readJSON, out, run, usage, publicJwk, errMsg,
  splitSdJwt, b64uJSON,
} from './lib/common.mjs';
import { PEER, es256Signer, es256Verifier, digest, generateSalt } from './lib/peer.mjs';

const HELP = 'issue.mjs --issuer-jwk-private FILE --holder-jwk FILE --claims FILE --frame FILE --vct URI --iss URL [--status-uri U --status-idx N] [--iat SECS] [--exp SECS]';

await run(async () => {
  const args = parseArgs({
    'issuer-jwk-private': 'string', 'holder-jwk': 'string', claims: 'string', frame: 'string',
    vct: 'string', iss: 'string', 'status-uri': 'string', 'status-idx': 'string',
    iat: 'string', exp: 'string',
  }, HELP);
  requireArgs(args, ['issuer-jwk-private', 'holder-jwk', 'claims', 'frame', 'vct', 'iss'], HELP);
  if ((args['status-uri'] === undefined) !== (args['status-idx'] === undefined)) {
    usage('--status-uri and --status-idx go together', HELP);
  }
  const issuerPriv = readJwk(args['issuer-jwk-private'], HELP, { needPrivate: true });
  const holder = publicJwk(readJwk(args['holder-jwk'], HELP));
  const claims = readJSON(args.claims, HELP);
  const frame = readJSON(args.frame, HELP);
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) usage('--claims must hold a JSON object', HELP);
  if (!frame || typeof frame !== 'object' || Array.isArray(frame)) usage('--frame must hold a JSON object', HELP);
  const iat = intArg(args, 'iat', HELP) ?? Math.floor(Date.now() / 1000);
  const exp = intArg(args, 'exp', HELP);
  const idx = intArg(args, 'status-idx', HELP);

  const kid = await jose.calculateJwkThumbprint(publicJwk(issuerPriv), 'sha256');
  const payload = { ...claims, iss: args.iss, iat, vct: args.vct, cnf: { jwk: holder } };
  if (claims.vct !== undefined && claims.vct !== args.vct) {
    usage(`claims file has vct ${JSON.stringify(claims.vct)} but --vct is ${JSON.stringify(args.vct)}`, HELP);
  }
  if (exp !== undefined) payload.exp = exp;
  if (idx !== undefined) payload.status = { status_list: { idx, uri: args['status-uri'] } };

  const sdjwt = new SDJwtVcInstance({
    signer: await es256Signer(issuerPriv),
    signAlg: 'ES256',
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });
  let issued;
  try {
    issued = await sdjwt.issue(payload, frame, { header: { kid } });
  } catch (e) {
    out({ ok: false, error: `issue: ${errMsg(e)}`, peer: PEER });
    return;
  }

  // Self-check with the same library before printing.
  const check = new SDJwtVcInstance({ hasher: digest, verifier: await es256Verifier(issuerPriv) });
  check.verifyStatus = async () => {};
  let selfCheck;
  try {
    const r = await check.verify(issued, { currentDate: iat });
    selfCheck = { valid: true, claimsEqualInput: JSON.stringify(sortKeys(r.payload)) === JSON.stringify(sortKeys(payload)) };
  } catch (e) {
    selfCheck = { valid: false, error: errMsg(e) };
  }
  const parts = splitSdJwt(issued);
  out({
    sdjwt: issued,
    peer: PEER,
    kid,
    header: b64uJSON(parts.jwt.split('.')[0]),
    payload: b64uJSON(parts.jwt.split('.')[1]),
    disclosures: parts.disclosures.map((d) => ({ disclosure: d, digest: Buffer.from(digest(d, 'sha-256')).toString('base64url'), contents: b64uJSON(d) })),
    selfCheck,
  });
});

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

#!/usr/bin/env node
// status.mjs --issuer-jwk-private FILE --uri URI --size N [--bits 1|2|4|8] [--set idx=val,…] [--iat SECS] [--exp SECS] [--ttl SECS]
//
// Makes an IETF Token Status List token (typ statuslist+jwt) with
// @sd-jwt/jwt-status-list (StatusList + createHeaderAndPayload: zlib-compressed,
// base64url "lst"), signed ES256 with the given key (kid = RFC 7638 thumbprint).
// Every status is 0 (VALID) except those set with --set. Prints {"token":"…",…}.
import { StatusList, createHeaderAndPayload, getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import * as jose from 'jose';
import { parseArgs, requireArgs, intArg, readJwk, out, run, usage, publicJwk, b64uJSON, errMsg } from './lib/common.mjs';
import { es256Signer, versionOf } from './lib/peer.mjs';

const HELP = 'status.mjs --issuer-jwk-private FILE --uri URI --size N [--bits 1|2|4|8] [--set idx=val,…] [--iat SECS] [--exp SECS] [--ttl SECS]';

await run(async () => {
  const args = parseArgs({
    'issuer-jwk-private': 'string', uri: 'string', size: 'string', bits: 'string', set: 'string',
    iat: 'string', exp: 'string', ttl: 'string',
  }, HELP);
  requireArgs(args, ['issuer-jwk-private', 'uri', 'size'], HELP);
  const priv = readJwk(args['issuer-jwk-private'], HELP, { needPrivate: true });
  const size = intArg(args, 'size', HELP);
  const bits = intArg(args, 'bits', HELP) ?? 1;
  if (!(size > 0)) usage('--size must be > 0', HELP);
  const list = new Array(size).fill(0);
  for (const item of (args.set ?? '').split(',').filter(Boolean)) {
    const m = /^(\d+)=(\d+)$/.exec(item.trim());
    if (!m) usage(`--set item ${JSON.stringify(item)} is not idx=val`, HELP);
    const i = Number(m[1]);
    const v = Number(m[2]);
    if (i >= size || v >= 2 ** bits) usage(`--set ${item}: out of range`, HELP);
    list[i] = v;
  }
  const iat = intArg(args, 'iat', HELP) ?? Math.floor(Date.now() / 1000);
  const exp = intArg(args, 'exp', HELP);
  const ttl = intArg(args, 'ttl', HELP);
  let sl;
  try { sl = new StatusList(list, bits); } catch (e) { usage(errMsg(e), HELP); }
  const kid = await jose.calculateJwkThumbprint(publicJwk(priv), 'sha256');
  const payload = { sub: args.uri, iat };
  if (exp !== undefined) payload.exp = exp;
  if (ttl !== undefined) payload.ttl = ttl;
  const { header, payload: p } = createHeaderAndPayload(sl, payload, { alg: 'ES256', kid });
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(p)).toString('base64url')}`;
  const sig = await (await es256Signer(priv))(signingInput);
  const token = `${signingInput}.${sig}`;
  const back = getListFromStatusListJWT(token);
  const roundTrip = list.every((v, i) => back.getStatus(i) === v);
  out({
    token, peer: `@sd-jwt/jwt-status-list ${versionOf('@sd-jwt/jwt-status-list')}`,
    header: b64uJSON(token.split('.')[0]), payload: b64uJSON(token.split('.')[1]),
    nonZero: Object.fromEntries(list.map((v, i) => [i, v]).filter(([, v]) => v !== 0)), roundTrip,
  });
});

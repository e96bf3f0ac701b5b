#!/usr/bin/env node
// present.mjs --sdjwt FILE --holder-jwk-private FILE --nonce N --aud A [--keep claim,claim] [--iat SECS]
//
// Makes a presentation with @sd-jwt/sd-jwt-vc's SDJwtVcInstance.present:
// keeps only the disclosures named by --keep and appends a KB-JWT
// (header {typ: "kb+jwt", alg: ES256}; payload {iat, aud, nonce, sd_hash}).
// --keep names the library's presentable keys ("given_name", "doses.0");
// a name also keeps every key below it ("doses" = "doses.0,doses.1,…").
// Without --keep no disclosure is kept. Prints {"presentation":"…", …}.
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import {
  parseArgs, requireArgs, intArg, readJwk, readSdJwt, out, run, usage, errMsg,
  splitSdJwt, b64uJSON,
} from './lib/common.mjs';
import { PEER, es256Signer, digest } from './lib/peer.mjs';

const HELP = 'present.mjs --sdjwt FILE --holder-jwk-private FILE --nonce N --aud A [--keep claim,claim] [--iat SECS]';

await run(async () => {
  const args = parseArgs({
    sdjwt: 'string', 'holder-jwk-private': 'string', nonce: 'string', aud: 'string',
    keep: 'string', iat: 'string',
  }, HELP);
  requireArgs(args, ['sdjwt', 'holder-jwk-private', 'nonce', 'aud'], HELP);
  const holderPriv = readJwk(args['holder-jwk-private'], HELP, { needPrivate: true });
  let text = readSdJwt(args.sdjwt, HELP);
  const iat = intArg(args, 'iat', HELP) ?? Math.floor(Date.now() / 1000);
  const keep = (args.keep ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  // Drop a KB-JWT the input may carry: a presentation gets a fresh one.
  let parts;
  try { parts = splitSdJwt(text); } catch (e) { out({ ok: false, error: errMsg(e), peer: PEER }); return; }
  if (parts.kb !== '') text = [parts.jwt, ...parts.disclosures, ''].join('~');

  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    kbSigner: await es256Signer(holderPriv),
    kbSignAlg: 'ES256',
  });
  let presentable;
  try {
    presentable = await sdjwt.presentableKeys(text);
  } catch (e) {
    out({ ok: false, error: `presentableKeys: ${errMsg(e)}`, peer: PEER });
    return;
  }
  const keys = presentable.filter((k) => keep.some((w) => k === w || k.startsWith(`${w}.`)));
  const unknown = keep.filter((w) => !presentable.some((k) => k === w || k.startsWith(`${w}.`)));
  if (unknown.length) usage(`--keep names no presentable claim: ${unknown.join(', ')} (presentable: ${presentable.join(', ')})`, HELP);

  // Build the library's PresentationFrame from the keys: {"doses": {"0": true}}.
  const frame = {};
  for (const k of keys) {
    const path = k.split('.');
    let node = frame;
    for (let i = 0; i < path.length - 1; i++) {
      if (node[path[i]] === true) node[path[i]] = {};
      node[path[i]] = node[path[i]] ?? {};
      node = node[path[i]];
    }
    const last = path[path.length - 1];
    if (node[last] === undefined) node[last] = true;
  }

  let presentation;
  try {
    presentation = await sdjwt.present(text, frame, { kb: { payload: { iat, aud: args.aud, nonce: args.nonce } } });
  } catch (e) {
    out({ ok: false, error: `present: ${errMsg(e)}`, peer: PEER });
    return;
  }
  const p = splitSdJwt(presentation);
  out({
    presentation,
    peer: PEER,
    kept: keys,
    presentable,
    frame,
    disclosures: p.disclosures.map((d) => b64uJSON(d)),
    kbHeader: b64uJSON(p.kb.split('.')[0]),
    kbPayload: b64uJSON(p.kb.split('.')[1]),
  });
});

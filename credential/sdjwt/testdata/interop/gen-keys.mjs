#!/usr/bin/env node
// gen-keys.mjs --out DIR [--names issuer,holder,verifier]
//
// Makes P-256 key pairs with @sd-jwt/crypto-nodejs (WebCrypto generateKey) and
// writes, for each name, NAME.private.jwk.json and NAME.public.jwk.json with
// kid = RFC 7638 thumbprint, alg ES256, use sig; also the did:key of each key.
// TEST KEYS ONLY. Prints {"ok":true,"keys":{name:{kid,did,files}}}.
import fs from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import { parseArgs, requireArgs, out, run, usage, publicJwk } from './lib/common.mjs';
import { ES256 } from './lib/peer.mjs';
import { didKeyFromJwk } from './lib/didkey.mjs';

const HELP = 'gen-keys.mjs --out DIR [--names issuer,holder,verifier]';

await run(async () => {
  const args = parseArgs({ out: 'string', names: 'string' }, HELP);
  requireArgs(args, ['out'], HELP);
  const names = (args.names ?? 'issuer,holder').split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length || names.some((n) => !/^[a-z0-9_-]+$/i.test(n))) usage('--names: comma-separated simple names', HELP);
  try {
    fs.mkdirSync(args.out, { recursive: true });
  } catch (e) {
    usage(`cannot create ${args.out}: ${e.message}`, HELP);
  }
  const keys = {};
  for (const name of names) {
    let kp;
    // did:key needs 32-byte coordinates; WebCrypto always exports them full length.
    kp = await ES256.generateKeyPair();
    const pub = publicJwk(kp.publicKey);
    const kid = await jose.calculateJwkThumbprint(pub, 'sha256');
    const pubOut = { ...pub, kid, alg: 'ES256', use: 'sig' };
    const privOut = { ...pub, d: kp.privateKey.d, kid, alg: 'ES256', use: 'sig' };
    const pubFile = path.join(args.out, `${name}.public.jwk.json`);
    const privFile = path.join(args.out, `${name}.private.jwk.json`);
    fs.writeFileSync(pubFile, JSON.stringify(pubOut, null, 2) + '\n');
    fs.writeFileSync(privFile, JSON.stringify(privOut, null, 2) + '\n');
    keys[name] = { kid, did: didKeyFromJwk(pub), files: [privFile, pubFile] };
  }
  out({ ok: true, keys, warning: 'test keys only' });
});

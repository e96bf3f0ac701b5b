// Thin glue around the peer libraries: versions and ES256 signer/verifier
// factories taken from @sd-jwt/crypto-nodejs (the peer's own crypto).
import { createRequire } from 'node:module';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { publicJwk } from './common.mjs';

const require = createRequire(import.meta.url);
export function versionOf(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    // packages with an "exports" map that hides package.json
    const fs = require('node:fs');
    const path = require('node:path');
    const p = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'node_modules', pkg, 'package.json');
    return JSON.parse(fs.readFileSync(p, 'utf8')).version;
  }
}

export const PEER = `@sd-jwt/sd-jwt-vc ${versionOf('@sd-jwt/sd-jwt-vc')}`;

export async function es256Verifier(jwk) {
  return ES256.getVerifier(publicJwk(jwk));
}

export async function es256Signer(privJwk) {
  const { kty, crv, x, y, d } = privJwk;
  return ES256.getSigner({ kty, crv, x, y, d });
}

export { ES256, digest, generateSalt };

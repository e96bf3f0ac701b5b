// did:key for P-256 (multicodec p256-pub 0x1200, compressed point, base58btc).
// Encoding is ours (key-did-resolver only resolves); decoding is the library's.
import { base58btc } from 'multiformats/bases/base58';
import { getResolver } from 'key-did-resolver';
import { Resolver } from 'did-resolver';

export function didKeyFromJwk(jwk) {
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  if (x.length !== 32 || y.length !== 32) throw new Error(`P-256 JWK x/y must be 32 bytes (got ${x.length}/${y.length})`);
  const prefix = (y[31] & 1) ? 0x03 : 0x02;
  // varint(0x1200) = 0x80 0x24
  const bytes = Buffer.concat([Buffer.from([0x80, 0x24, prefix]), x]);
  return `did:key:${base58btc.encode(bytes)}`;
}

export async function resolveDidKey(did) {
  const resolver = new Resolver(getResolver());
  return resolver.resolve(did);
}

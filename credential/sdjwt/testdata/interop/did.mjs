#!/usr/bin/env node
// did.mjs --did did:key:zDn…   resolves with key-did-resolver (+ did-resolver) and
//                              prints {"jwk":{…}} (publicKeyJwk of the first verification method)
// did.mjs --jwk FILE           prints {"did":"did:key:zDn…"} for a P-256 JWK. key-did-resolver
//                              has no encoder: the did is built here (multicodec 0x1200 +
//                              compressed point, base58btc) and then resolved back with the
//                              library; "roundTrip" says whether the library returns the same key.
import {
  parseArgs, readJwk, out, run, usage, publicJwk, errMsg, blockedRequests,
} from './lib/common.mjs';
import { versionOf } from './lib/peer.mjs';
import { didKeyFromJwk, resolveDidKey } from './lib/didkey.mjs';

const HELP = 'did.mjs --did did:key:zDn…  |  did.mjs --jwk FILE';
const PEER = `key-did-resolver ${versionOf('key-did-resolver')} + did-resolver ${versionOf('did-resolver')}`;

function jwkFacts(jwk) {
  const xl = Buffer.from(jwk.x ?? '', 'base64url').length;
  const yl = Buffer.from(jwk.y ?? '', 'base64url').length;
  return { xBytes: xl, yBytes: yl, conformant: xl === 32 && yl === 32 };
}

function pad32(b64u) {
  const b = Buffer.from(b64u, 'base64url');
  return b.length >= 32 ? b64u : Buffer.concat([Buffer.alloc(32 - b.length), b]).toString('base64url');
}

await run(async () => {
  const args = parseArgs({ did: 'string', jwk: 'string' }, HELP);
  if ((args.did === undefined) === (args.jwk === undefined)) usage('give exactly one of --did, --jwk', HELP);

  if (args.did !== undefined) {
    if (!args.did.startsWith('did:key:')) usage('--did must be a did:key', HELP);
    let r;
    try {
      r = await resolveDidKey(args.did);
    } catch (e) {
      out({ ok: false, did: args.did, error: errMsg(e), peer: PEER });
      return;
    }
    const vm = r.didDocument && r.didDocument.verificationMethod && r.didDocument.verificationMethod[0];
    if (!vm || !vm.publicKeyJwk) {
      out({ ok: false, did: args.did, error: (r.didResolutionMetadata && r.didResolutionMetadata.error) || 'no publicKeyJwk in the DID document', resolution: r.didResolutionMetadata, peer: PEER });
      return;
    }
    const facts = jwkFacts(vm.publicKeyJwk);
    const res = { ok: true, did: args.did, jwk: vm.publicKeyJwk, vmId: vm.id, vmType: vm.type, jwkFacts: facts, peer: PEER };
    if (!facts.conformant) {
      // The library encodes coordinates with minimal length (leading zero bytes dropped).
      res.jwkPadded = { ...vm.publicKeyJwk, x: pad32(vm.publicKeyJwk.x), y: pad32(vm.publicKeyJwk.y) };
    }
    if (blockedRequests.length) res.blocked = blockedRequests;
    out(res);
    return;
  }

  const jwk = publicJwk(readJwk(args.jwk, HELP));
  let did;
  try {
    did = didKeyFromJwk(jwk);
  } catch (e) {
    out({ ok: false, error: errMsg(e), peer: PEER });
    return;
  }
  let roundTrip = false;
  let resolvedJwk = null;
  try {
    const r = await resolveDidKey(did);
    resolvedJwk = r.didDocument.verificationMethod[0].publicKeyJwk;
    roundTrip = pad32(resolvedJwk.x) === jwk.x && pad32(resolvedJwk.y) === jwk.y;
  } catch (e) {
    console.error(`resolve back failed: ${errMsg(e)}`);
  }
  out({ ok: true, did, encodedBy: 'script (multicodec 0x1200 + compressed point, base58btc)', roundTrip, resolvedJwk, peer: PEER });
});

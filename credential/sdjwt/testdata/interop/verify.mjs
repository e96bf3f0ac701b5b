#!/usr/bin/env node
// verify.mjs --sdjwt FILE --issuer-jwk FILE [--nonce N --aud A] [--now SECS]
//            [--status-token FILE] [--status-jwk FILE]
//
// Verifies an SD-JWT VC with @sd-jwt/sd-jwt-vc's SDJwtVcInstance.verify:
// issuer signature (ES256, the given JWK), iat/nbf/exp against --now,
// disclosures, and - when the input ends in a KB-JWT - the KB-JWT (typ
// kb+jwt, signature with the payload's cnf.jwk, nonce, sd_hash).
// The library does not check the KB-JWT's aud: this script does, when --aud
// is given (reported in checks.aud).
//
// Prints {"valid":…,"claims":{…},"kb":bool,"status":n|null,"error"?:…,…}.
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import {
  parseArgs, requireArgs, intArg, readJwk, readSdJwt, readText, out, run,
  splitSdJwt, b64uJSON, errMsg, blockedRequests,
} from './lib/common.mjs';
import { PEER, es256Verifier, digest } from './lib/peer.mjs';

const HELP = 'verify.mjs --sdjwt FILE --issuer-jwk FILE [--nonce N --aud A] [--now SECS] [--status-token FILE] [--status-jwk FILE]';

await run(async () => {
  const args = parseArgs({
    sdjwt: 'string', 'issuer-jwk': 'string', nonce: 'string', aud: 'string',
    now: 'string', 'status-token': 'string', 'status-jwk': 'string',
  }, HELP);
  requireArgs(args, ['sdjwt', 'issuer-jwk'], HELP);
  const now = intArg(args, 'now', HELP) ?? Math.floor(Date.now() / 1000);
  const issuerJwk = readJwk(args['issuer-jwk'], HELP);
  const statusJwk = args['status-jwk'] ? readJwk(args['status-jwk'], HELP) : issuerJwk;
  const statusToken = args['status-token'] ? readText(args['status-token'], HELP).trim() : undefined;
  const text = readSdJwt(args.sdjwt, HELP);

  const res = { valid: false, claims: null, kb: false, status: null, peer: PEER, now };
  const checks = {};
  res.checks = checks;

  // Facts read without verification, for the report.
  let parts;
  try {
    parts = splitSdJwt(text);
    res.kb = parts.kb !== '';
    res.header = b64uJSON(parts.jwt.split('.')[0]);
    res.disclosures = parts.disclosures.length;
    if (res.kb) {
      if (parts.kb.split('.').length !== 3) throw new Error('last ~-separated component is neither empty nor a compact JWT (KB-JWT)');
      res.kbHeader = b64uJSON(parts.kb.split('.')[0]);
      res.kbPayload = b64uJSON(parts.kb.split('.')[1]);
    }
  } catch (e) {
    res.error = `decode: ${errMsg(e)}`;
    out(res);
    return;
  }

  let fetchedStatusUri = null;
  let statusValue = null;
  const config = {
    hasher: digest,
    hashAlg: 'sha-256',
    verifier: await es256Verifier(issuerJwk),
    kbVerifier: async (data, sig, payload) => {
      const jwk = payload && payload.cnf && payload.cnf.jwk;
      if (!jwk) throw new Error('no cnf.jwk in the SD-JWT payload to verify the KB-JWT with');
      return (await es256Verifier(jwk))(data, sig);
    },
    statusListFetcher: async (uri) => {
      fetchedStatusUri = uri;
      if (statusToken === undefined) throw new Error('no --status-token given');
      return statusToken;
    },
    statusVerifier: await es256Verifier(statusJwk),
    statusValidator: async (s) => {
      statusValue = s;
      if (s !== 0) throw new Error(`status at idx is ${s} (0 = VALID)`);
    },
  };
  const sdjwt = new SDJwtVcInstance(config);
  if (statusToken === undefined) {
    // Without a token, skip the status step (the library would try to fetch it).
    sdjwt.verifyStatus = async () => {};
  }

  const options = { currentDate: now };
  if (args.nonce !== undefined) {
    options.keyBindingNonce = args.nonce;
    checks.nonce = 'checked by library';
  } else if (res.kb) {
    // The library verifies a KB-JWT only when it is given a nonce: hand it the
    // KB-JWT's own nonce so that signature and sd_hash are still checked.
    options.keyBindingNonce = res.kbPayload && res.kbPayload.nonce;
    checks.nonce = 'not checked (no --nonce); KB-JWT signature and sd_hash checked with its own nonce';
  }

  try {
    const r = await sdjwt.verify(text, options);
    res.claims = r.payload;
    res.header = r.header;
    if (r.kb) {
      res.kbPayload = r.kb.payload;
      checks.kb = 'signature, typ, nonce and sd_hash checked by library';
    }
    if (args.aud !== undefined) {
      if (!r.kb) throw new Error('--aud given but the presentation has no KB-JWT');
      if (r.kb.payload.aud !== args.aud) {
        throw new Error(`aud mismatch: KB-JWT has ${JSON.stringify(r.kb.payload.aud)}, expected ${JSON.stringify(args.aud)} (checked by script)`);
      }
      checks.aud = 'checked by script';
    } else if (r.kb) {
      checks.aud = 'not checked (no --aud)';
    }
    res.valid = true;
  } catch (e) {
    res.valid = false;
    res.error = errMsg(e);
  }

  // Status report.
  let credStatus;
  try { credStatus = b64uJSON(parts.jwt.split('.')[1]).status; } catch { credStatus = undefined; }
  if (credStatus && credStatus.status_list) {
    res.statusRef = credStatus.status_list;
    if (statusToken === undefined) {
      checks.status = 'skipped (no --status-token)';
    } else {
      res.status = statusValue;
      checks.status = statusValue === null ? 'not reached' : 'read by library';
      try {
        const h = b64uJSON(statusToken.split('.')[0]);
        const p = b64uJSON(statusToken.split('.')[1]);
        res.statusToken = { typ: h.typ, sub: p.sub, bits: p.status_list && p.status_list.bits, iat: p.iat, exp: p.exp, ttl: p.ttl };
        checks.statusSubMatchesUri = p.sub === credStatus.status_list.uri; // the library does not check this
      } catch (e) {
        res.statusToken = { error: errMsg(e) };
      }
    }
  } else if (statusToken !== undefined) {
    checks.status = 'credential has no status.status_list';
  }
  if (!res.valid) res.claims = null; // claims are reported only for a valid credential
  if (fetchedStatusUri) res.statusFetchedUri = fetchedStatusUri;
  if (blockedRequests.length) res.blocked = blockedRequests;
  out(res);
});

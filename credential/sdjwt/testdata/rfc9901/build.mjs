#!/usr/bin/env node
// Builds the RFC 9901 vector files of this folder from source/draft-22-excerpts.txt
// and checks every one of them:
//   - the issuer signatures verify with the A.5 example key (node `jose`, ES256);
//   - the KB-JWTs verify with the cnf.jwk of their SD-JWT, and sd_hash matches;
//   - every disclosure's SHA-256 digest is embedded in the payload (or in another
//     disclosure) exactly once, and equals the digest the RFC prints for it;
//   - processing (RFC 9901 section 7, strict: our own code here, not a library)
//     gives the RFC's "Processed SD-JWT Payload".
// Run:  node build.mjs            (rewrites the files, exit 1 if any check fails)
//       node build.mjs --check    (only checks that the files on disk are what it would write)
// `jose` is taken from ../interop/node_modules (npm ci there first).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const josePath = path.join(here, '..', 'interop', 'node_modules', 'jose', 'dist', 'webapi', 'index.js');
if (!fs.existsSync(josePath)) {
  console.error(`jose not installed: run "npm ci" in ${path.join(here, '..', 'interop')}`);
  process.exit(3);
}
const jose = await import(pathToFileURL(josePath).href);
const checkOnly = process.argv.includes('--check');

// ---------------------------------------------------------------- source blocks
const src = fs.readFileSync(path.join(here, 'source', 'draft-22-excerpts.txt'), 'utf8');
const blocks = {};
const blockMeta = {};
{
  let cur = null;
  for (const line of src.split('\n')) {
    const m = /^=== (\S+) \((.*)\)\s*$/.exec(line);
    if (m) { cur = m[1]; blocks[cur] = ''; blockMeta[cur] = m[2]; continue; }
    if (line.startsWith('#') || line.trim() === '') { if (line.trim() === '') cur = null; continue; }
    if (!cur) throw new Error(`text outside a block: ${line}`);
    blocks[cur] += line.replace(/\s+/g, '');
  }
}
const B = (name) => {
  if (!(name in blocks)) throw new Error(`no block ${name}`);
  return blocks[name];
};

// ---------------------------------------------------------------- keys (A.5 and the cnf key)
const ISSUER_JWK = { kty: 'EC', crv: 'P-256', x: 'b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ', y: 'Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8' };
const HOLDER_JWK = { kty: 'EC', crv: 'P-256', x: 'TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc', y: 'ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ' };

// ---------------------------------------------------------------- expected values typed from the RFC text
const KB_PAYLOAD = (sdHash) => ({ nonce: '1234567890', aud: 'https://verifier.example.org', iat: 1748537243, sd_hash: sdHash });
const CNF = { jwk: HOLDER_JWK };
const EXPECTED = {
  sec5: {
    iss: 'https://issuer.example.com', iat: 1683000000, exp: 1883000000, sub: 'user_42',
    nationalities: ['US'], cnf: CNF, family_name: 'Doe',
    address: { street_address: '123 Main St', locality: 'Anytown', region: 'Anystate', country: 'US' },
    given_name: 'John',
  },
  a1: {
    iss: 'https://issuer.example.com', iat: 1683000000, exp: 1883000000,
    address: { region: '港区', country: 'JP' },
  },
  a2: {
    iss: 'https://issuer.example.com', iat: 1683000000, exp: 1883000000,
    verified_claims: {
      verification: { trust_framework: 'de_aml', evidence: [{ method: 'pipp' }], time: '2012-04-23T18:25Z' },
      claims: {
        given_name: 'Max', family_name: 'Müller',
        address: { locality: 'Maxstadt', postal_code: '12344', country: 'DE', street_address: 'Weidenstraße 22' },
      },
    },
  },
  a3: {
    iss: 'https://pid-issuer.bund.de.example', iat: 1683000000, exp: 1883000000, vct: 'urn:eudi:pid:de:1',
    cnf: CNF, age_equal_or_over: { 18: true }, nationalities: ['DE'],
  },
  a4: {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vaccination/v1'],
    type: ['VerifiableCredential', 'VaccinationCertificate'],
    issuer: 'https://example.com/issuer',
    issuanceDate: '2023-02-09T11:01:59Z', expirationDate: '2028-02-08T11:01:59Z',
    name: 'COVID-19 Vaccination Certificate', description: 'COVID-19 Vaccination Certificate',
    credentialSubject: {
      vaccine: { type: 'Vaccine', atcCode: 'J07BX03', medicinalProductName: 'COVID-19 Vaccine Moderna' },
      recipient: { type: 'VaccineRecipient' },
      type: 'VaccinationEvent', order: '3/3', dateOfVaccination: '2021-06-23T13:40:12Z',
    },
    cnf: CNF,
  },
};
const KB_SD_HASH = {
  sec5: 'G3I8z-cFMATAK2ep8MXWk-vnjI3X6-aahYeU9Tvzz3E',
  a3: '4-ANieQKpaCH9XDLijztvmJCnoFIbdoI1zQl72CYExs',
  a4: 'Ah1mkixtzoEGRf3D2mC_BJ0qOElvrBQY5S4FUxMv-jA',
};

// ---------------------------------------------------------------- helpers
const failures = [];
const fail = (msg) => { failures.push(msg); console.error(`FAIL ${msg}`); };
const b64u = (buf) => Buffer.from(buf).toString('base64url');
const sha256 = (s) => b64u(crypto.createHash('sha256').update(s, 'ascii').digest());
const dec = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const canon = (v) => {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
};
const deepEqual = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

async function verifyJws(compact, jwk) {
  try {
    const key = await jose.importJWK(jwk, 'ES256');
    const r = await jose.compactVerify(compact, key, { algorithms: ['ES256'] });
    return { ok: true, header: r.protectedHeader };
  } catch (e) {
    return { ok: false, error: `${e.code || e.name}: ${e.message}` };
  }
}

// Strict RFC 9901 section 7.1 processing (our code). Returns {payload, used, digests} or throws.
function processSdJwt(payload, disclosures) {
  if (payload._sd_alg !== undefined && payload._sd_alg !== 'sha-256') throw new Error(`_sd_alg ${payload._sd_alg}`);
  const byDigest = new Map();
  for (const d of disclosures) {
    const h = sha256(d);
    if (byDigest.has(h)) throw new Error(`disclosure given twice: ${d}`);
    let arr;
    try { arr = dec(d); } catch (e) { throw new Error(`disclosure not JSON: ${d}`); }
    if (!Array.isArray(arr)) throw new Error(`disclosure not an array: ${d}`);
    byDigest.set(h, { d, arr, used: false });
  }
  const seen = new Set();
  const note = (h) => { if (seen.has(h)) throw new Error(`digest appears twice: ${h}`); seen.add(h); };
  const walk = (v) => {
    if (Array.isArray(v)) {
      const out = [];
      for (const el of v) {
        if (el && typeof el === 'object' && !Array.isArray(el) && Object.keys(el).length === 1 && typeof el['...'] === 'string') {
          const h = el['...'];
          note(h);
          const m = byDigest.get(h);
          if (!m) continue; // undisclosed or decoy: removed
          if (m.arr.length !== 2) throw new Error(`array disclosure must have 2 elements: ${m.d}`);
          m.used = true;
          out.push(walk(m.arr[1]));
        } else {
          out.push(walk(el));
        }
      }
      return out;
    }
    if (v && typeof v === 'object') {
      const out = {};
      for (const [k, val] of Object.entries(v)) {
        if (k === '_sd') continue;
        out[k] = walk(val);
      }
      if (v._sd !== undefined) {
        if (!Array.isArray(v._sd)) throw new Error('_sd is not an array');
        for (const h of v._sd) {
          if (typeof h !== 'string') throw new Error('_sd entry not a string');
          note(h);
          const m = byDigest.get(h);
          if (!m) continue;
          if (m.arr.length !== 3) throw new Error(`object disclosure must have 3 elements: ${m.d}`);
          const [, name, value] = m.arr;
          if (typeof name !== 'string' || name === '_sd' || name === '...') throw new Error(`bad claim name ${name}`);
          if (name in out) throw new Error(`claim ${name} already exists`);
          m.used = true;
          out[name] = walk(value);
        }
      }
      return out;
    }
    return v;
  };
  const res = walk(payload);
  delete res._sd_alg;
  const unused = [...byDigest.values()].filter((m) => !m.used);
  if (unused.length) throw new Error(`disclosures not referenced: ${unused.map((m) => m.d).join(', ')}`);
  return { payload: res, digests: [...byDigest.keys()] };
}

// Describe disclosures: digest, contents, and where the digest is embedded.
function describeDisclosures(payload, disclosures, printed) {
  const all = disclosures.map((d) => ({ d, arr: dec(d) }));
  const embedded = new Map(); // digest -> path
  const scan = (v, p) => {
    if (Array.isArray(v)) {
      v.forEach((el, i) => {
        if (el && typeof el === 'object' && typeof el['...'] === 'string' && Object.keys(el).length === 1) {
          embedded.set(el['...'], `${p}[${i}]`);
          const m = all.find((x) => sha256(x.d) === el['...']);
          if (m) scan(m.arr[1], `${p}[${i}]`);
        } else scan(el, `${p}[${i}]`);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, val] of Object.entries(v)) {
        if (k === '_sd') {
          for (const h of val) {
            embedded.set(h, `${p}._sd`);
            const m = all.find((x) => sha256(x.d) === h);
            if (m && m.arr.length === 3) scan(m.arr[2], `${p}.${m.arr[1]}`);
          }
        } else scan(val, `${p}.${k}`);
      }
    }
  };
  scan(payload, '$');
  return all.map(({ d, arr }) => {
    const digest = sha256(d);
    const e = {
      kind: arr.length === 3 ? 'object-property' : 'array-element',
      claim: arr.length === 3 ? arr[1] : null,
      digest,
      disclosure: d,
      contents: arr,
      embeddedAt: embedded.get(digest) ?? null,
    };
    if (printed && printed[d] !== undefined) e.rfcDigest = printed[d];
    return e;
  });
}

// ---------------------------------------------------------------- outputs
const files = new Map(); // relative path -> content
const put = (rel, content) => files.set(rel, content);
const putJSON = (rel, v) => put(rel, JSON.stringify(v, null, 2) + '\n');

put('issuer.public.jwk.json', JSON.stringify(ISSUER_JWK, null, 2) + '\n');
put('holder.public.jwk.json', JSON.stringify(HOLDER_JWK, null, 2) + '\n');

const vectors = [];

// Printed digests per disclosure (from the block titles of the A.1 / A.2 lists).
function printedDigests(prefix) {
  const m = {};
  for (const name of Object.keys(blocks)) {
    if (!name.startsWith(`${prefix}-disclosure-`)) continue;
    const dg = /,\s*(\S+)$/.exec(blockMeta[name]);
    m[blocks[name]] = dg ? dg[1] : undefined;
  }
  return m;
}

async function example({ id, title, section, issuance, issuanceAssembled, presentation, note }) {
  const dir = id;
  const v = { id, title, section, dir, issuerKey: 'issuer.public.jwk.json', holderKey: 'holder.public.jwk.json', files: {} };
  if (note) v.note = note;
  const base = issuance ?? presentation;
  const jwt = base.split('~')[0];
  const sig = await verifyJws(jwt, ISSUER_JWK);
  if (!sig.ok) fail(`${id}: issuer signature: ${sig.error}`);
  v.issuerSignatureVerifies = sig.ok;
  v.header = dec(jwt.split('.')[0]);
  const payload = dec(jwt.split('.')[1]);
  put(`${dir}/issuer-signed.jwt`, jwt);
  putJSON(`${dir}/payload.json`, payload);
  v.files.issuerSignedJwt = `${dir}/issuer-signed.jwt`;
  v.files.payload = `${dir}/payload.json`;

  const printed = printedDigests(id);
  if (issuance || issuanceAssembled) {
    const iss = issuance ?? issuanceAssembled;
    if (iss.split('~')[0] !== jwt) fail(`${id}: issuance and presentation carry different issuer-signed JWTs`);
    const ds = iss.split('~').slice(1, -1);
    if (!iss.endsWith('~')) fail(`${id}: issuance does not end with ~`);
    const rel = issuance ? `${dir}/issuance.sdjwt` : `${dir}/issuance-assembled.sdjwt`;
    put(rel, iss);
    v.files.issuance = rel;
    v.issuanceIsVerbatim = !!issuance;
    const desc = describeDisclosures(payload, ds, printed);
    for (const e of desc) {
      if (!e.embeddedAt) fail(`${id}: disclosure ${e.disclosure} not embedded`);
      if (e.rfcDigest !== undefined && e.rfcDigest !== e.digest) fail(`${id}: digest ${e.digest} != printed ${e.rfcDigest}`);
    }
    putJSON(`${dir}/disclosures.json`, desc);
    v.files.disclosures = `${dir}/disclosures.json`;
    v.disclosureCount = ds.length;
    try {
      const p = processSdJwt(payload, ds);
      putJSON(`${dir}/processed-issuance.json`, p.payload);
      v.files.processedIssuance = `${dir}/processed-issuance.json`;
    } catch (e) {
      fail(`${id}: processing issuance: ${e.message}`);
    }
  }
  if (presentation) {
    const parts = presentation.split('~');
    const kb = parts[parts.length - 1];
    const ds = parts.slice(1, -1);
    const rel = `${dir}/presentation.sdjwt`;
    put(rel, presentation);
    v.files.presentation = rel;
    v.presentationDisclosures = ds.map((d) => dec(d)).map((a) => (a.length === 3 ? a[1] : `[array element ${JSON.stringify(a[1])}]`));
    v.kb = kb !== '';
    let processed;
    try {
      processed = processSdJwt(payload, ds).payload;
    } catch (e) {
      fail(`${id}: processing presentation: ${e.message}`);
    }
    if (v.kb) {
      const kbs = await verifyJws(kb, payload.cnf.jwk);
      if (!kbs.ok) fail(`${id}: KB-JWT signature: ${kbs.error}`);
      const kbHeader = dec(kb.split('.')[0]);
      const kbPayload = dec(kb.split('.')[1]);
      if (kbHeader.typ !== 'kb+jwt') fail(`${id}: KB typ ${kbHeader.typ}`);
      const sdHash = sha256(presentation.slice(0, presentation.length - kb.length));
      if (kbPayload.sd_hash !== sdHash) fail(`${id}: sd_hash ${kbPayload.sd_hash} != computed ${sdHash}`);
      if (!deepEqual(kbPayload, KB_PAYLOAD(KB_SD_HASH[id]))) fail(`${id}: KB payload differs from the RFC's: ${JSON.stringify(kbPayload)}`);
      put(`${dir}/kb.jwt`, kb);
      putJSON(`${dir}/kb-payload.json`, kbPayload);
      v.files.kbJwt = `${dir}/kb.jwt`;
      v.files.kbPayload = `${dir}/kb-payload.json`;
      v.kbSignatureVerifies = kbs.ok;
      v.kbHeader = kbHeader;
      v.expectedNonce = kbPayload.nonce;
      v.expectedAud = kbPayload.aud;
      v.kbIat = kbPayload.iat;
      v.sdHash = sdHash;
    }
    if (processed) {
      if (!deepEqual(processed, EXPECTED[id])) {
        fail(`${id}: processed payload differs from the RFC's:\n got ${JSON.stringify(canon(processed))}\nwant ${JSON.stringify(canon(EXPECTED[id]))}`);
      }
      putJSON(`${dir}/processed-presentation.json`, EXPECTED[id]);
      v.files.processedPresentation = `${dir}/processed-presentation.json`;
      v.expectedDisclosedClaims = EXPECTED[id];
    }
  }
  vectors.push(v);
}

const assemble = (prefix, presentation) => {
  const jwt = presentation.split('~')[0];
  const ds = Object.keys(blocks).filter((n) => n.startsWith(`${prefix}-disclosure-`)).map((n) => blocks[n]);
  return `${jwt}~${ds.join('~')}~`;
};

await example({
  id: 'sec5', title: 'Example SD-JWT (flat address, selectively disclosable nationalities array elements)', section: '5.1, 5.2',
  issuance: B('sec5.1-sd-jwt'), presentation: B('sec5.2-presentation'),
});
await example({
  id: 'a1', title: 'Simple Structured SD-JWT with decoy digests', section: 'A.1',
  presentation: B('a1-presentation'), issuanceAssembled: assemble('a1', B('a1-presentation')),
  note: 'The RFC prints only the presentation and the list of disclosures; issuance-assembled.sdjwt is the issuer-signed JWT followed by every listed disclosure in the order of the list (assembled by build.mjs, not printed in the RFC). The payload holds 6 decoy digests.',
});
await example({
  id: 'a2', title: 'Complex Structured SD-JWT (recursive: a selectively disclosable array element whose object holds further _sd digests)', section: 'A.2',
  presentation: B('a2-presentation'), issuanceAssembled: assemble('a2', B('a2-presentation')),
  note: 'The RFC prints only the presentation and the list of disclosures; issuance-assembled.sdjwt is the issuer-signed JWT followed by every listed disclosure in the order of the list (assembled by build.mjs, not printed in the RFC).',
});
await example({
  id: 'a3', title: 'SD-JWT VC (typ dc+sd-jwt, PID; recursive address, place_of_birth, age_equal_or_over)', section: 'A.3',
  issuance: B('a3-sd-jwt'), presentation: B('a3-presentation'),
});
await example({
  id: 'a4', title: 'W3C VC Data Model payload with nested _sd (vaccination certificate)', section: 'A.4',
  issuance: B('a4-sd-jwt'), presentation: B('a4-presentation'),
});

// Standalone disclosures of 4.2.
{
  const d = B('sec4.2.1-disclosure');
  const variants = ['sec4.2.1-variant-unicode-escape', 'sec4.2.1-variant-no-whitespace', 'sec4.2.1-variant-newlines'].map((n) => B(n));
  const rfcDigest = B('sec4.2.3-digest');
  if (sha256(d) !== rfcDigest) fail(`4.2.3 digest ${sha256(d)} != ${rfcDigest}`);
  for (const x of variants) {
    const a = dec(x);
    if (a[0] !== '_26bc4LT-ac6q2KI6cBW5es' || a[1] !== 'family_name' || a[2] !== 'Möbius') fail(`4.2.1 variant decodes to ${JSON.stringify(a)}`);
  }
  const fr = B('sec4.2.2-disclosure');
  const frDigest = B('sec4.2.4.2-digest');
  if (sha256(fr) !== frDigest) fail(`4.2.4.2 digest ${sha256(fr)} != ${frDigest}`);
  putJSON('disclosure-examples.json', {
    source: 'RFC 9901 sections 4.2.1-4.2.4 (text of draft-ietf-oauth-selective-disclosure-jwt-22)',
    objectProperty: {
      section: '4.2.1, 4.2.3, 4.2.4.1', disclosure: d, contents: dec(d), digest: rfcDigest,
      embeddedAs: { given_name: 'Alice', _sd: [rfcDigest] },
      equivalentEncodings: variants.map((x) => ({ disclosure: x, contents: dec(x), digest: sha256(x) })),
      note: 'The variants encode the same claim but hash differently: a verifier hashes the disclosure string as received.',
    },
    arrayElement: {
      section: '4.2.2, 4.2.4.2', disclosure: fr, contents: dec(fr), digest: frDigest,
      embeddedAs: { nationalities: ['DE', { '...': frDigest }, 'US'] },
      processedWithDisclosure: { nationalities: ['DE', 'FR', 'US'] },
      processedWithout: { nationalities: ['DE', 'US'] },
    },
  });
}

putJSON('vectors.json', {
  source: 'RFC 9901 "Selective Disclosure for JSON Web Tokens" (November 2025), examples as printed in draft-ietf-oauth-selective-disclosure-jwt-22; see README.md',
  hashAlg: 'sha-256',
  issuerKey: 'issuer.public.jwk.json',
  holderKey: 'holder.public.jwk.json',
  note: 'KB-JWT iat is 1748537243 in every presentation; credentials carry iat 1683000000 and exp 1883000000. typ of the issuer-signed JWT is "example+sd-jwt" except A.3 ("dc+sd-jwt").',
  disclosureExamples: 'disclosure-examples.json',
  vectors,
});

// ---------------------------------------------------------------- write or compare
let drift = 0;
for (const [rel, content] of files) {
  const p = path.join(here, rel);
  if (checkOnly) {
    const cur = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
    if (cur !== content) { drift++; console.error(`differs: ${rel}`); }
  } else {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}
const summary = { ok: failures.length === 0 && drift === 0, files: files.size, failures, drift, vectors: vectors.map((v) => v.id) };
process.stdout.write(JSON.stringify(summary) + '\n');
process.exit(summary.ok ? 0 : 1);

// Shared helpers for the SD-JWT VC interop peers.
//
// Conventions (same as credential/shc/testdata/interop): every script prints
// exactly ONE line of JSON on stdout; everything else goes to stderr. Exit 0
// when the script ran (whatever the verdict), 2 on usage errors.
//
// Nothing here may reach the network: fetch, http(s) and raw sockets are
// replaced by functions that throw, so a code path of a library that we did
// not foresee (status list fetch, type metadata fetch) fails loudly instead.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

// ---- stdout discipline ------------------------------------------------------
const realStdoutWrite = process.stdout.write.bind(process.stdout);
let printed = false;
// Libraries that console.log would corrupt our one-line contract: send them to stderr.
console.log = (...a) => console.error(...a);
console.info = (...a) => console.error(...a);
console.warn = (...a) => console.error(...a);

export function out(obj) {
  if (printed) throw new Error('out() called twice');
  printed = true;
  realStdoutWrite(JSON.stringify(obj) + '\n');
}

export class UsageError extends Error {}

export function usage(msg, text) {
  console.error(`usage error: ${msg}`);
  if (text) console.error(text);
  process.exit(2);
}

// ---- network guard ----------------------------------------------------------
export const blockedRequests = [];
function blocked(what) {
  return (...args) => {
    const target = typeof args[0] === 'string' ? args[0] : (args[0] && (args[0].href || args[0].host || args[0].url)) || '?';
    blockedRequests.push(`${what} ${target}`);
    throw new Error(`network access blocked by interop stub: ${what} ${target}`);
  };
}
http.request = blocked('http.request');
http.get = blocked('http.get');
https.request = blocked('https.request');
https.get = blocked('https.get');
net.Socket.prototype.connect = blocked('net.connect');
globalThis.fetch = async (url) => {
  blockedRequests.push(`fetch ${url}`);
  throw new Error(`network access blocked by interop stub: fetch ${url}`);
};

// ---- arguments --------------------------------------------------------------
// parseArgs(spec, help): spec maps flag name -> 'string' | 'bool'.
export function parseArgs(spec, help) {
  const argv = process.argv.slice(2);
  const res = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') usage('help requested', help);
    if (!a.startsWith('--')) usage(`unexpected argument ${JSON.stringify(a)}`, help);
    let name = a.slice(2);
    let val;
    const eq = name.indexOf('=');
    if (eq >= 0) { val = name.slice(eq + 1); name = name.slice(0, eq); }
    const kind = spec[name];
    if (!kind) usage(`unknown flag --${name}`, help);
    if (kind === 'bool') { res[name] = true; continue; }
    if (val === undefined) {
      if (i + 1 >= argv.length) usage(`--${name} needs a value`, help);
      val = argv[++i];
    }
    if (name in res) usage(`--${name} given twice`, help);
    res[name] = val;
  }
  return res;
}

export function requireArgs(args, names, help) {
  for (const n of names) if (args[n] === undefined) usage(`--${n} is required`, help);
}

export function intArg(args, name, help) {
  if (args[name] === undefined) return undefined;
  if (!/^-?\d+$/.test(args[name])) usage(`--${name} must be an integer, got ${JSON.stringify(args[name])}`, help);
  return Number(args[name]);
}

// readText reads a file; an unreadable file is a usage error (exit 2).
export function readText(path, help) {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    usage(`cannot read ${path}: ${e.message}`, help);
  }
}

export function readJSON(path, help) {
  const t = readText(path, help);
  try {
    return JSON.parse(t);
  } catch (e) {
    usage(`${path} is not JSON: ${e.message}`, help);
  }
}

// readJwk accepts a bare JWK or a JWKS with exactly one key.
export function readJwk(path, help, { needPrivate = false } = {}) {
  let j = readJSON(path, help);
  if (j && Array.isArray(j.keys)) {
    if (j.keys.length !== 1) usage(`${path}: JWKS must hold exactly one key (has ${j.keys.length})`, help);
    j = j.keys[0];
  }
  if (!j || j.kty !== 'EC' || j.crv !== 'P-256' || typeof j.x !== 'string' || typeof j.y !== 'string') {
    usage(`${path}: not an EC P-256 JWK`, help);
  }
  if (needPrivate && typeof j.d !== 'string') usage(`${path}: private JWK (with "d") required`, help);
  return j;
}

export function publicJwk(jwk) {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

export function errMsg(e) {
  if (!e) return 'unknown error';
  const name = e.name && e.name !== 'Error' ? `${e.name}: ` : '';
  return `${name}${e.message || String(e)}`;
}

export function b64uJSON(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// splitSdJwt: {jwt, disclosures[], kb (string|'' )}
export function splitSdJwt(text) {
  const parts = text.split('~');
  if (parts.length < 2) throw new Error('not an SD-JWT: no "~" separator');
  return { jwt: parts[0], disclosures: parts.slice(1, -1), kb: parts[parts.length - 1] };
}

export function readSdJwt(path, help) {
  // Trailing newline / whitespace is tolerated in the file, nothing else.
  return readText(path, help).trim();
}

// Run main, turning unexpected exceptions into one JSON line with exit 0
// (the script ran; it could not reach a verdict) unless they are usage errors.
export async function run(main) {
  try {
    await main();
  } catch (e) {
    console.error(e && e.stack ? e.stack : e);
    if (!printed) out({ ok: false, error: errMsg(e) });
  }
}

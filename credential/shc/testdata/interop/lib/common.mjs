// Shared helpers for the interop scripts: argument parsing, one-line JSON
// output, input-form detection, a hard network guard and the offline stub
// that serves a JWKS from disk to @pathcheck/shc-sdk.
//
// Everything here is written for this project; nothing is copied.

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import Module, { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const require = createRequire(path.join(here, '..', 'package.json'));

export const EXIT_USAGE = 2;

// Keep stdout for the single JSON line: anything else (the SDK logs with
// console.log / console.warn) goes to stderr.
const realStdoutWrite = process.stdout.write.bind(process.stdout);
export const sdkLog = []; // every value the SDK logged, for error reporting
for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
  console[name] = (...args) => {
    sdkLog.push(args);
    process.stderr.write(
      `[${name}] ${args.map((a) => (a instanceof Error ? a.stack || a.message : typeof a === 'string' ? a : safeJSON(a))).join(' ')}\n`,
    );
  };
}

function safeJSON(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Prints exactly one line of JSON on stdout. */
export function emit(obj) {
  realStdoutWrite(JSON.stringify(obj) + '\n');
}

/**
 * What the SDK logged last: its verifiers catch their own errors and
 * console.log(err) them as their final act, so this is the reason they failed.
 */
export function lastLogged() {
  const last = sdkLog[sdkLog.length - 1];
  if (!last) return undefined;
  const a = last[0];
  if (a instanceof Error) return `${a.name && a.name !== 'Error' ? a.name + ': ' : ''}${a.message}`;
  return typeof a === 'string' ? a : safeJSON(a);
}

export function usageError(usage, msg) {
  process.stderr.write(`error: ${msg}\nusage: ${usage}\n`);
  process.exit(EXIT_USAGE);
}

/**
 * Minimal --flag VALUE parser. spec maps flag name -> {required, type:'string'|'int'}.
 * Unknown flags, missing values and missing required flags are usage errors.
 */
export function parseArgs(argv, spec, usage) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') usageError(usage, 'help requested');
    if (!a.startsWith('--')) usageError(usage, `unexpected argument ${JSON.stringify(a)}`);
    let name = a.slice(2);
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const s = spec[name];
    if (!s) usageError(usage, `unknown flag --${name}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) usageError(usage, `--${name} needs a value`);
      value = argv[++i];
    }
    if (s.type === 'int') {
      if (!/^[0-9]+$/.test(value) || Number(value) < 1) usageError(usage, `--${name} must be a positive integer`);
      value = Number(value);
    }
    out[name] = value;
  }
  for (const [name, s] of Object.entries(spec)) {
    if (out[name] === undefined) {
      if (s.required) usageError(usage, `--${name} is required`);
      if (s.default !== undefined) out[name] = s.default;
    }
  }
  return out;
}

export function readFileOrUsage(file, usage, what) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    usageError(usage, `cannot read ${what} ${file}: ${e.code || e.message}`);
  }
}

export function readJSONOrUsage(file, usage, what) {
  const text = readFileOrUsage(file, usage, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    usageError(usage, `${what} ${file} is not JSON: ${e.message}`);
  }
}

/**
 * Detects what a card file holds, by content:
 *  - {"verifiableCredential":[jws,…]}           -> {form:'file', jwsList}
 *  - one or more shc:/ lines (maybe chunked)     -> {form:'qr', qrLines}
 *  - a compact JWS                               -> {form:'jws', jwsList:[jws]}
 * Throws an Error with a readable message on anything else.
 */
export function detectCard(text) {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t.startsWith('{')) {
    let obj;
    try {
      obj = JSON.parse(t);
    } catch (e) {
      throw new Error(`input looks like JSON but does not parse: ${e.message}`);
    }
    const vc = obj && obj.verifiableCredential;
    if (!Array.isArray(vc) || vc.length === 0 || !vc.every((x) => typeof x === 'string')) {
      throw new Error('JSON input has no verifiableCredential array of strings');
    }
    return { form: 'file', jwsList: vc.map((s) => s.trim()) };
  }
  if (/^shc:\//i.test(t)) {
    const lines = t.split(/\s+/).filter(Boolean);
    return { form: 'qr', qrLines: lines };
  }
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(t)) {
    return { form: 'jws', jwsList: [t] };
  }
  throw new Error('input is neither a compact JWS, a .smart-health-card file nor a shc:/ text');
}

/**
 * Parses shc:/ lines into their numeric parts, ordered by chunk index.
 * Returns {chunks:N, digits:'…'} where digits is the concatenation.
 */
export function joinQrChunks(lines) {
  const parts = [];
  let total;
  for (const line of lines) {
    const m = /^shc:\/(?:([0-9]+)\/([0-9]+)\/)?([0-9]+)$/i.exec(line);
    if (!m) throw new Error(`malformed shc:/ text: ${line.slice(0, 40)}…`);
    if (m[1] === undefined) {
      if (lines.length !== 1) throw new Error('an unchunked shc:/ text must be alone');
      return { chunks: 1, digits: m[3] };
    }
    const i = Number(m[1]);
    const n = Number(m[2]);
    if (total === undefined) total = n;
    if (n !== total || i < 1 || i > n) throw new Error(`inconsistent chunk header ${m[1]}/${m[2]}`);
    if (parts[i - 1] !== undefined) throw new Error(`duplicate chunk ${i}/${n}`);
    parts[i - 1] = m[3];
  }
  for (let i = 0; i < total; i++) if (parts[i] === undefined) throw new Error(`missing chunk ${i + 1}/${total}`);
  return { chunks: total, digits: parts.join('') };
}

/** Our own numeric -> JWS decoder (used by verify-jose only; the SDK path uses the SDK's unpack). */
export function numericToJws(digits) {
  if (digits.length % 2 !== 0) throw new Error('odd number of digits in shc:/ text');
  let s = '';
  for (let i = 0; i < digits.length; i += 2) {
    const v = Number(digits.slice(i, i + 2));
    if (v > 77) throw new Error(`digit pair ${digits.slice(i, i + 2)} out of range`);
    s += String.fromCharCode(v + 45);
  }
  return s;
}

export function b64uToBytes(s) {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** Facts we report about a decoded SHC payload. */
export function payloadFacts(p) {
  const facts = {};
  if (p && typeof p === 'object') {
    facts.iss = p.iss;
    facts.nbf = p.nbf;
    if (p.exp !== undefined) facts.exp = p.exp;
    const vc = p.vc || {};
    facts.types = Array.isArray(vc.type) ? vc.type : [];
    if (vc.rid !== undefined) facts.rid = vc.rid;
    const entries = vc.credentialSubject?.fhirBundle?.entry;
    facts.resourceTypes = Array.isArray(entries) ? entries.map((e) => e?.resource?.resourceType ?? null) : [];
  }
  return facts;
}

// ---------------------------------------------------------------------------
// Network: nothing may leave this process.

const fetchLog = [];
let jwksRoute = null; // {url, body}

/**
 * Makes every outgoing connection fail loudly (http, https, raw sockets),
 * whatever module tries it. Call before loading anything that may connect.
 */
export function installNetworkGuard() {
  const deny = (what) =>
    function () {
      throw new Error(`network access blocked by interop stub (${what})`);
    };
  http.request = deny('http.request');
  http.get = deny('http.get');
  https.request = deny('https.request');
  https.get = deny('https.get');
  net.Socket.prototype.connect = deny('net.Socket.connect');
  globalThis.fetch = stubFetch;
}

/** The stub that replaces every fetch: serves jwksRoute, 404 for anything else. */
export async function stubFetch(input, _init) {
  const url = typeof input === 'string' ? input : input?.url ?? String(input);
  if (jwksRoute && url === jwksRoute.url) {
    fetchLog.push({ url, status: 200 });
    return new Response(jwksRoute.body, { status: 200, headers: { 'content-type': 'application/json' } });
  }
  fetchLog.push({ url, status: 404 });
  return new Response('not found (offline interop stub)', { status: 404, headers: { 'content-type': 'text/plain' } });
}

/** Serve jwksText at exactly `${iss}/.well-known/jwks.json` (the URL the SDK builds). */
export function serveJwks(iss, jwksText) {
  jwksRoute = { url: `${iss}/.well-known/jwks.json`, body: jwksText };
  return jwksRoute.url;
}

export function fetchedUrls() {
  return fetchLog.slice();
}

export function clearFetchLog() {
  fetchLog.length = 0;
}

/**
 * Loads @pathcheck/shc-sdk with its fetch (cross-fetch -> node-fetch) replaced
 * by stubFetch. The SDK is loaded through CommonJS: its lib/index.js hands
 * lib/main.js to the `esm` loader, and a plain ESM `import` of the package
 * yields an empty namespace on Node 20, so we use createRequire.
 */
export function loadShcSdk() {
  installNetworkGuard();
  const sdkMain = require.resolve('@pathcheck/shc-sdk');
  const sdkRequire = createRequire(sdkMain);
  const crossFetchPath = sdkRequire.resolve('cross-fetch');
  const stubModule = new Module(crossFetchPath);
  stubModule.filename = crossFetchPath;
  stubModule.paths = Module._nodeModulePaths(path.dirname(crossFetchPath));
  const exported = stubFetch;
  exported.fetch = stubFetch;
  exported.default = stubFetch;
  exported.Response = Response;
  exported.Request = Request;
  exported.Headers = Headers;
  stubModule.exports = exported;
  stubModule.loaded = true;
  require.cache[crossFetchPath] = stubModule;
  const sdk = sdkRequire(sdkMain);
  if (typeof sdk.unpackAndVerify !== 'function') throw new Error('@pathcheck/shc-sdk did not load (no unpackAndVerify)');
  return sdk;
}

export function packageVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    // jose 6 does not export ./package.json: read it from disk.
    const p = path.join(here, '..', 'node_modules', name, 'package.json');
    return JSON.parse(fs.readFileSync(p, 'utf8')).version;
  }
}

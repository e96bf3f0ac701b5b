// Helpers for the HCERT interop scripts: arguments, one JSON line on stdout,
// a network guard, key and certificate reading, and the two peers' loaders.
// Written for this project.

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const require = createRequire(path.join(here, '..', 'package.json'));

// stdout carries exactly one JSON line; whatever the libraries log goes to stderr.
const out = process.stdout.write.bind(process.stdout);
export const logged = [];
for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
  console[name] = (...args) => {
    logged.push(args.map(String).join(' '));
    process.stderr.write(`[${name}] ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}\n`);
  };
}
export function emit(obj) {
  out(JSON.stringify(obj) + '\n');
}

// Nothing here may reach a network: every socket API throws, and fetch is refused.
export const attempted = [];
function blocked(what) {
  return (...args) => {
    attempted.push(what + ' ' + String(args[0] && (args[0].href || args[0].host || args[0])));
    throw new Error('network access blocked by interop stub');
  };
}
http.request = http.get = blocked('http');
https.request = https.get = blocked('https');
net.Socket.prototype.connect = blocked('connect');
globalThis.fetch = async (url) => {
  attempted.push('fetch ' + String(url));
  throw new Error('network access blocked by interop stub');
};

// args reads --name value pairs; names ending in "?" are optional, the
// others required. Anything else is a usage error (exit 2).
export function args(argv, spec, usage) {
  const names = spec.map((n) => n.replace(/\?$/, ''));
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    if (!k.startsWith('--') || !names.includes(k.slice(2)) || i + 1 >= argv.length) {
      process.stderr.write(`usage: ${usage}\n`);
      process.exit(2);
    }
    o[k.slice(2)] = argv[i + 1];
  }
  for (const n of spec) {
    if (!n.endsWith('?') && o[n] === undefined) {
      process.stderr.write(`missing --${n}\nusage: ${usage}\n`);
      process.exit(2);
    }
  }
  return o;
}

export const read = (f) => fs.readFileSync(f, 'utf8').trim();
export const write = (f, s) => fs.writeFileSync(f, s);

// The DSC: its DER, the DCC kid (first 8 bytes of SHA-256 over the DER) and its public key.
export function dsc(pemFile) {
  const pem = read(pemFile);
  const x509 = new crypto.X509Certificate(pem);
  const der = x509.raw;
  const kid = crypto.createHash('sha256').update(der).digest().subarray(0, 8);
  return { pem, der, kid, publicKey: x509.publicKey };
}

export function b64url(s) {
  return Buffer.from(s, 'base64url');
}

// The dcc-sdk is CommonJS behind the old `esm` loader: load it with require.
export function dccSDK() {
  return require('@pathcheck/dcc-sdk');
}

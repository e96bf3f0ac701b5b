// An independent OpenID4VCI 1.0 wallet client (@openid4vc/openid4vci of
// the OpenWallet Foundation) receiving credentials from the ImmunoPass
// clinic service with the pre-authorized code flow and a PIN.
//
//   node receive.mjs --offer URI --pin PIN [--copies N]
//
// Prints one JSON line: {"credentials":[…],"holders":[JWK…],"configuration":…}
// or {"error":…,"error_description":…} when the issuer refused (exit 0 both
// ways: the Go test judges). Exit 2 for bad arguments.
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2'
import { createHash, randomBytes, webcrypto } from 'node:crypto'

function args() {
  const out = { copies: 1 }
  const a = process.argv.slice(2)
  for (let i = 0; i < a.length; i += 2) {
    const v = a[i + 1]
    if (v === undefined) usage()
    if (a[i] === '--offer') out.offer = v
    else if (a[i] === '--pin') out.pin = v
    else if (a[i] === '--copies') out.copies = Number(v)
    else usage()
  }
  if (!out.offer || !(out.copies >= 1)) usage()
  return out
}

function usage() {
  process.stderr.write('usage: receive.mjs --offer URI --pin PIN [--copies N]\n')
  process.exit(2)
}

const b64u = (buf) => Buffer.from(buf).toString('base64url')

// The holder keys: P-256, in this process only.
async function holderKey() {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
  const jwk = await webcrypto.subtle.exportKey('jwk', pair.publicKey)
  return { privateKey: pair.privateKey, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } }
}

const keys = new Map() // x → key

// Offline but for the server under test: only loopback addresses are fetched.
const loopbackFetch = (url, init) => {
  const host = new URL(url instanceof Request ? url.url : String(url)).hostname
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    return Promise.reject(new Error(`refusing to fetch ${host}: the interop peer talks only to the local test server`))
  }
  return fetch(url, init)
}

const callbacks = {
  fetch: loopbackFetch,
  hash: (data, alg) => {
    if (alg !== 'sha-256') throw new Error(`hash ${alg} not supported here`)
    return new Uint8Array(createHash('sha256').update(data).digest())
  },
  generateRandom: (n) => new Uint8Array(randomBytes(n)),
  clientAuthentication: clientAuthenticationAnonymous(),
  signJwt: async (signer, { header, payload }) => {
    if (signer.method !== 'jwk' || signer.alg !== 'ES256') throw new Error(`signer ${signer.method}/${signer.alg} not supported here`)
    const key = keys.get(signer.publicJwk.x)
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`
    // WebCrypto ECDSA signatures are already R||S (IEEE P1363), as JWS wants.
    const sig = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, Buffer.from(input))
    return { jwt: `${input}.${b64u(sig)}`, signerJwk: signer.publicJwk }
  },
}

async function main() {
  const a = args()
  const client = new Openid4vciClient({ callbacks })
  const credentialOffer = await client.resolveCredentialOffer(a.offer)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const configurationId = credentialOffer.credential_configuration_ids[0]
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode: a.pin,
  })
  const { c_nonce } = await client.requestNonce({ issuerMetadata })
  const jwts = []
  const holders = []
  for (let i = 0; i < a.copies; i++) {
    const k = await holderKey()
    keys.set(k.publicJwk.x, k)
    holders.push(k.publicJwk)
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId: configurationId, nonce: c_nonce,
      signer: { method: 'jwk', publicJwk: k.publicJwk, alg: 'ES256' },
    })
    jwts.push(jwt)
  }
  const res = await client.retrieveCredentials({
    issuerMetadata, credentialConfigurationId: configurationId,
    accessToken: accessTokenResponse.access_token, proofs: { jwt: jwts },
  })
  const creds = (res.credentialResponse.credentials ?? []).map((c) => c.credential)
  const format = issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId].format
  console.log(JSON.stringify({ credentials: creds, holders, configuration: configurationId, format, version: issuerMetadata.originalDraftVersion ?? null }))
}

main().catch((e) => {
  // OAuth errors from the server come back in the error's response body.
  const body = e?.errorResponse ?? e?.response?.credentialErrorResponseResult?.data ?? null
  console.log(JSON.stringify({ error: body?.error ?? e?.name ?? 'error', error_description: body?.error_description ?? String(e?.message ?? e) }))
})

// Package issuer is the clinic's side of ImmunoPass: its signing key, kept
// encrypted at rest (credential/keyfile); issuing credentials from EMR
// records as SMART Health Cards and SD-JWT VCs; the local status list; for a
// clinic that hosts its own SMART Health Cards issuer, the static .well-known
// files (JWKS and CRLs) that verifiers read; and, for a clinic accredited in
// a registry, the registry client and the anchoring outbox.
//
// # Self-hosted or registry-hosted
//
// A self-hosted issuer publishes its own JWKS, CRLs (Site) and status list
// (LocalStatus). A registry-hosted issuer has iss = <registry>/issuers/<id>;
// the registry publishes its keys, CRLs and status lists in the signed trust
// bundle, and its log anchors every credential the clinic issues.
//
// # Talking to the registry
//
// Registry speaks the registry's HTTP API (it does not import package
// registry). Every write is a compact JWS signed by the clinic's key over
// {iss, iat, nonce, htm, htu, body}, with a fresh iat and nonce per attempt.
// Errors are *RegistryError values that say whether retrying may help.
//
// # Nothing issued is left unanchored silently
//
// A credential's digest (credential/anchor.Digest) is written durably to the
// Outbox before the credential is released. Outbox.Flush sends queued digests
// in batches, retries temporary failures with exponential backoff and
// jitter, records the index the registry acknowledges (anchoring is
// idempotent, so a lost answer is harmless), fetches the inclusion proof
// (C2SP tlog-proof), checks it (CheckProof; VerifyProof with the trust
// policy), writes it next to the credential, and only then removes the item.
// What the registry refuses stays queued with its reason.
//
// # What the clinic keeps
//
// State holds the outbox, a pool of status list entries allocated by the
// registry (so SD-JWT VCs can still be issued through an outage), and the
// ledger mapping the clinic's record ids to credentials, for revocation.
// Statistics (CountDoses) are counts per vaccine, region and ISO week: no
// personal data leaves the clinic.
package issuer

import "github.com/immunopass/immunopass/credential/keyfile"

// KeyFile is the clinic's key file: its signing key and rid secret.
type KeyFile struct{ *keyfile.KeyFile }

// WorkFactor is the scrypt work factor of new key files.
const WorkFactor = keyfile.WorkFactor

// ErrWrongPassphrase reports a key file the passphrase does not open.
var ErrWrongPassphrase = keyfile.ErrWrongPassphrase

// Package issuer is the clinic's side of ImmunoPass: its signing key, kept
// encrypted at rest (credential/keyfile); issuing credentials from EMR
// records as SMART Health Cards and SD-JWT VCs; the local status list; and,
// for a clinic that hosts its own SMART Health Cards issuer, the static
// .well-known files (JWKS and CRLs) that verifiers read.
package issuer

import "github.com/immunopass/immunopass/credential/keyfile"

// KeyFile is the clinic's key file: its signing key and rid secret.
type KeyFile struct{ *keyfile.KeyFile }

// WorkFactor is the scrypt work factor of new key files.
const WorkFactor = keyfile.WorkFactor

// ErrWrongPassphrase reports a key file the passphrase does not open.
var ErrWrongPassphrase = keyfile.ErrWrongPassphrase

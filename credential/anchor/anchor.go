// Package anchor reads and checks the evidence that a credential was
// anchored in the registry's transparency log: C2SP tlog-proof files and the
// witness-cosigned C2SP tlog-checkpoint notes they carry.
//
// # What is anchored
//
// Each log entry is exactly 32 bytes: the SHA-256 of the issuer-signed JWS as
// received ([Digest]). For a SMART Health Card that is the compact JWS; for an
// SD-JWT VC it is the issuer-signed JWT, the text before the first "~", so
// that every presentation of one credential (any disclosures, any key
// binding) maps to the same entry. The Merkle leaf hash is RFC 6962's
// (SHA-256 of 0x00 ‖ entry).
//
// # What is trusted
//
// A [CheckpointVerifier] holds what an operator installs once: the log's
// origin and note verifier key (Ed25519, golang.org/x/mod/sumdb/note), the
// witnesses' cosignature/v1 verifier keys (c2sp.org/tlog-cosignature) and the
// quorum. A checkpoint is accepted only when it names that origin, carries a
// valid log signature and valid cosignatures from at least quorum distinct
// configured witnesses. Signatures by keys the verifier does not know are
// ignored, as C2SP tlog-checkpoint requires.
//
// # What is checked
//
// [ParseProof] and [ParseCheckpoint] check syntax only and never verify;
// [Proof.Verify] and [VerifyCheckpoint] return only verified data, or a typed
// error carrying the evidence: [*ProofError], [*CheckpointError],
// [*OriginError], [*LogSignatureError], [*QuorumError] (with the counts),
// [*InclusionError].
//
// # Compatibility
//
// The proof text is c2sp.org/tlog-proof@v1 (an optional "extra" line is kept
// and round-trips); the checkpoint is c2sp.org/tlog-checkpoint with
// extension lines allowed; cosignatures are c2sp.org/tlog-cosignature
// cosignature/v1 (Ed25519, timestamped), verified with
// github.com/transparency-dev/formats/note.
//
// # What is not done here
//
// No I/O: fetching proofs and checkpoints is the caller's job.
package anchor

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// Digest returns the log entry for a signed credential: the SHA-256 of the
// issuer-signed JWS exactly as received. For SD-JWT text only the issuer JWT
// (before the first "~") is hashed.
func Digest(signed string) [32]byte {
	if i := strings.IndexByte(signed, '~'); i >= 0 {
		signed = signed[:i]
	}
	return sha256.Sum256([]byte(signed))
}

// ProofError reports a tlog-proof that is not well formed.
type ProofError struct {
	Line    int // 1-based line of the problem, 0 if not tied to one line
	Problem string
}

func (e *ProofError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("tlog-proof line %d: %s", e.Line, e.Problem)
	}
	return "tlog-proof: " + e.Problem
}

// CheckpointError reports a checkpoint note that is not well formed.
type CheckpointError struct {
	Problem string
}

func (e *CheckpointError) Error() string { return "checkpoint: " + e.Problem }

// OriginError reports a checkpoint from another log than the one trusted.
type OriginError struct{ Want, Got string }

func (e *OriginError) Error() string {
	return fmt.Sprintf("checkpoint is from log %q, want %q", e.Got, e.Want)
}

// LogSignatureError reports a checkpoint without a valid signature by the
// trusted log key.
type LogSignatureError struct {
	Origin string
	Key    string // the key name the verifier looked for
}

func (e *LogSignatureError) Error() string {
	return fmt.Sprintf("checkpoint for %q has no valid signature by the log key %q", e.Origin, e.Key)
}

// QuorumError reports a checkpoint cosigned by fewer trusted witnesses than
// the quorum.
type QuorumError struct {
	Have, Want int
	// Witnesses is how many witnesses are configured.
	Witnesses int
	// Cosigned names the witnesses whose cosignatures verified.
	Cosigned []string
}

func (e *QuorumError) Error() string {
	return fmt.Sprintf("checkpoint has %d valid witness cosignatures of the %d required (%d witnesses configured)", e.Have, e.Want, e.Witnesses)
}

// InclusionError reports a proof that does not place the digest at its index
// in the checkpointed tree.
type InclusionError struct {
	Digest [32]byte
	Index  uint64
	Size   uint64
	Err    error
}

func (e *InclusionError) Error() string {
	return fmt.Sprintf("digest %x is not at index %d of the log tree of size %d: %v", e.Digest, e.Index, e.Size, e.Err)
}

func (e *InclusionError) Unwrap() error { return e.Err }

// Cosig is one verified witness cosignature.
type Cosig struct {
	Name string    // the witness key name
	Time time.Time // the time the witness asserted, UTC
}

// Checkpoint is a parsed checkpoint. Only [VerifyCheckpoint] and
// [Proof.Verify] fill Cosigned, and only with verified cosignatures.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   [32]byte
	// Extensions are the optional lines after the root hash.
	Extensions []string
	Cosigned   []Cosig
	// Note is the full signed note as received.
	Note []byte
}

// Latest returns the latest cosignature time, or the zero time.
func (c *Checkpoint) Latest() time.Time {
	var t time.Time
	for _, s := range c.Cosigned {
		if s.Time.After(t) {
			t = s.Time
		}
	}
	return t
}

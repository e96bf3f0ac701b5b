package verifier

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/trust"
)

// Anchor is where a presented proof places a credential in the registry log.
type Anchor struct {
	Index    uint64 `json:"index"`
	LogSize  uint64 `json:"logSize"`
	Cosigned int    `json:"cosigned"` // witness cosignatures on the proof's checkpoint
}

// NotAnchoredError reports a credential without a valid anchoring proof:
// none was presented (Err nil), or the one whose inclusion matches the
// credential does not verify under the trust policy.
type NotAnchoredError struct {
	Digest [32]byte
	Err    error
}

func (e *NotAnchoredError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("no anchoring proof was presented for this credential (log entry %x)", e.Digest)
	}
	return fmt.Sprintf("the anchoring proof for this credential (log entry %x) does not hold: %v", e.Digest, e.Err)
}

func (e *NotAnchoredError) Unwrap() error { return e.Err }

// splitProofs separates tlog-proofs from the rest of a text input: each
// proof starts at a "c2sp.org/tlog-proof@v1" line and runs to the next such
// line or the end of the input; credential lines come before the first.
func splitProofs(data []byte) (rest []byte, proofs [][]byte) {
	hdr := []byte(anchor.ProofHeader + "\n")
	var at int
	switch {
	case bytes.HasPrefix(data, hdr):
		at = 0
	default:
		i := bytes.Index(data, append([]byte("\n"), hdr...))
		if i < 0 {
			return data, nil
		}
		at = i + 1
	}
	rest, data = data[:at], data[at:]
	for len(data) > 0 {
		next := bytes.Index(data[len(hdr):], append([]byte("\n"), hdr...))
		if next < 0 {
			proofs = append(proofs, normalizeProof(data))
			break
		}
		end := len(hdr) + next + 1
		proofs = append(proofs, normalizeProof(data[:end]))
		data = data[end:]
	}
	return rest, proofs
}

// normalizeProof turns CRLF into LF and ends the text with one newline, as
// files and QR scanners vary on both.
func normalizeProof(p []byte) []byte {
	s := strings.ReplaceAll(string(p), "\r\n", "\n")
	return []byte(strings.TrimRight(s, "\n") + "\n")
}

// anchorOf finds, among the presented proofs, the one whose inclusion proof
// places signed's digest in its tree, and verifies it under the trust
// policy. It returns nil, nil when no proof matches.
func (v *Verifier) anchorOf(signed string) (*Anchor, [32]byte, error) {
	if len(v.Proofs) == 0 && !v.RequireAnchor {
		return nil, [32]byte{}, nil // no proof to match, none required: no digest to compute
	}
	d := anchor.Digest(signed)
	var firstErr error
	for _, p := range v.Proofs {
		c, err := anchor.ParseCheckpoint(p.Checkpoint)
		if err != nil || p.Includes(d, c) != nil {
			continue // not this credential's proof
		}
		vc, err := v.Trust.VerifyProof(p, d)
		if err == nil {
			return &Anchor{Index: p.Index, LogSize: vc.Size, Cosigned: len(vc.Cosigned)}, d, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, d, firstErr
}

// registryChecks runs what the registry adds once a credential's
// signature holds: its anchoring proof, suspension, key validity and
// compromise. It records the anchor on r and returns the failures.
func (v *Verifier) registryChecks(r *Result, signed, iss, kid string, issued time.Time) []error {
	a, d, perr := v.anchorOf(signed)
	r.Anchored = a
	var errs []error
	var idx *uint64
	if a != nil {
		idx = &a.Index
	} else if perr != nil || v.RequireAnchor {
		errs = append(errs, &NotAnchoredError{Digest: d, Err: perr})
	}
	if err := v.Trust.CheckUse(iss, kid, issued, idx); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// addErrors appends the codes and messages of errs to r.
func addErrors(r *Result, errs []error) {
	for _, err := range errs {
		codes, msgs := reasons(err)
		for _, c := range codes {
			if !containsString(r.Reasons, c) {
				r.Reasons = append(r.Reasons, c)
			}
		}
		r.Messages = append(r.Messages, msgs...)
	}
}

// addTrustWarnings adds stale-trust, with the bundle's age, to a result.
func addTrustWarnings(r *Result, ws []trust.Warning) {
	for _, w := range ws {
		if w.Code != trust.WarnStaleTrust {
			continue
		}
		if !containsString(r.Warnings, StaleTrust) {
			r.Warnings = append(r.Warnings, StaleTrust)
		}
		if w.Age > r.trustAge {
			r.trustAge = w.Age
			r.TrustAge = trust.FormatAge(w.Age)
		}
		r.Messages = append(r.Messages, w.Message)
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
)

// loadedBundle is a verified bundle with the policy that accepted it.
type loadedBundle struct {
	name       string
	bundle     *Bundle
	policy     *Policy
	checkpoint *anchor.Checkpoint
	warnings   []Warning
}

// ErrNeedPolicy is returned by Load for a registry bundle: a bundle is
// only trusted once a policy has checked it (LoadBundle).
var ErrNeedPolicy = errors.New("a registry trust bundle is checked by a trust policy, and none was given")

// SuspendedError reports a credential of an issuer the registry suspended.
type SuspendedError struct {
	Iss string
	At  time.Time // zero if the bundle does not say
}

func (e *SuspendedError) Error() string {
	if e.At.IsZero() {
		return fmt.Sprintf("issuer %q is suspended by the registry", e.Iss)
	}
	return fmt.Sprintf("issuer %q is suspended by the registry since %s", e.Iss, e.At.UTC().Format(time.RFC3339))
}

// KeyUsageError reports a credential its key may not have signed: issued
// outside the key's or the issuer's validity window, outside the issuer's
// scope, or under a compromised key without proof of earlier anchoring.
type KeyUsageError struct {
	Iss, KID string
	Problem  string
}

func (e *KeyUsageError) Error() string {
	return fmt.Sprintf("issuer %q key %q: %s", e.Iss, e.KID, e.Problem)
}

// Scope is the bundle scope an issuer needs for vaccination credentials.
const Scope = "immunization"

// LoadBundle verifies a registry bundle against policy at now
// (VerifyBundle) and adds what it holds: issuers with their keys, validity
// windows, compromise and suspension, CRLs, status lists, advisories and the
// checkpoint. A bundle that fails verification adds nothing. A problem with
// one issuer's key or CRL stays with that issuer, as for snapshots.
//
// Of two bundles of one registry only the higher version is kept, in
// whichever order they are loaded; the other is ignored and [Store.Notes]
// says so.
func (s *Store) LoadBundle(name string, data []byte, p *Policy, now time.Time) ([]Warning, error) {
	b, warns, err := VerifyBundle(data, p, now)
	if err != nil {
		var be *BundleError
		if errors.As(err, &be) {
			be.Name = name
		}
		return nil, err
	}
	cp, _ := anchor.VerifyCheckpoint([]byte(b.Checkpoint), p.checkpoints)
	s.UsePolicy(p)
	lb := &loadedBundle{name: name, bundle: b, policy: p, checkpoint: cp, warnings: warns}
	// One registry, one bundle: the highest version wins whatever the
	// order of the files, so an old bundle (with a key not yet compromised,
	// a list not yet revoking) cannot roll trust back.
	for _, old := range s.bundles {
		if old.bundle.Registry != b.Registry {
			continue
		}
		if old.bundle.Version >= b.Version {
			s.note(fmt.Sprintf("trust bundle %s (registry %q version %d) ignored: %s holds version %d", name, b.Registry, b.Version, old.name, old.bundle.Version))
			return warns, nil
		}
		s.note(fmt.Sprintf("trust bundle %s (registry %q version %d) ignored: %s holds version %d", old.name, b.Registry, old.bundle.Version, name, b.Version))
		s.rebuild(old)
		break
	}
	s.op(lb, func() { s.applyBundle(lb) })
	return warns, nil
}

func (s *Store) applyBundle(lb *loadedBundle) {
	name, b := lb.name, lb.bundle
	s.bundles = append(s.bundles, lb)
	for n, bi := range b.Issuers {
		iss := s.issuer(bi.ID, bi.Name)
		iss.Country, iss.Scope = bi.Country, bi.Scope
		iss.ValidFrom, iss.ValidUntil = bi.ValidFrom, bi.ValidUntil
		iss.Suspended, iss.SuspendedAt = bi.Suspended, bi.SuspendedAt
		iss.Registry = b.Registry
		where := fmt.Sprintf("%s: issuers[%d]", name, n)
		for k, bk := range bi.Keys {
			key, err := jose.ParseJWK(bk.JWK)
			if err != nil {
				iss.Problems = append(iss.Problems, fmt.Errorf("%s.keys[%d]: %w", where, k, err))
				continue
			}
			iss.keyInfo[key.KID()] = &KeyInfo{ValidFrom: bk.ValidFrom, ValidUntil: bk.ValidUntil,
				CompromisedAt: bk.CompromisedAt, CompromisedLogSize: bk.CompromisedLogSize}
		}
		raw := make([]json.RawMessage, len(bi.Keys))
		for k := range bi.Keys {
			raw[k] = bi.Keys[k].JWK
		}
		iss.addKeys(where, raw, bi.CRLs)
	}
	for n, bd := range b.DSCs {
		d, err := NewDSC(bd.Cert)
		if err != nil || len(bd.KID) == 0 {
			// One broken certificate: credentials under its kid find no
			// signer (unknown-kid); the rest of the bundle stands.
			s.note(fmt.Sprintf("trust bundle %s: dscs[%d] (list %q) is not usable: %v", name, n, bd.List, err))
			continue
		}
		d.KID, d.Country, d.Source = bd.KID, bd.Country, name
		s.addBundleDSC(d)
	}
	for n, sl := range b.StatusLists {
		l, err := sl.List()
		if err != nil {
			// A broken list leaves its credentials without status: they
			// fail with bad-crl, the rest of the bundle stands.
			if is := s.issuers[sl.Iss]; is != nil {
				is.Problems = append(is.Problems, fmt.Errorf("%s: statusLists[%d] %q: %w", name, n, sl.URI, err))
			}
			continue
		}
		s.addStatus(sl.URI, &statusList{name: name, list: l, iss: sl.Iss,
			exp: expiry(sl.Iat, sl.TTL), iat: time.Unix(sl.Iat, 0)})
	}
}

func expiry(iat, ttl int64) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return time.Unix(iat+ttl, 0)
}

// Warnings returns the warnings of every loaded bundle (stale-trust).
func (s *Store) Warnings() []Warning {
	var out []Warning
	for _, b := range s.bundles {
		out = append(out, b.warnings...)
	}
	return out
}

// Advisories returns the advisories of the loaded bundles that are active
// at now, newest first.
func (s *Store) Advisories(now time.Time) []Advisory {
	var out []Advisory
	for _, b := range s.bundles {
		for _, a := range b.bundle.Advisories {
			if a.Active(now) {
				out = append(out, a)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Issued.After(out[j].Issued) })
	return out
}

// Bundles returns the loaded, verified bundles.
func (s *Store) Bundles() []*Bundle {
	var out []*Bundle
	for _, b := range s.bundles {
		out = append(out, b.bundle)
	}
	return out
}

// Checkpoint returns the largest verified checkpoint of the loaded bundles,
// or nil.
func (s *Store) Checkpoint() *anchor.Checkpoint {
	var c *anchor.Checkpoint
	for _, b := range s.bundles {
		if b.checkpoint != nil && (c == nil || b.checkpoint.Size > c.Size) {
			c = b.checkpoint
		}
	}
	return c
}

// UsePolicy adds a policy to check anchoring proofs with, also when no
// bundle is loaded. LoadBundle adds the policy that accepted the bundle.
func (s *Store) UsePolicy(p *Policy) {
	if !slices.Contains(s.policies, p) {
		s.policies = append(s.policies, p)
	}
}

// ErrNoPolicy is returned by VerifyProof when no bundle, and so no policy,
// is loaded: there is nothing to check a proof's checkpoint against.
var ErrNoPolicy = errors.New("no trust policy is loaded to check anchoring proofs against")

// VerifyProof checks that p proves digest anchored in a log a loaded
// policy trusts (log signature and witness quorum). It returns the first
// policy's verdict that accepts, else the first error.
func (s *Store) VerifyProof(p *anchor.Proof, digest [32]byte) (*anchor.Checkpoint, error) {
	var first error
	for _, pol := range s.policies {
		c, err := p.Verify(digest, pol.checkpoints)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		return nil, ErrNoPolicy
	}
	return nil, first
}

// CheckUse checks what a registry bundle says about a credential of issuer
// iss under key kid, issued at issued (zero if the credential does not say):
// the issuer is not suspended, the credential was issued within the
// issuer's accreditation window and the key's validity window, the issuer's
// scope covers immunization, and, if the key was compromised, anchored is
// the log index of a verified proof below the key's compromisedLogSize.
// Issuers known only from snapshots pass.
func (s *Store) CheckUse(iss, kid string, issued time.Time, anchored *uint64) error {
	i := s.issuers[iss]
	if i == nil {
		return nil
	}
	if i.Suspended {
		return &SuspendedError{Iss: iss, At: i.SuspendedAt}
	}
	bad := func(format string, a ...any) error {
		return &KeyUsageError{Iss: iss, KID: kid, Problem: fmt.Sprintf(format, a...)}
	}
	if len(i.Scope) > 0 && !contains(i.Scope, Scope) {
		return bad("the issuer's scope %q does not include %q", strings.Join(i.Scope, ","), Scope)
	}
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	// Credentials carry whole seconds: a credential issued in the second a
	// window opened (the registry records sub-second times) is inside it.
	before := func(issued, from time.Time) bool { return issued.Before(from.Truncate(time.Second)) }
	if !issued.IsZero() {
		if !i.ValidFrom.IsZero() && before(issued, i.ValidFrom) {
			return bad("issued %s, before the issuer's accreditation from %s", ts(issued), ts(i.ValidFrom))
		}
		if !i.ValidUntil.IsZero() && issued.After(i.ValidUntil) {
			return bad("issued %s, after the issuer's accreditation ended %s", ts(issued), ts(i.ValidUntil))
		}
	}
	k := i.keyInfo[kid]
	if k == nil {
		return nil
	}
	if !issued.IsZero() {
		if !k.ValidFrom.IsZero() && before(issued, k.ValidFrom) {
			return bad("issued %s, before the key's validity from %s", ts(issued), ts(k.ValidFrom))
		}
		if !k.ValidUntil.IsZero() && issued.After(k.ValidUntil) {
			return bad("issued %s, after the key's validity ended %s", ts(issued), ts(k.ValidUntil))
		}
	}
	if !k.CompromisedAt.IsZero() {
		switch {
		case anchored == nil:
			return bad("compromised as of %s, and no anchoring proof shows this credential is older", ts(k.CompromisedAt))
		case *anchored >= k.CompromisedLogSize:
			return bad("compromised as of %s; anchored at log index %d, not before the compromise (log size %d)", ts(k.CompromisedAt), *anchored, k.CompromisedLogSize)
		}
	}
	return nil
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

package wallet

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/trust"
)

// Keep stores a candidate under a profile, marked with its verdict, which is
// computed again here (a Candidate is only what the screen showed), with the
// candidate's anchoring proof. Keeping a credential the wallet already holds
// returns the one it holds, with the candidate's proof attached when it
// had none (and its verdict renewed with it).
//
// Keep refuses what decodes to no credential (an *ImportError) and, with an
// *UnverifiedError, a new credential whose verdict is not Trusted (invalid
// signature, unknown issuer, revoked, expired, not verifiable): the screen
// warns the user and calls KeepUnverified if they still want it.
func (w *Wallet) Keep(c Candidate, profileID string) (Credential, error) {
	return w.keep(c, profileID, false)
}

// KeepUnverified is Keep for a credential that does not verify, after the
// user was warned: it is kept marked with its verdict. It still refuses
// what decodes to no credential.
func (w *Wallet) KeepUnverified(c Candidate, profileID string) (Credential, error) {
	return w.keep(c, profileID, true)
}

func (w *Wallet) keep(c Candidate, profileID string, unverified bool) (Credential, error) {
	if len(c.batch) > 0 {
		// Copies received in one batch, each with its own key: kept
		// together or not at all.
		return w.keepBatch(c.batch, profileID, unverified)
	}
	cred, err := w.prepare(c, profileID)
	if err != nil {
		return Credential{}, err
	}
	err = w.update(func(t tx) error {
		p, err := getProfile(t, profileID)
		if err != nil {
			return err
		}
		var old Credential
		switch err := getJSON(t, kindCred, cred.ID, &old); {
		case err == nil:
			if old.Proof != "" || cred.Proof == "" {
				cred = old
				return nil
			}
			// A proof for a credential kept without one.
			old.Proof, old.Anchored, old.Warnings, old.TrustAge = cred.Proof, cred.Anchored, cred.Warnings, cred.TrustAge
			old.Status, old.Reasons, old.Checked, old.TrustAsOf = cred.Status, cred.Reasons, cred.Checked, cred.TrustAsOf
			cred = old
			return putJSON(t, kindCred, cred.ID, &cred)
		case !isNotFound(err):
			return err
		}
		if !unverified && !cred.Status.Trusted() {
			return &UnverifiedError{ID: cred.ID, Status: cred.Status}
		}
		cred.Bound = holderDID(cred.Text) == p.HolderDID && p.HolderDID != ""
		return putCred(t, &cred)
	})
	cred.Copies = 1
	return cred, err
}

// prepare checks a candidate again and makes the credential Keep stores.
func (w *Wallet) prepare(c Candidate, profileID string) (Credential, error) {
	if c.Text == "" {
		return Credential{}, &ImportError{Name: c.Source, Problem: "empty credential"}
	}
	var proof *anchor.Proof
	if c.Proof != "" {
		p, err := anchor.ParseProof([]byte(c.Proof))
		if err != nil {
			return Credential{}, &ImportError{Name: c.Source, Problem: "not a readable anchoring proof", Err: err}
		}
		proof = p
	}
	f := found{source: c.Source, format: c.Format, text: c.Text}
	v := w.check(w.trust(), f, proof)
	if !v.Readable() {
		return Credential{}, &ImportError{Name: c.Source, Problem: "no readable credential in it", Err: &UnreadableError{Reasons: v.Messages}}
	}
	now := w.now().UTC()
	cred := Credential{
		ID: v.ID, ProfileID: profileID, Format: v.Format, Text: v.Text, Source: v.Source,
		Added: now, Status: v.Status, Reasons: v.Reasons, Checked: now,
		Issuer: v.Issuer, Subject: v.Subject, Doses: v.Doses, IssuedAt: v.IssuedAt, Expires: v.Expires,
		Proof: v.Proof, Anchored: v.Anchored, Warnings: v.Warnings, TrustAge: v.TrustAge, TrustAsOf: v.TrustAsOf,
	}
	return cred, nil
}

// Credential returns one kept credential.
func (w *Wallet) Credential(id string) (Credential, error) {
	var c Credential
	err := w.view(func(t tx) error { return getCred(t, id, &c) })
	return c, err
}

func getCred(t tx, id string, c *Credential) error {
	if err := getJSON(t, kindCred, id, c); err != nil {
		if isNotFound(err) {
			return &NotFoundError{Kind: "credential", ID: id}
		}
		return err
	}
	return nil
}

// Credentials lists a profile's credentials, newest first; "" lists all.
// The copies of a record received in a batch are listed once, with Copies
// set (Copies lists them).
func (w *Wallet) Credentials(profileID string) ([]Credential, error) {
	var out []Credential
	err := w.view(func(t tx) error {
		if profileID == "" {
			return forEachJSON(t, kindCred, func(id string, c *Credential) error {
				out = append(out, *c)
				return nil
			})
		}
		if _, err := getProfile(t, profileID); err != nil {
			return err
		}
		return profileCreds(t, profileID, func(c *Credential) error {
			out = append(out, *c)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b Credential) int {
		if c := b.IssuedAt.Compare(a.IssuedAt); c != 0 {
			return c
		}
		return b.Added.Compare(a.Added)
	})
	return cards(out), err
}

// RemoveCredential deletes a credential, with every copy of it received
// in the same batch and their keys.
func (w *Wallet) RemoveCredential(id string) error {
	return w.update(func(t tx) error {
		var c Credential
		if err := getCred(t, id, &c); err != nil {
			return err
		}
		all, err := batchOf(t, c)
		if err != nil {
			return err
		}
		for i := range all {
			if err := deleteCred(t, &all[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// MoveCredential files a credential under another profile, with every copy
// of it received in the same batch. A copy bound to a key of its own stays
// bound; one bound to a person's key is bound only if moved back.
func (w *Wallet) MoveCredential(id, profileID string) error {
	return w.update(func(t tx) error {
		var c Credential
		if err := getCred(t, id, &c); err != nil {
			return err
		}
		p, err := getProfile(t, profileID)
		if err != nil {
			return err
		}
		all, err := batchOf(t, c)
		if err != nil {
			return err
		}
		for i := range all {
			x := &all[i]
			own, err := hasOwnKey(t, x.ID)
			if err != nil {
				return err
			}
			if !own {
				x.Bound = holderDID(x.Text) == p.HolderDID && p.HolderDID != ""
			}
			if err := moveCred(t, x, profileID); err != nil {
				return err
			}
		}
		return nil
	})
}

// Recheck verifies every kept credential again against the current trust,
// with its kept anchoring proof, and stores the new verdicts with the date
// of the trust they rest on (TrustAsOf). AddTrust and RemoveTrust call it:
// a verdict never outlives the trust it was given under.
func (w *Wallet) Recheck() error {
	ts := w.trust()
	return w.update(func(t tx) error {
		return forEachJSON(t, kindCred, func(id string, c *Credential) error {
			v := w.check(ts, found{source: c.Source, format: c.Format, text: c.Text}, parseKeptProof(c.Proof))
			c.Status, c.Reasons, c.Checked = v.Status, v.Reasons, w.now().UTC()
			c.Anchored, c.Warnings, c.TrustAge, c.TrustAsOf = v.Anchored, v.Warnings, v.TrustAge, v.TrustAsOf
			if c.Proof != "" && v.Proof == "" {
				// Kept, though it does not hold under this trust: a
				// later bundle may verify it (the warning says so).
				c.Anchored = nil
			}
			if v.Issuer.Name != "" {
				c.Issuer = v.Issuer
			}
			return putJSON(t, kindCred, id, c)
		})
	})
}

// Names under which the trust policy and the registry bundle are kept.
const (
	trustPolicy = "policy"
	trustBundle = "bundle"
)

// AddTrust stores a trust file that imports are verified against when
// Options.Trust is nil: a trust policy (it replaces the one held), a
// registry bundle (verified against the policy held: add the policy first;
// it replaces the bundle held), a VCI directory snapshot, or a status list
// token (statuslist+jwt or W3C Bitstring). Each is checked before it is
// stored; a bad one changes nothing. Once stored, every kept credential is
// checked again under the new trust (Recheck): a newer bundle that revokes
// one turns its "verified" into "revoked" at once.
func (w *Wallet) AddTrust(name string, data []byte) error {
	if err := w.addTrust(name, data); err != nil {
		return err
	}
	return w.Recheck()
}

func (w *Wallet) addTrust(name string, data []byte) error {
	key := name
	switch {
	case isPolicy(data):
		if _, err := trust.ParsePolicy(data); err != nil {
			return fmt.Errorf("trust policy %q: %w", name, err)
		}
		key = trustPolicy
	case trust.IsBundle(data):
		var pol []byte
		err := w.view(func(t tx) error {
			var err error
			pol, err = t.Get(kindTrust, trustPolicy)
			return err
		})
		if isNotFound(err) {
			return fmt.Errorf("trust bundle %q: add the registry's trust policy first", name)
		} else if err != nil {
			return err
		}
		p, err := trust.ParsePolicy(pol)
		if err != nil {
			return err
		}
		// A bundle that does not verify (bad signature, checkpoint below
		// the witness quorum) is refused; a stale one is kept and used,
		// TrustStatus shows its age.
		if _, err := trust.New().LoadBundle(name, data, p, w.now()); err != nil {
			return fmt.Errorf("%w; the bundle is refused, the wallet's trust is unchanged", err)
		}
		if held := w.heldBundle(); held != nil {
			if b, _, _, err := trust.ParseBundle(data); err == nil && b.Version < held.Version {
				return fmt.Errorf("trust bundle %q is version %d, older than the version %d the wallet holds; the bundle is refused", name, b.Version, held.Version)
			}
		}
		key = trustBundle
	default:
		if err := loadTrust(trust.New(), name, data); err != nil {
			return err
		}
	}
	err := w.update(func(t tx) error { return t.Put(kindTrust, key, data) })
	w.mu.Lock()
	w.trustCache = nil
	w.mu.Unlock()
	return err
}

// heldBundle is the registry bundle the wallet holds, nil if none.
func (w *Wallet) heldBundle() *trust.Bundle {
	var data []byte
	if err := w.view(func(t tx) error {
		var err error
		data, err = t.Get(kindTrust, trustBundle)
		return err
	}); err != nil {
		return nil
	}
	b, _, _, err := trust.ParseBundle(data)
	if err != nil {
		return nil
	}
	return b
}

// TrustStatus is what the wallet verifies against, for a settings or
// status screen.
type TrustStatus struct {
	Policy bool // a registry trust policy is held
	// Bundle reports a registry bundle held that verifies under the
	// policy; the fields below describe it.
	Bundle   bool
	Registry string
	Version  uint64
	Issued   time.Time
	Issuers  int
	// Age is how old the bundle is now. Stale: older than the policy's
	// maximum age (MaxAge) — it is still used, but the user should sync
	// when online; AgeText is the age as the verifier writes it ("8d8h").
	Age     time.Duration
	MaxAge  time.Duration
	Stale   bool
	AgeText string
	// Warnings explain, in English, what the screen should point out.
	Warnings []string
	// Files names the other trust files held (VCI snapshots, status lists).
	Files []string
}

// TrustStatus describes the trust the wallet holds (Options.Trust's store
// when set).
func (w *Wallet) TrustStatus() (TrustStatus, error) {
	var st TrustStatus
	err := w.view(func(t tx) error {
		return t.ForEach(kindTrust, func(name string, _ []byte) error {
			switch name {
			case trustPolicy:
				st.Policy = true
			case trustBundle:
			default:
				st.Files = append(st.Files, name)
			}
			return nil
		})
	})
	if err != nil {
		return st, err
	}
	ts := w.trust()
	if bs := ts.Bundles(); len(bs) > 0 {
		b := bs[len(bs)-1]
		st.Bundle, st.Registry, st.Version, st.Issued, st.Issuers = true, b.Registry, b.Version, b.Issued, len(b.Issuers)
		st.Age = w.now().Sub(b.Issued)
		st.AgeText = trust.FormatAge(max(st.Age, 0))
	}
	for _, wn := range ts.Warnings() {
		if wn.Code == trust.WarnStaleTrust {
			st.Stale, st.MaxAge = true, wn.MaxAge
		}
		st.Warnings = append(st.Warnings, wn.Message)
	}
	return st, nil
}

func isPolicy(data []byte) bool {
	return bytes.Contains(data[:min(len(data), 4096)], []byte(`"`+trust.PolicyType+`"`))
}

// RemoveTrust forgets a trust file, and checks every kept credential again
// without it.
func (w *Wallet) RemoveTrust(name string) error {
	err := w.update(func(t tx) error { return t.Delete(kindTrust, name) })
	w.mu.Lock()
	w.trustCache = nil
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return w.Recheck()
}

func loadTrust(s *trust.Store, name string, data []byte) error {
	err := s.Load(name, data)
	if err == nil {
		return nil
	}
	if serr := s.LoadStatus(name, data); serr == nil {
		return nil
	}
	return fmt.Errorf("trust file %q: %w", name, err)
}

// trust returns the store imports are verified against.
func (w *Wallet) trust() *trust.Store {
	if w.opt.Trust != nil {
		if s := w.opt.Trust(); s != nil {
			return s
		}
	}
	w.mu.Lock()
	if s := w.trustCache; s != nil {
		w.mu.Unlock()
		return s
	}
	w.mu.Unlock()
	s := trust.New()
	_ = w.view(func(t tx) error {
		var pol, bundle []byte
		err := t.ForEach(kindTrust, func(name string, data []byte) error {
			switch name {
			case trustPolicy:
				pol = data
			case trustBundle:
				bundle = data
			default:
				_ = loadTrust(s, name, data) // checked when added
			}
			return nil
		})
		if pol != nil && bundle != nil {
			if p, err := trust.ParsePolicy(pol); err == nil {
				// A bundle past the policy's maximum age is still used
				// (stale-trust); one that no longer verifies is not.
				_, _ = s.LoadBundle(trustBundle, bundle, p, w.now())
			}
		}
		return err
	})
	w.mu.Lock()
	w.trustCache = s
	w.mu.Unlock()
	return s
}

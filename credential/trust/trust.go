// Package trust holds what an offline verifier believes: which issuers
// exist, which keys they sign with, and which credentials they revoked.
//
// # Sources
//
// A [Store] is filled from trust files. This version reads SMART Health
// Cards directory snapshots in the VCI format
// ({"directory","time","issuerInfo":[{"issuer":{"iss","name"},"keys":[JWK…],
// "crls":[CRL…]}]}); unknown members are ignored, as the real snapshot
// carries more. Several files merge: an issuer listed twice gets the union
// of its keys.
//
// Registry trust bundles ([Bundle]: one JSON line + a detached-payload
// ES256 JWS by the registry key) are read by [Store.LoadBundle] only after
// [VerifyBundle] has checked them against a [Policy] (registry key, log key,
// witness keys and quorum, maximum age). They add accreditation windows,
// key validity and compromise ([Store.CheckUse]), suspension, status lists
// covered by the bundle signature, advisories and the cosigned checkpoint;
// registry-signed statuslist+jwt tokens are then also accepted for the
// issuers the bundle hosts.
//
// # What is checked
//
// A file that is not a trust file at all is an error from [Store.Load]. A
// problem that concerns one issuer, key or CRL inside a good file does not
// stop loading: it is remembered, and only the credentials that depend on it
// fail, with [*BadKeyError] or [*BadCRLError]. Keys are looked up by
// (issuer, kid), never by kid alone, so a kid published by one issuer cannot
// vouch for another's credential.
//
// # What is not done here
//
// No I/O: callers read the files and hand over bytes. Fetching fresh trust
// when online is the verifier's job.
package trust

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/immunopass/immunopass/internal/strictjson"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
)

// UnknownIssuerError reports an issuer that no trust file lists.
type UnknownIssuerError struct{ Iss string }

func (e *UnknownIssuerError) Error() string { return fmt.Sprintf("issuer %q is not trusted", e.Iss) }

// UnknownKeyError reports a kid the issuer does not publish.
type UnknownKeyError struct{ Iss, KID string }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("issuer %q has no key %q", e.Iss, e.KID)
}

// BadKeyError reports a published key that cannot be used.
type BadKeyError struct {
	Iss, KID string
	Err      error
}

func (e *BadKeyError) Error() string {
	return fmt.Sprintf("issuer %q key %q is unusable: %v", e.Iss, e.KID, e.Err)
}
func (e *BadKeyError) Unwrap() error { return e.Err }

// BadCRLError reports a CRL that was published for a key but is unusable.
type BadCRLError struct {
	Iss, KID string
	Err      error
}

func (e *BadCRLError) Error() string {
	return fmt.Sprintf("issuer %q crl for key %q is unusable: %v", e.Iss, e.KID, e.Err)
}
func (e *BadCRLError) Unwrap() error { return e.Err }

// FileError reports a trust file that cannot be used at all.
type FileError struct {
	Name    string
	Problem string
}

func (e *FileError) Error() string { return fmt.Sprintf("trust file %q: %s", e.Name, e.Problem) }

// Issuer is one trusted issuer.
type Issuer struct {
	ID   string // the "iss" its credentials carry
	Name string
	keys map[string]*shc.IssuerKey
	// badKeys and badCRLs remember per-kid problems found while loading.
	badKeys map[string]error
	dupKIDs map[string]bool // kids that name two different keys: never trusted
	badCRLs map[string]error
	// Problems lists everything found wrong with this issuer's entries.
	Problems []error

	// What a registry bundle adds (zero for snapshot issuers).
	Country     string
	Scope       []string
	ValidFrom   time.Time // accreditation window; zero = open
	ValidUntil  time.Time
	Suspended   bool
	SuspendedAt time.Time
	// Registry is the URL of the registry whose bundle lists the issuer.
	Registry string
	// keyInfo holds bundle key metadata by kid.
	keyInfo map[string]*KeyInfo
	// ldKeys are RSA and Ed25519 JWKs for Linked Data signature suites
	// (DIVOC), by kid (ldkeys.go).
	ldKeys map[string]crypto.PublicKey
}

// KeyInfo is what a bundle says about one issuer key.
type KeyInfo struct {
	ValidFrom, ValidUntil time.Time // zero = open
	CompromisedAt         time.Time // zero = not compromised
	CompromisedLogSize    uint64
}

// Key returns the bundle's metadata for kid, or nil.
func (i *Issuer) Key(kid string) *KeyInfo { return i.keyInfo[kid] }

// KIDs lists the issuer's usable key IDs, sorted.
func (i *Issuer) KIDs() []string {
	out := make([]string, 0, len(i.keys))
	for k := range i.keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Store is a set of trusted issuers. The zero value is not usable; call New.
type Store struct {
	issuers  map[string]*Issuer
	status   map[string]*statusList // by URI
	bundles  []*loadedBundle
	policies []*Policy
	dscs     map[string][]*DSC // EU DCC document signers by kid (dsc.go)
	// GDHCN trust lists wait here until the signer their proof names is
	// loaded (gdhcn.go); listSigners are the signer keys loaded so far.
	pendingLists []pendingList
	listSigners  []ListSigner
	bundleDSCs   map[*DSC]bool // the DSCs bundles added: a rebuild drops and replays them
	// ops replays every issuer and status load in order, to rebuild the
	// store when a newer bundle supersedes one already applied (see
	// LoadBundle). Document signers from files are not affected; those a
	// bundle carries are dropped and replayed with it.
	ops       []loadOp
	replaying bool
	notes     []string
}

// loadOp is one load as applied to the store; b is the bundle it applies,
// if any.
type loadOp struct {
	b     *loadedBundle
	apply func()
}

// New returns an empty Store.
func New() *Store { return &Store{issuers: map[string]*Issuer{}, status: map[string]*statusList{}} }

// op records a load and applies it.
func (s *Store) op(b *loadedBundle, apply func()) {
	if !s.replaying {
		s.ops = append(s.ops, loadOp{b: b, apply: apply})
	}
	apply()
}

// note records that something loaded was ignored in favour of something
// newer (once per message).
func (s *Store) note(msg string) {
	if !slices.Contains(s.notes, msg) {
		s.notes = append(s.notes, msg)
	}
}

// Notes says what was loaded but ignored because a newer copy of it is
// held: an older bundle of the same registry, an older status list for the
// same URI. Show them to the operator: an ignored file is not an error, but
// giving an old one by mistake should not pass unseen.
func (s *Store) Notes() []string { return slices.Clone(s.notes) }

// rebuild empties the store and replays every load except drop's.
func (s *Store) rebuild(drop *loadedBundle) {
	s.issuers, s.status = map[string]*Issuer{}, map[string]*statusList{}
	s.bundles = nil
	s.dropBundleDSCs()
	kept := s.ops[:0]
	for _, o := range s.ops {
		if o.b == nil || o.b != drop {
			kept = append(kept, o)
		}
	}
	s.ops = kept
	s.replaying = true
	for _, o := range s.ops {
		o.apply()
	}
	s.replaying = false
}

// Issuer returns the issuer with this id, or nil.
func (s *Store) Issuer(iss string) *Issuer { return s.issuers[iss] }

// Issuers lists the issuers, sorted by id.
func (s *Store) Issuers() []*Issuer {
	out := make([]*Issuer, 0, len(s.issuers))
	for _, i := range s.issuers {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// Load detects the kind of a trust file and adds what it holds. name is only
// used in messages.
func (s *Store) Load(name string, data []byte) error {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return &FileError{Name: name, Problem: "empty"}
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN")) || data[0] == 0x30:
		return s.loadDSCs(name, data)
	case IsGDHCNList(trimmed):
		return s.loadGDHCN(name, trimmed)
	case IsSignerDID(trimmed):
		return s.loadListSigner(name, trimmed)
	case IsBundle(trimmed):
		return &FileError{Name: name, Problem: ErrNeedPolicy.Error()}
	case trimmed[0] == '{':
		m, err := jose.ObjectMembers(trimmed)
		if err != nil {
			return &FileError{Name: name, Problem: err.Error()}
		}
		if _, ok := m["issuerInfo"]; ok {
			var err error
			s.op(nil, func() { err = s.loadSnapshot(name, m) })
			return err
		}
		return &FileError{Name: name, Problem: "JSON without \"issuerInfo\": not a VCI directory snapshot"}
	}
	return &FileError{Name: name, Problem: "not a trust file (want a VCI directory snapshot)"}
}

type snapshotIssuer struct {
	Issuer struct {
		Iss  string `json:"iss"`
		Name string `json:"name"`
	} `json:"issuer"`
	Keys []json.RawMessage `json:"keys"`
	CRLs []json.RawMessage `json:"crls"`
}

func (s *Store) loadSnapshot(name string, m map[string]json.RawMessage) error {
	var infos []json.RawMessage
	if err := json.Unmarshal(m["issuerInfo"], &infos); err != nil {
		return &FileError{Name: name, Problem: "\"issuerInfo\" is not an array"}
	}
	for n, raw := range infos {
		var si snapshotIssuer
		if err := strictjson.Unmarshal(raw, &si); err != nil || si.Issuer.Iss == "" {
			// One broken entry: its issuer stays unknown, the rest load.
			continue
		}
		iss := s.issuer(si.Issuer.Iss, si.Issuer.Name)
		if err := shc.CheckIssuerURL(si.Issuer.Iss); err != nil {
			iss.Problems = append(iss.Problems, err)
		}
		iss.addKeys(fmt.Sprintf("issuerInfo[%d]", n), si.Keys, si.CRLs)
	}
	return nil
}

// addKeys adds published JWKs and SHC CRLs; a bad one is remembered for
// its kid and does not stop the others.
func (iss *Issuer) addKeys(where string, rawKeys, rawCRLs []json.RawMessage) {
	iss.addLDKeys(rawKeys)
	keysJSON, _ := json.Marshal(map[string][]json.RawMessage{"keys": rawKeys})
	keys, bad, _ := jose.ParseJWKS(keysJSON)
	for _, e := range bad {
		var ke *jose.KeyError
		if errors.As(e, &ke) && ke.KID != "" {
			iss.badKeys[ke.KID] = e
		}
		iss.Problems = append(iss.Problems, fmt.Errorf("%s: %w", where, e))
	}
	for _, k := range keys {
		ik := &shc.IssuerKey{Key: k, IssuerName: iss.Name}
		if raw, ok := k.Members["crlVersion"]; ok {
			v, err := strconv.Atoi(string(raw))
			if err != nil || v < 0 {
				iss.badKeys[k.KID()] = fmt.Errorf("crlVersion %s is not a non-negative integer", raw)
				continue
			}
			ik.CRLVersion = v
		}
		if prev, ok := iss.keys[k.KID()]; ok && !prev.Key.Equal(k) || iss.dupKIDs[k.KID()] {
			// Two different keys under one kid for one issuer: neither is
			// trusted (bad-key), whichever order the files came in.
			if iss.dupKIDs == nil {
				iss.dupKIDs = map[string]bool{}
			}
			iss.dupKIDs[k.KID()] = true
			delete(iss.keys, k.KID())
			iss.badKeys[k.KID()] = fmt.Errorf("%s: kid %q names two different keys of this issuer", where, k.KID())
			continue
		}
		iss.keys[k.KID()] = ik
		delete(iss.badKeys, k.KID())
	}
	for _, e := range bad {
		// A kid the set itself names twice stays refused even if another
		// file carries one of those keys.
		var ke *jose.KeyError
		if errors.As(e, &ke) && ke.KID != "" && strings.HasPrefix(ke.Problem, "duplicate kid") {
			if iss.dupKIDs == nil {
				iss.dupKIDs = map[string]bool{}
			}
			iss.dupKIDs[ke.KID] = true
			delete(iss.keys, ke.KID)
			iss.badKeys[ke.KID] = e
		}
	}
	for _, raw := range rawCRLs {
		crl, err := shc.ParseCRL(raw)
		if err != nil {
			var ce *shc.CRLError
			if errors.As(err, &ce) && ce.KID != "" {
				iss.badCRLs[ce.KID] = err
			}
			iss.Problems = append(iss.Problems, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if ik := iss.keys[crl.KID]; ik != nil {
			if ik.CRL == nil || crl.Ctr >= ik.CRL.Ctr {
				ik.CRL = crl
			}
			delete(iss.badCRLs, crl.KID)
		}
	}
}

func (s *Store) issuer(id, name string) *Issuer {
	i := s.issuers[id]
	if i == nil {
		i = &Issuer{ID: id, keys: map[string]*shc.IssuerKey{}, badKeys: map[string]error{}, badCRLs: map[string]error{}, keyInfo: map[string]*KeyInfo{}}
		s.issuers[id] = i
	}
	if i.Name == "" {
		i.Name = name
	}
	return i
}

// AddSHCKey trusts one key of an issuer directly, with its CRL if any.
func (s *Store) AddSHCKey(iss, name string, ik *shc.IssuerKey) {
	s.op(nil, func() {
		i := s.issuer(iss, name)
		if ik.IssuerName == "" {
			ik.IssuerName = i.Name
		}
		i.keys[ik.Key.KID()] = ik
	})
}

// ResolveSHC implements shc.Resolver.
func (s *Store) ResolveSHC(iss, kid string) (*shc.IssuerKey, error) {
	if _, err := s.ResolveKey(iss, kid); err != nil {
		return nil, err
	}
	i := s.issuers[iss]
	ik := i.keys[kid]
	if err := i.badCRLs[kid]; err != nil && ik.CRLVersion > 0 {
		return nil, &BadCRLError{Iss: iss, KID: kid, Err: err}
	}
	return ik, nil
}

// Snapshot writes a VCI directory snapshot of the store, for verifiers.
func (s *Store) Snapshot(directory, time string) []byte {
	type entry struct {
		Issuer struct {
			Iss  string `json:"iss"`
			Name string `json:"name"`
		} `json:"issuer"`
		Keys []json.RawMessage `json:"keys"`
		CRLs []json.RawMessage `json:"crls,omitempty"`
	}
	out := struct {
		Directory  string  `json:"directory"`
		Time       string  `json:"time"`
		IssuerInfo []entry `json:"issuerInfo"`
	}{Directory: directory, Time: time, IssuerInfo: []entry{}}
	for _, i := range s.Issuers() {
		var e entry
		e.Issuer.Iss, e.Issuer.Name = i.ID, i.Name
		for _, kid := range i.KIDs() {
			ik := i.keys[kid]
			var m map[string]any
			json.Unmarshal(ik.Key.JWK(), &m)
			if ik.CRLVersion > 0 {
				m["crlVersion"] = ik.CRLVersion
			}
			b, _ := json.Marshal(m)
			e.Keys = append(e.Keys, b)
			if ik.CRL != nil {
				e.CRLs = append(e.CRLs, ik.CRL.Format())
			}
		}
		out.IssuerInfo = append(out.IssuerInfo, e)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return b
}

package trust

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// GDHCNList is a WHO GDHCN trust list in its v2 DID-document form: one
// JsonWebKey2020 verification method per key, with the certificate chain
// in the JWK's x5c and the id
// did:web:<host>:v2:trustlist:<domain>:<country>:<usage>#<kid>.
//
// ParseGDHCNList reads the list's JsonWebSignature2020 proof but does not
// check it; [VerifyGDHCNProof] does, and a [Store] uses a list's entries
// only once it has.
type GDHCNList struct {
	ID      string
	Entries []GDHCNEntry
	Proof   GDHCNProof
}

// GDHCNEntry is one verification method of the list.
type GDHCNEntry struct {
	ID      string
	Domain  string // "DCC", "PH4H", …
	Country string // ISO 3166-1 alpha-3, as the id names it
	Usage   string // "DSC", "SCA", "DECA", "DESC", …
	KID     []byte // the JWK's kid, as the list names it
	Cert    []byte // x5c[0], DER
}

// GDHCNProof is the list's proof, as published.
type GDHCNProof struct {
	Type, Created, Nonce, ProofPurpose, VerificationMethod, JWS string
}

// MaxGDHCNList bounds a trust list file.
const MaxGDHCNList = 16 << 20

// IsGDHCNList reports whether data looks like a DID-document trust list.
func IsGDHCNList(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{' && bytes.Contains(t, []byte(`"verificationMethod"`)) && bytes.Contains(t, []byte(`:trustlist`))
}

// ParseGDHCNList reads a v2 DID-document trust list.
func ParseGDHCNList(data []byte) (*GDHCNList, error) {
	if len(data) > MaxGDHCNList {
		return nil, fmt.Errorf("trust list of %d bytes, more than %d", len(data), MaxGDHCNList)
	}
	var doc struct {
		ID                 string `json:"id"`
		VerificationMethod []struct {
			ID           string `json:"id"`
			Type         string `json:"type"`
			PublicKeyJwk struct {
				Kid string   `json:"kid"`
				X5c []string `json:"x5c"`
			} `json:"publicKeyJwk"`
		} `json:"verificationMethod"`
		Proof *GDHCNProof `json:"proof"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a DID-document trust list: %w", err)
	}
	l := &GDHCNList{ID: doc.ID}
	if doc.Proof != nil {
		l.Proof = *doc.Proof
	}
	for i, vm := range doc.VerificationMethod {
		bad := func(f string, a ...any) error {
			return fmt.Errorf("verification method %d (%q): %s", i, vm.ID, fmt.Sprintf(f, a...))
		}
		if vm.Type != "JsonWebKey2020" {
			return nil, bad("type %q, want JsonWebKey2020", vm.Type)
		}
		did, frag, ok := strings.Cut(vm.ID, "#")
		parts := strings.Split(did, ":")
		if !ok || len(parts) < 3 || !strings.HasPrefix(did, doc.ID+":") {
			return nil, bad("id is not %q:<domain>:<country>:<usage>#<kid>", doc.ID)
		}
		e := GDHCNEntry{ID: vm.ID, Domain: parts[len(parts)-3], Country: parts[len(parts)-2], Usage: parts[len(parts)-1]}
		kid := vm.PublicKeyJwk.Kid
		if kid == "" {
			kid = frag
		}
		var err error
		if e.KID, err = base64.StdEncoding.DecodeString(kid); err != nil {
			return nil, bad("kid %q is not base64", kid)
		}
		if len(vm.PublicKeyJwk.X5c) == 0 {
			return nil, bad("no x5c certificate")
		}
		if e.Cert, err = base64.StdEncoding.DecodeString(vm.PublicKeyJwk.X5c[0]); err != nil {
			return nil, bad("x5c[0] is not base64")
		}
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

// DSCs returns the document signers of the list, keyed by the kid the list
// names; only DSC entries are trusted for signatures. Entries whose
// certificate does not parse are returned as errors, the rest still used.
func (l *GDHCNList) DSCs() ([]*DSC, []error) {
	var out []*DSC
	var errs []error
	for _, e := range l.Entries {
		if e.Usage != "DSC" {
			continue
		}
		d, err := NewDSC(e.Cert)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.ID, err))
			continue
		}
		d.KID, d.Country, d.Source = e.KID, e.Country, l.ID
		out = append(out, d)
	}
	return out, errs
}

// pendingList is a trust list whose signer has not been loaded yet.
type pendingList struct {
	name   string
	data   []byte
	signer string
}

// loadGDHCN adds a GDHCN trust list's document signers once its proof
// checks. A list whose signer's DID document is not loaded yet waits for
// it (the trust files may come in any order); [Store.CheckPending] reports
// the lists still waiting when all files are loaded. A list whose proof
// fails is refused as a whole.
func (s *Store) loadGDHCN(name string, data []byte) error {
	l, err := ParseGDHCNList(data)
	if err != nil {
		return &FileError{Name: name, Problem: err.Error()}
	}
	if ds, _ := l.DSCs(); len(ds) == 0 {
		return &FileError{Name: name, Problem: "a trust list without usable DSC entries"}
	}
	signer := l.Proof.VerificationMethod
	if signer == "" {
		return &FileError{Name: name, Problem: "the trust list has no proof; an unsigned list is refused (anyone could have added a document signer to it)"}
	}
	for _, ls := range s.listSigners {
		if ls.ID == signer {
			return s.checkGDHCN(name, data, l)
		}
	}
	s.pendingLists = append(s.pendingLists, pendingList{name: name, data: data, signer: signer})
	return nil
}

func (s *Store) checkGDHCN(name string, data []byte, l *GDHCNList) error {
	if _, err := VerifyGDHCNProof(data, s.listSigners); err != nil {
		return &FileError{Name: name, Problem: err.Error() + "; the list is refused (a list that fails its proof may have been altered, and one altered entry is enough to trust a forger)"}
	}
	ds, _ := l.DSCs()
	for _, d := range ds {
		d.Source = name
		s.AddDSC(d)
	}
	return nil
}

// loadListSigner adds the keys of a trust-list signer's DID document and
// checks the lists that were waiting for them.
func (s *Store) loadListSigner(name string, data []byte) error {
	ls, err := ParseListSigners(data)
	if err != nil {
		return &FileError{Name: name, Problem: err.Error()}
	}
	s.listSigners = append(s.listSigners, ls...)
	waiting := s.pendingLists
	s.pendingLists = nil
	var first error
	for _, p := range waiting {
		known := false
		for _, k := range ls {
			known = known || k.ID == p.signer
		}
		if !known {
			s.pendingLists = append(s.pendingLists, p)
			continue
		}
		l, err := ParseGDHCNList(p.data)
		if err == nil {
			err = s.checkGDHCN(p.name, p.data, l)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// CheckPending reports the GDHCN trust lists still waiting for their
// signer's DID document once every trust file is loaded: such a list is
// not used. Call it after the last Load.
func (s *Store) CheckPending() error {
	if len(s.pendingLists) == 0 {
		return nil
	}
	p := s.pendingLists[0]
	return &FileError{Name: p.name, Problem: fmt.Sprintf("the trust list is signed by %q and no trust file holds that signer's DID document, so its proof cannot be checked: the list is refused (give the signer's DID document with --trust too)", p.signer)}
}

// addBundleDSC adds a document signer that a registry bundle carries.
func (s *Store) addBundleDSC(d *DSC) {
	if s.bundleDSCs == nil {
		s.bundleDSCs = map[*DSC]bool{}
	}
	s.bundleDSCs[d] = true
	s.AddDSC(d)
}

// dropBundleDSCs removes the document signers bundles added, before a
// rebuild replays the bundles still in force.
func (s *Store) dropBundleDSCs() {
	if len(s.bundleDSCs) == 0 {
		return
	}
	for k, ds := range s.dscs {
		kept := ds[:0]
		for _, d := range ds {
			if !s.bundleDSCs[d] {
				kept = append(kept, d)
			}
		}
		if len(kept) == 0 {
			delete(s.dscs, k)
		} else {
			s.dscs[k] = kept
		}
	}
	s.bundleDSCs = nil
}

package trust

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/status"
)

// statusList is one status list the verifier holds, as loaded.
type statusList struct {
	name     string
	verified map[string]bool             // "iss kid" whose key verified the list's signature
	token    *status.Token               // IETF Token Status List
	bitstr   *status.BitstringCredential // W3C Bitstring Status List
	// A list carried in a registry bundle: covered by the bundle
	// signature, it speaks only for the issuer iss.
	list *status.List
	iss  string
	exp  time.Time
	// iat is when the list was issued: of two lists for one URI, the
	// newer wins whatever the order they were loaded in.
	iat time.Time
}

// addStatus keeps l for uri unless a list issued later is already held,
// and records which one was ignored.
func (s *Store) addStatus(uri string, l *statusList) {
	old := s.status[uri]
	if old != nil && old.iat.After(l.iat) {
		s.note(fmt.Sprintf("status list %q from %s (issued %s) ignored: %s holds a newer one (issued %s)",
			uri, l.name, stamp(l.iat), old.name, stamp(old.iat)))
		return
	}
	if old != nil && l.iat.After(old.iat) {
		s.note(fmt.Sprintf("status list %q from %s (issued %s) ignored: %s holds a newer one (issued %s)",
			uri, old.name, stamp(old.iat), l.name, stamp(l.iat)))
	}
	s.status[uri] = l
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.UTC().Format(time.RFC3339)
}

// LoadStatus adds a status list: an IETF Token Status List token
// (statuslist+jwt) or a W3C Bitstring Status List credential (vc+jwt),
// matched later by its URI. Of two lists for one URI the one issued later
// (iat; validFrom for a Bitstring list) is kept, in whatever order they are
// loaded, and [Store.Notes] says which was ignored. Its signature is checked when a credential
// refers to it, against that credential's own issuer: a list speaks only for
// the issuer that signed it.
func (s *Store) LoadStatus(name string, data []byte) error {
	text := strings.TrimSpace(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	j, err := jose.Parse(text)
	if err != nil {
		return &FileError{Name: name, Problem: "not a signed status list: " + err.Error()}
	}
	l := &statusList{name: name}
	switch j.Header.Typ {
	case status.TokenType:
		if l.token, err = status.ParseToken(text); err != nil {
			return &FileError{Name: name, Problem: err.Error()}
		}
		l.iat = l.token.IssuedAt
		s.op(nil, func() { s.addStatus(l.token.URI, l) })
	default:
		if l.bitstr, err = status.ParseBitstringCredential(text); err != nil {
			return &FileError{Name: name, Problem: "neither a Token Status List (statuslist+jwt) nor a Bitstring Status List credential: " + err.Error()}
		}
		l.iat = l.bitstr.ValidFrom
		s.op(nil, func() { s.addStatus(l.bitstr.ID, l) })
	}
	return nil
}

// IssuerStatus answers status lookups for the credentials of one issuer.
type IssuerStatus struct {
	store *Store
	iss   string
	now   time.Time
	// Stale lists the status lists used past their exp: still used (an
	// offline verifier keeps working) but reported.
	Stale []string
}

// StatusFor returns the status source for credentials of issuer iss.
func (s *Store) StatusFor(iss string, now time.Time) *IssuerStatus {
	return &IssuerStatus{store: s, iss: iss, now: now}
}

// Status implements sdjwt.StatusSource.
func (is *IssuerStatus) Status(uri string, idx int) (uint8, error) {
	l := is.store.status[uri]
	if l == nil {
		return 0, &sdjwt.StatusUnavailableError{URI: uri}
	}
	if l.list != nil {
		if l.iss != is.iss {
			return 0, &sdjwt.StatusUnavailableError{URI: uri, Err: fmt.Errorf("the bundle lists it for issuer %q, not %q", l.iss, is.iss)}
		}
		if !l.exp.IsZero() && is.now.After(l.exp) {
			is.Stale = append(is.Stale, uri)
		}
		return l.list.Get(idx)
	}
	var kid string
	var verify func(*jose.Key) error
	switch {
	case l.token != nil:
		kid, verify = l.token.KID, l.token.Verify
	default:
		kid, verify = l.bitstr.KID, l.bitstr.Verify
	}
	key, err := is.store.ResolveKey(is.iss, kid)
	if err != nil {
		// A registry that hosts the issuer also signs its lists.
		if rk := is.store.registryKey(is.iss, uri, kid); rk != nil {
			key, err = rk, nil
		}
	}
	if err != nil {
		return 0, &sdjwt.StatusUnavailableError{URI: uri, Err: fmt.Errorf("not signed by a key of the credential's issuer nor of a registry hosting it: %w", err)}
	}
	if id := is.iss + " " + kid; !l.verified[id] {
		if err := verify(key); err != nil {
			return 0, &sdjwt.StatusUnavailableError{URI: uri, Err: err}
		}
		if l.verified == nil {
			l.verified = map[string]bool{}
		}
		l.verified[id] = true
	}
	if l.token != nil {
		if l.token.Expired(is.now) {
			is.Stale = append(is.Stale, uri)
		}
		return l.token.Status(idx)
	}
	return l.bitstr.Status(idx)
}

// ResolveKey implements sdjwt.KeyResolver: an issuer's key by (iss, kid).
func (s *Store) ResolveKey(iss, kid string) (*jose.Key, error) {
	i := s.issuers[iss]
	if i == nil {
		return nil, &UnknownIssuerError{Iss: iss}
	}
	if err := i.badKeys[kid]; err != nil {
		return nil, &BadKeyError{Iss: iss, KID: kid, Err: err}
	}
	ik := i.keys[kid]
	if ik == nil {
		return nil, &UnknownKeyError{Iss: iss, KID: kid}
	}
	return ik.Key, nil
}

// registryKey returns the signing key of a registry whose verified bundle
// lists issuer iss, when kid names it and the list's URI is under that
// registry's URL; otherwise nil.
func (s *Store) registryKey(iss, uri, kid string) *jose.Key {
	for _, b := range s.bundles {
		k := b.policy.RegistryKey
		if k.KID() != kid || b.bundle.Registry == "" || !strings.HasPrefix(uri, strings.TrimSuffix(b.bundle.Registry, "/")+"/") {
			continue
		}
		for _, bi := range b.bundle.Issuers {
			if bi.ID == iss {
				return k
			}
		}
	}
	return nil
}

package registry

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// IssuerRequest is the body of POST /v1/admin/issuers.
type IssuerRequest struct {
	ID         string          `json:"id"` // the slug
	Iss        string          `json:"iss,omitempty"`
	Name       string          `json:"name"`
	Country    string          `json:"country,omitempty"`
	JWKS       json.RawMessage `json:"jwks"`
	Scope      []string        `json:"scope,omitempty"`
	ValidFrom  time.Time       `json:"validFrom,omitzero"`
	ValidUntil time.Time       `json:"validUntil,omitzero"`
}

// KeyRequest is the body of POST /v1/admin/issuers/<slug>/rotate-key: the new
// keys; the old keys' signing windows end at RetireAt (default now).
type KeyRequest struct {
	JWKS     json.RawMessage `json:"jwks"`
	RetireAt time.Time       `json:"retireAt,omitzero"`
}

// CompromiseRequest is the body of …/compromise.
type CompromiseRequest struct {
	KID string    `json:"kid"`
	At  time.Time `json:"at,omitzero"` // default now
}

// parseKeys reads a JWKS of public ES256 keys, refusing any bad key.
func parseKeys(raw json.RawMessage) ([]*jose.Key, error) {
	if len(raw) == 0 {
		return nil, errf(http.StatusBadRequest, "bad-request", "jwks is required")
	}
	keys, bad, err := jose.ParseJWKS(raw)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "bad-jwks", "%v", err)
	}
	if len(bad) > 0 {
		return nil, errf(http.StatusBadRequest, "bad-jwks", "%v", bad[0])
	}
	if len(keys) == 0 {
		return nil, errf(http.StatusBadRequest, "bad-jwks", "the JWKS has no keys")
	}
	for _, k := range keys {
		if k.KID() != k.Thumbprint() {
			return nil, errf(http.StatusBadRequest, "bad-jwks", "key %q: kid must be the RFC 7638 thumbprint %q", k.KID(), k.Thumbprint())
		}
	}
	return keys, nil
}

// addKeys registers keys for an issuer, refusing one already registered.
func addKeys(tx *bolt.Tx, is *Issuer, keys []*jose.Key, from time.Time) error {
	for _, k := range keys {
		if tx.Bucket(bKeys).Get([]byte(k.KID())) != nil {
			return errf(http.StatusConflict, "key-exists", "key %q is already registered", k.KID())
		}
		if err := tx.Bucket(bKeys).Put([]byte(k.KID()), []byte(is.Slug)); err != nil {
			return err
		}
		is.Keys = append(is.Keys, Key{KID: k.KID(), JWK: k.JWK(), ValidFrom: from})
	}
	return nil
}

func (s *Server) addIssuer(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b IssuerRequest
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	switch {
	case !slugRE.MatchString(b.ID):
		return nil, errf(http.StatusBadRequest, "bad-request", "id %q must be 1 to 63 of a-z, 0-9 and -", b.ID)
	case strings.TrimSpace(b.Name) == "" || len(b.Name) > 200:
		return nil, errf(http.StatusBadRequest, "bad-request", "name %q must be 1 to 200 characters", b.Name)
	case b.Country != "" && !countryRE.MatchString(b.Country):
		return nil, errf(http.StatusBadRequest, "bad-request", "country %q is not an ISO 3166-1 alpha-2 code", b.Country)
	case !b.ValidUntil.IsZero() && !b.ValidUntil.After(b.ValidFrom):
		return nil, errf(http.StatusBadRequest, "bad-request", "validUntil %s is not after validFrom", b.ValidUntil.Format(time.RFC3339))
	}
	if is, err := loadIssuer(tx, b.ID); err != nil || is != nil {
		if err != nil {
			return nil, err
		}
		return nil, errf(http.StatusConflict, "issuer-exists", "issuer %q already exists", b.ID)
	}
	keys, err := parseKeys(b.JWKS)
	if err != nil {
		return nil, err
	}
	if b.Iss == "" {
		b.Iss = s.IssuerURL(b.ID)
	} else if !strings.HasPrefix(b.Iss, "https://") {
		return nil, errf(http.StatusBadRequest, "bad-request", "iss %q must be an https URL", b.Iss)
	}
	if len(b.Scope) == 0 {
		b.Scope = []string{"immunization"}
	}
	if err := tx.Bucket(bIssuers).ForEach(func(_, v []byte) error {
		var o Issuer
		if json.Unmarshal(v, &o) == nil && o.ID == b.Iss {
			return errf(http.StatusConflict, "issuer-exists", "iss %q is already accredited as %q", b.Iss, o.Slug)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	now := s.now()
	is := &Issuer{Slug: b.ID, ID: b.Iss, Name: b.Name, Country: b.Country, Scope: b.Scope,
		ValidFrom: b.ValidFrom.UTC(), ValidUntil: b.ValidUntil.UTC(), Version: 1, Updated: now}
	if err := addKeys(tx, is, keys, now); err != nil {
		return nil, err
	}
	return s.saveIssuer(r.Context(), tx, is)
}

func (s *Server) changeIssuer(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	slug, action := r.PathValue("slug"), r.PathValue("action")
	is, err := loadIssuer(tx, slug)
	if err != nil {
		return nil, err
	}
	if is == nil {
		return nil, errf(http.StatusNotFound, "unknown-issuer", "no issuer %q", slug)
	}
	now := s.now()
	switch action {
	case "rotate-key":
		var b KeyRequest
		if err := decodeBody(c.req.Body, &b); err != nil {
			return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
		}
		keys, err := parseKeys(b.JWKS)
		if err != nil {
			return nil, err
		}
		retire := b.RetireAt.UTC()
		if retire.IsZero() {
			retire = now
		}
		for i := range is.Keys {
			if is.Keys[i].ValidUntil.IsZero() || is.Keys[i].ValidUntil.After(retire) {
				is.Keys[i].ValidUntil = retire
			}
		}
		if err := addKeys(tx, is, keys, now); err != nil {
			return nil, err
		}
	case "suspend", "reinstate":
		if err := decodeBody(c.req.Body, &struct{}{}); err != nil {
			return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
		}
		if (action == "suspend") == is.Suspended {
			return nil, errf(http.StatusConflict, "no-change", "issuer %q is already %s", slug, map[bool]string{true: "suspended", false: "active"}[is.Suspended])
		}
		is.Suspended = action == "suspend"
		is.SuspendedAt = time.Time{}
		if is.Suspended {
			is.SuspendedAt = now
		}
	case "compromise":
		var b CompromiseRequest
		if err := decodeBody(c.req.Body, &b); err != nil {
			return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
		}
		at := b.At.UTC()
		if at.IsZero() || at.After(now) {
			at = now
		}
		var k *Key
		for i := range is.Keys {
			if is.Keys[i].KID == b.KID {
				k = &is.Keys[i]
			}
		}
		if k == nil {
			return nil, errf(http.StatusNotFound, "unknown-key", "issuer %q has no key %q", slug, b.KID)
		}
		if !k.CompromisedAt.IsZero() {
			return nil, errf(http.StatusConflict, "no-change", "key %q is already compromised as of %s", b.KID, k.CompromisedAt.Format(time.RFC3339))
		}
		k.CompromisedAt = at
		k.CompromisedLogSize = compromisedLogSize(tx, at)
	default:
		return nil, errf(http.StatusNotFound, "not-found", "no admin action %q", action)
	}
	is.Version++
	is.Updated = now
	return s.saveIssuer(r.Context(), tx, is)
}

// compromisedLogSize is the size of the latest cosigned checkpoint seen whose
// witness timestamps are all at or before at.
func compromisedLogSize(tx *bolt.Tx, at time.Time) uint64 {
	var size uint64
	_ = tx.Bucket(bCosigned).ForEach(func(k, v []byte) error {
		if len(k) == 8 && len(v) == 8 && int64(binary.BigEndian.Uint64(v)) <= at.Unix() {
			size = max(size, binary.BigEndian.Uint64(k))
		}
		return nil
	})
	return size
}

// saveIssuer stores an issuer, makes a new directory version and anchors
// it in the log, all before the transaction commits.
func (s *Server) saveIssuer(ctx context.Context, tx *bolt.Tx, is *Issuer) (any, error) {
	if err := putJSON(tx.Bucket(bIssuers), []byte(is.Slug), is); err != nil {
		return nil, err
	}
	if _, err := changeState(tx); err != nil {
		return nil, err
	}
	v, err := bump(tx, kDirectory)
	if err != nil {
		return nil, err
	}
	issuers, err := loadIssuers(tx)
	if err != nil {
		return nil, err
	}
	doc := struct {
		Type    string    `json:"type"`
		Version uint64    `json:"version"`
		Issued  time.Time `json:"issued"`
		Issuers []*Issuer `json:"issuers"`
	}{"immunopass-directory", v, s.now(), issuers}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if err := tx.Bucket(bDirectory).Put(u64(v), data); err != nil {
		return nil, err
	}
	d := sha256.Sum256(data)
	idx, err := s.o.Log.Add(ctx, [][32]byte{d})
	if err != nil {
		return nil, fmt.Errorf("anchoring directory version %d: %w", v, err)
	}
	s.log.Info("directory changed", "issuer", is.Slug, "version", v, "anchor", idx[0])
	return map[string]any{"issuer": is, "directoryVersion": v, "directoryAnchor": map[string]any{"digest": fmt.Sprintf("%x", d), "index": idx[0]}}, nil
}

func (s *Server) listIssuers(w http.ResponseWriter, r *http.Request) {
	var out []*Issuer
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = loadIssuers(tx)
		return err
	})
	if err != nil {
		writeError(w, errf(http.StatusInternalServerError, "internal", "%v", err))
		return
	}
	if out == nil {
		out = []*Issuer{}
	}
	writeJSON(w, map[string]any{"issuers": out})
}

// getDirectory serves a directory version's exact bytes (the anchored ones).
func (s *Server) getDirectory(w http.ResponseWriter, r *http.Request) {
	var data []byte
	_ = s.db.View(func(tx *bolt.Tx) error {
		v := getU64(tx.Bucket(bMeta), kDirectory)
		if p := r.PathValue("v"); p != "" {
			n, err := strconv.ParseUint(p, 10, 64)
			if err != nil {
				return nil
			}
			v = n
		}
		data = append([]byte(nil), tx.Bucket(bDirectory).Get(u64(v))...)
		return nil
	})
	if len(data) == 0 {
		writeError(w, errf(http.StatusNotFound, "not-found", "no directory version %q", r.PathValue("v")))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

// getJWKS serves a hosted issuer's keys, as stock SMART Health Cards
// verifiers fetch them from iss + "/.well-known/jwks.json". Compromised keys
// are left out (stock verifiers cannot check anchoring), and a key with a CRL
// carries "crlVersion".
func (s *Server) getJWKS(w http.ResponseWriter, r *http.Request) {
	is, err := s.issuerFor(r.PathValue("slug"))
	if err != nil || is == nil || is.ID != s.IssuerURL(is.Slug) {
		writeError(w, errf(http.StatusNotFound, "unknown-issuer", "no hosted issuer %q", r.PathValue("slug")))
		return
	}
	var keys []*jose.Key
	extra := map[string]map[string]any{}
	for _, k := range is.Keys {
		if !k.CompromisedAt.IsZero() {
			continue
		}
		pk, err := jose.ParseJWK(k.JWK)
		if err != nil {
			continue
		}
		keys = append(keys, pk)
		if crl, _ := s.crl(is.Slug, k.KID); crl != nil {
			extra[k.KID] = map[string]any{"crlVersion": crl.Ctr}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(jose.JWKS(keys, extra))
}

func (s *Server) crl(slug, kid string) (*shc.CRL, error) {
	var data []byte
	_ = s.db.View(func(tx *bolt.Tx) error {
		data = append([]byte(nil), tx.Bucket(bCRLs).Get([]byte(slug+"/"+kid))...)
		return nil
	})
	if len(data) == 0 {
		return nil, nil
	}
	return shc.ParseCRL(data)
}

func (s *Server) getCRL(w http.ResponseWriter, r *http.Request) {
	kid, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	crl, err := s.crl(r.PathValue("slug"), kid)
	if !ok || err != nil || crl == nil {
		writeError(w, errf(http.StatusNotFound, "not-found", "no CRL %q for issuer %q", r.PathValue("file"), r.PathValue("slug")))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(crl.Format())
}

// revokeRIDs adds SMART Health Cards rids to the CRL of one of the caller's
// keys.
func (s *Server) revokeRIDs(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b struct {
		KID  string   `json:"kid"`
		RIDs []string `json:"rids"`
	}
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	if len(b.RIDs) == 0 || len(b.RIDs) > 10000 {
		return nil, errf(http.StatusBadRequest, "bad-request", "rids: %d given, 1 to 10000 allowed", len(b.RIDs))
	}
	owned := false
	for _, k := range c.issuer.Keys {
		owned = owned || k.KID == b.KID
	}
	if !owned {
		return nil, errf(http.StatusForbidden, "not-owner", "key %q is not one of issuer %q's keys", b.KID, c.issuer.Slug)
	}
	k := []byte(c.issuer.Slug + "/" + b.KID)
	crl := &shc.CRL{KID: b.KID, Method: "rid"}
	if data := tx.Bucket(bCRLs).Get(k); data != nil {
		var err error
		if crl, err = shc.ParseCRL(data); err != nil {
			return nil, err
		}
	}
	have := map[string]bool{}
	for _, rid := range crl.RIDs {
		have[rid] = true
	}
	added := 0
	for _, rid := range b.RIDs {
		if !have[rid] {
			have[rid] = true
			crl.RIDs = append(crl.RIDs, rid)
			added++
		}
	}
	if added == 0 && crl.Ctr > 0 {
		return map[string]any{"ctr": crl.Ctr}, nil
	}
	crl.Ctr++
	next, err := shc.ParseCRL(crl.Format()) // checks every rid
	if err != nil {
		return nil, errf(http.StatusBadRequest, "bad-rid", "%v", err)
	}
	if err := tx.Bucket(bCRLs).Put(k, next.Format()); err != nil {
		return nil, err
	}
	if _, err := changeState(tx); err != nil {
		return nil, err
	}
	return map[string]any{"ctr": next.Ctr}, nil
}

// AdvisoryRequest is the body of POST /v1/admin/advisories.
type AdvisoryRequest struct {
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	Region   string    `json:"region,omitempty"`
	Severity string    `json:"severity,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
}

func (s *Server) postAdvisory(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b AdvisoryRequest
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	now := s.now()
	switch {
	case strings.TrimSpace(b.Title) == "" || len(b.Title) > 200:
		return nil, errf(http.StatusBadRequest, "bad-request", "title %q must be 1 to 200 characters", b.Title)
	case strings.TrimSpace(b.Body) == "" || len(b.Body) > 4000:
		return nil, errf(http.StatusBadRequest, "bad-request", "body must be 1 to 4000 characters")
	case b.Severity != "" && b.Severity != "info" && b.Severity != "warning" && b.Severity != "alert":
		return nil, errf(http.StatusBadRequest, "bad-request", "severity %q is not info, warning or alert", b.Severity)
	case !b.Expires.IsZero() && !b.Expires.After(now):
		return nil, errf(http.StatusBadRequest, "bad-request", "expires %s is in the past", b.Expires.Format(time.RFC3339))
	}
	a := trust.Advisory{ID: randomID(), Title: b.Title, Body: b.Body, Region: b.Region, Severity: b.Severity,
		Issued: now.Truncate(time.Second), Expires: b.Expires.UTC()}
	if err := putJSON(tx.Bucket(bAdvisories), []byte(a.ID), a); err != nil {
		return nil, err
	}
	if _, err := changeState(tx); err != nil {
		return nil, err
	}
	return map[string]any{"advisory": a}, nil
}

func (s *Server) advisories(tx *bolt.Tx, now time.Time) []trust.Advisory {
	out := []trust.Advisory{}
	_ = tx.Bucket(bAdvisories).ForEach(func(_, v []byte) error {
		var a trust.Advisory
		if json.Unmarshal(v, &a) == nil && (a.Expires.IsZero() || a.Expires.After(now)) {
			out = append(out, a)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Issued.After(out[j].Issued) })
	return out
}

func (s *Server) getAdvisories(w http.ResponseWriter, r *http.Request) {
	var out []trust.Advisory
	_ = s.db.View(func(tx *bolt.Tx) error { out = s.advisories(tx, s.now()); return nil })
	writeJSON(w, map[string]any{"advisories": out})
}

package registry

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vc"
)

// Foreign issuers from a trust file in the VCI snapshot form
// ({"directory","time","issuerInfo":[{"issuer":{"iss","name"},"keys":[JWK…],
// "crls":[…]}]}): DIVOC issuers with their RSA and Ed25519 keys (kid = the
// verificationMethod id their certificates name), DID issuers of W3C VCs
// (did:key: the key is the DID's own, the entry only accredits it; did:web
// and other methods: their keys, kid = the verification method's fragment
// or DID URL), and SMART Health Cards issuers (P-256, with their CRLs). The
// registry carries them in its signed bundle beside the issuers it
// accredits itself, so a verifier holding only the bundle verifies their
// credentials. No DID is ever resolved.

// SnapshotRequest is the body of POST /v1/admin/snapshots.
type SnapshotRequest struct {
	Name     string          `json:"name"` // the file's name, the record's key when the snapshot names no directory
	Snapshot json.RawMessage `json:"snapshot"`
}

// SnapshotRecord is what the registry keeps of an imported snapshot: its
// issuers, as the bundle carries them.
type SnapshotRecord struct {
	Directory string               `json:"directory"`
	Time      time.Time            `json:"time,omitzero"` // the snapshot's own time, if it gives one
	Imported  time.Time            `json:"imported"`
	Issuers   []trust.BundleIssuer `json:"issuers"`
	Skipped   []string             `json:"skipped,omitempty"` // entries left out, with why
}

var bSnapshots = []byte("snapshots")

// Bounds of one imported snapshot.
const (
	maxSnapshotIssuers = 2000
	maxIssuerKeys      = 32
)

// ImportSnapshot reads a trust file in the VCI snapshot form and returns
// the record of the issuers the bundle can carry. An issuer entry that is
// not usable (an iss that is neither an https URL nor a DID, no name, a
// did:web without keys, a key that is none of P-256, RSA ≥ 2048 bits and
// Ed25519, or one without a kid) is skipped with the reason; a file that is
// not such a snapshot, or that holds private key material anywhere, is an
// error and nothing of it is imported.
func ImportSnapshot(name string, data []byte, now time.Time) (*SnapshotRecord, error) {
	var snap struct {
		Directory  string            `json:"directory"`
		Time       string            `json:"time"`
		IssuerInfo []json.RawMessage `json:"issuerInfo"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, fmt.Errorf("not a VCI snapshot trust file: %v", err)
	}
	if snap.IssuerInfo == nil {
		return nil, errors.New(`not a VCI snapshot trust file: no "issuerInfo"`)
	}
	if len(snap.IssuerInfo) > maxSnapshotIssuers {
		return nil, fmt.Errorf("%d issuers, more than the %d one import takes", len(snap.IssuerInfo), maxSnapshotIssuers)
	}
	rec := &SnapshotRecord{Directory: firstNonEmpty(snap.Directory, name), Imported: now.UTC().Truncate(time.Second), Issuers: []trust.BundleIssuer{}}
	if rec.Directory == "" {
		return nil, errors.New(`the snapshot names no "directory" and no file name was given`)
	}
	if snap.Time != "" {
		t, err := time.Parse(time.RFC3339, snap.Time)
		if err != nil {
			return nil, fmt.Errorf("time %q is not an RFC 3339 time", snap.Time)
		}
		rec.Time = t.UTC()
	}
	byID := map[string]int{}
	for n, raw := range snap.IssuerInfo {
		var e struct {
			Issuer struct {
				Iss  string `json:"iss"`
				Name string `json:"name"`
			} `json:"issuer"`
			Keys []json.RawMessage `json:"keys"`
			CRLs []json.RawMessage `json:"crls"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("issuerInfo[%d]: %v", n, err)
		}
		for k, key := range e.Keys {
			if hasPrivate(key) {
				return nil, fmt.Errorf("issuerInfo[%d].keys[%d] (issuer %q) holds private key material: a trust file must hold public keys only; nothing imported", n, k, e.Issuer.Iss)
			}
		}
		where := fmt.Sprintf("issuerInfo[%d] %q", n, e.Issuer.Iss)
		bi, problem := snapshotIssuer(e.Issuer.Iss, e.Issuer.Name, e.Keys, e.CRLs)
		if problem != "" {
			rec.Skipped = append(rec.Skipped, where+": "+problem)
			continue
		}
		if i, dup := byID[bi.ID]; dup {
			// One issuer listed twice: its keys together.
			rec.Issuers[i].Keys = append(rec.Issuers[i].Keys, bi.Keys...)
			rec.Issuers[i].CRLs = append(rec.Issuers[i].CRLs, bi.CRLs...)
			continue
		}
		byID[bi.ID] = len(rec.Issuers)
		rec.Issuers = append(rec.Issuers, bi)
	}
	if len(rec.Issuers) == 0 {
		return nil, fmt.Errorf("no usable issuer in the snapshot (%s)", strings.Join(rec.Skipped, "; "))
	}
	return rec, nil
}

// hasPrivate reports a JWK with a private member.
func hasPrivate(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if _, ok := m[p]; ok {
			return true
		}
	}
	return false
}

// snapshotIssuer checks one issuer entry; problem says why it is skipped.
func snapshotIssuer(iss, name string, keys, crls []json.RawMessage) (bi trust.BundleIssuer, problem string) {
	switch {
	case strings.TrimSpace(name) == "" || len(name) > 200:
		return bi, fmt.Sprintf("name %q must be 1 to 200 characters", name)
	case len(iss) > 500:
		return bi, "iss longer than 500 characters"
	case strings.HasPrefix(iss, "did:key:"):
		if _, err := vc.DIKey(iss); err != nil {
			return bi, err.Error()
		}
	case strings.HasPrefix(iss, "did:"):
		if len(keys) == 0 {
			return bi, "a DID issuer other than did:key needs its keys in the trust file (DIDs are never resolved)"
		}
	case !strings.HasPrefix(iss, "https://"):
		return bi, "iss must be an https URL or a DID"
	}
	if len(keys) > maxIssuerKeys {
		return bi, fmt.Sprintf("%d keys, more than %d", len(keys), maxIssuerKeys)
	}
	if len(keys) == 0 && !strings.HasPrefix(iss, "did:key:") {
		return bi, "no keys"
	}
	bi = trust.BundleIssuer{ID: iss, Name: name, Scope: []string{trust.Scope}, Keys: []trust.BundleKey{}}
	kids := map[string]bool{}
	for k, raw := range keys {
		kid, err := checkJWK(raw)
		if err != nil {
			return trust.BundleIssuer{}, fmt.Sprintf("keys[%d]: %v", k, err)
		}
		if kids[kid] {
			return trust.BundleIssuer{}, fmt.Sprintf("keys[%d]: kid %q twice", k, kid)
		}
		kids[kid] = true
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return trust.BundleIssuer{}, fmt.Sprintf("keys[%d]: %v", k, err)
		}
		bi.Keys = append(bi.Keys, trust.BundleKey{JWK: compact.Bytes()})
	}
	for c, raw := range crls {
		if _, err := shc.ParseCRL(raw); err != nil {
			return trust.BundleIssuer{}, fmt.Sprintf("crls[%d]: %v", c, err)
		}
		var compact bytes.Buffer
		_ = json.Compact(&compact, raw)
		bi.CRLs = append(bi.CRLs, compact.Bytes())
	}
	return bi, ""
}

// checkJWK accepts a public P-256 (ES256), RSA of at least 2048 bits or
// Ed25519 JWK with a kid, and returns the kid.
func checkJWK(raw json.RawMessage) (string, error) {
	var j struct {
		Kty, Crv, Kid, N, E, X string
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return "", err
	}
	if j.Kid == "" {
		return "", errors.New("no kid (for DIVOC: the verificationMethod id its certificates name)")
	}
	b64 := base64.RawURLEncoding.DecodeString
	switch {
	case j.Kty == "EC":
		if _, err := jose.ParseJWK(raw); err != nil {
			return "", err
		}
	case j.Kty == "RSA":
		n, err1 := b64(j.N)
		e, err2 := b64(j.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return "", fmt.Errorf("RSA key %q: n or e is not base64url", j.Kid)
		}
		if bits := new(big.Int).SetBytes(n).BitLen(); bits < 2048 {
			return "", fmt.Errorf("RSA key %q of %d bits: at least 2048 wanted", j.Kid, bits)
		}
		if ev := new(big.Int).SetBytes(e).Int64(); ev < 3 || ev%2 == 0 {
			return "", fmt.Errorf("RSA key %q: exponent %d", j.Kid, ev)
		}
	case j.Kty == "OKP" && j.Crv == "Ed25519":
		if x, err := b64(j.X); err != nil || len(x) != ed25519.PublicKeySize {
			return "", fmt.Errorf("Ed25519 key %q: x is not a 32-byte base64url key", j.Kid)
		}
	default:
		return "", fmt.Errorf("key %q of type %s %s: only P-256, RSA and Ed25519 keys verify credentials here", j.Kid, j.Kty, j.Crv)
	}
	return j.Kid, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// importSnapshot serves POST /v1/admin/snapshots. A snapshot replaces the
// earlier import of the same directory (issuers it no longer lists leave
// the bundle), unless it is older than that import: a replayed old
// snapshot cannot bring back a withdrawn key. Issuers the registry
// accredits itself are skipped: their keys come from their accreditation.
func (s *Server) importSnapshot(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
	var b SnapshotRequest
	if err := decodeBody(c.req.Body, &b); err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
	}
	rec, err := ImportSnapshot(b.Name, b.Snapshot, s.now())
	if err != nil {
		return nil, errf(http.StatusBadRequest, "bad-snapshot", "%v", err)
	}
	own, err := loadIssuers(tx)
	if err != nil {
		return nil, err
	}
	accredited := map[string]string{}
	for _, is := range own {
		accredited[is.ID] = is.Slug
	}
	kept := rec.Issuers[:0]
	for _, bi := range rec.Issuers {
		if slug, ok := accredited[bi.ID]; ok {
			rec.Skipped = append(rec.Skipped, fmt.Sprintf("%q: accredited here as %q; its keys come from that accreditation", bi.ID, slug))
			continue
		}
		kept = append(kept, bi)
	}
	rec.Issuers = kept
	bk, err := tx.CreateBucketIfNotExists(bSnapshots)
	if err != nil {
		return nil, err
	}
	var old SnapshotRecord
	if ok, err := getJSON(bk, []byte(rec.Directory), &old); err != nil {
		return nil, err
	} else if ok && !rec.Time.IsZero() && rec.Time.Before(old.Time) {
		return nil, errf(http.StatusConflict, "older-snapshot", "snapshot %q of %s is older than the one imported (of %s)",
			rec.Directory, rec.Time.Format(time.RFC3339), old.Time.Format(time.RFC3339))
	}
	if err := putJSON(bk, []byte(rec.Directory), rec); err != nil {
		return nil, err
	}
	if _, err := changeState(tx); err != nil {
		return nil, err
	}
	ids := make([]string, len(rec.Issuers))
	for i, bi := range rec.Issuers {
		ids[i] = bi.ID
	}
	return map[string]any{"snapshot": map[string]any{"directory": rec.Directory, "issuers": ids, "skipped": rec.Skipped}}, nil
}

// withSnapshotIssuers appends to the bundle's issuers those of the
// imported snapshots.
func withSnapshotIssuers(tx *bolt.Tx, issuers []trust.BundleIssuer) ([]trust.BundleIssuer, error) {
	held := map[string]bool{}
	for _, bi := range issuers {
		held[bi.ID] = true
	}
	more, err := snapshotIssuers(tx, held)
	return append(issuers, more...), err
}

// snapshotIssuers returns the issuers of every imported snapshot for the
// bundle, one entry per issuer (keys of one issuer in two snapshots
// together), leaving out any the registry now accredits itself (held, by
// iss): the bundle has one entry per issuer.
func snapshotIssuers(tx *bolt.Tx, held map[string]bool) ([]trust.BundleIssuer, error) {
	bk := tx.Bucket(bSnapshots)
	if bk == nil {
		return nil, nil
	}
	var out []trust.BundleIssuer
	at := map[string]int{}
	err := bk.ForEach(func(_, v []byte) error {
		var rec SnapshotRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		for _, bi := range rec.Issuers {
			if held[bi.ID] {
				continue
			}
			if i, ok := at[bi.ID]; ok {
				out[i].Keys = append(out[i].Keys, bi.Keys...)
				out[i].CRLs = append(out[i].CRLs, bi.CRLs...)
				continue
			}
			at[bi.ID] = len(out)
			out = append(out, bi)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

package issuer

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
)

// Registry is a client of the registry's HTTP API for one accredited issuer.
// Every write is a compact JWS signed with the issuer's key (header kid = the
// key's RFC 7638 thumbprint) over {iss, iat, nonce, htm, htu, body}, sent as
// application/jose; a fresh iat and nonce are drawn for every attempt, so a
// retried request is never a replay.
type Registry struct {
	Base   *url.URL         // e.g. http://127.0.0.1:8620
	Key    *jose.PrivateKey // the issuer's registered signing key
	Issuer string           // the issuer's iss URL
	HTTP   *http.Client     // default: a client with a 30 s timeout
	Now    func() time.Time // default time.Now

	noTiles   atomic.Bool // the registry serves no log tiles: proofs one by one
	tilesOnce sync.Once
	tiles     *tileCache
	tilesErr  error
}

// NewRegistry checks the base URL and returns a client.
func NewRegistry(base string, key *jose.PrivateKey, iss string) (*Registry, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("registry URL %q: want http(s)://host[:port][/path]", base)
	}
	if key == nil {
		return nil, errors.New("registry client: no signing key")
	}
	if iss == "" {
		return nil, errors.New("registry client: no issuer URL (iss)")
	}
	// Flush fetches proofWorkers proofs at once: keep that many
	// connections open (the default transport keeps 2 per host and
	// reconnects for every other request).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = proofWorkers + 4
	return &Registry{Base: u, Key: key, Issuer: iss, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: tr}, Now: time.Now}, nil
}

// RegistryError is a request the registry answered with an error, or one that
// did not reach it. Temporary reports whether retrying may help: network
// errors, 408, 429, 5xx, and 401 replay (a clock or nonce race).
type RegistryError struct {
	Op      string // "anchor", "proof", "allocate", …
	URL     string
	Status  int    // 0: no answer (network error)
	Code    string // the body's "error"
	Message string // the body's "message", or the network error
}

func (e *RegistryError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("registry %s: %s unreachable: %s", e.Op, e.URL, e.Message)
	}
	msg := e.Message
	if e.Code != "" && msg != "" {
		msg = e.Code + ": " + msg
	} else if e.Code != "" {
		msg = e.Code
	}
	return fmt.Sprintf("registry %s: %s answered %d %s: %s", e.Op, e.URL, e.Status, http.StatusText(e.Status), msg)
}

// Temporary reports whether the same request may succeed later.
func (e *RegistryError) Temporary() bool {
	switch {
	case e.Status == 0, e.Status == http.StatusRequestTimeout, e.Status == http.StatusTooManyRequests, e.Status >= 500:
		return true
	case e.Status == http.StatusUnauthorized && e.Code == "replay":
		return true
	}
	return false
}

// IsTemporary reports whether err is a registry error worth retrying.
func IsTemporary(err error) bool {
	var re *RegistryError
	if errors.As(err, &re) {
		return re.Temporary()
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}

// ErrNotIntegrated is Proof's answer while the log has sequenced a digest
// but not yet integrated it under a cosigned checkpoint (HTTP 202).
var ErrNotIntegrated = errors.New("anchored but not yet integrated into a cosigned checkpoint")

// ErrUnknownDigest is Proof's answer for a digest the log has never seen (404).
var ErrUnknownDigest = errors.New("the registry's log does not hold this digest")

func (r *Registry) url(path string) string { return r.Base.String() + path }

func (r *Registry) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Registry) client() *http.Client {
	if r.HTTP != nil {
		return r.HTTP
	}
	return http.DefaultClient
}

// signRequest returns the compact JWS for a POST of body to path.
func (r *Registry) signRequest(path string, body any) (string, error) {
	nonce := make([]byte, 18)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	payload, err := json.Marshal(struct {
		Iss   string `json:"iss"`
		Iat   int64  `json:"iat"`
		Nonce string `json:"nonce"`
		Htm   string `json:"htm"`
		Htu   string `json:"htu"`
		Body  any    `json:"body"`
	}{r.Issuer, r.now().Unix(), base64.RawURLEncoding.EncodeToString(nonce), http.MethodPost, r.Base.Path + path, body})
	if err != nil {
		return "", err
	}
	return r.Key.Sign(jose.Header{Alg: jose.Alg, Kid: r.Key.Public().Thumbprint()}, payload)
}

// post sends a signed write and decodes a 200 answer into out (if not nil).
func (r *Registry) post(ctx context.Context, op, path string, body, out any) error {
	jws, err := r.signRequest(path, body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url(path), strings.NewReader(jws))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/jose")
	req.Header.Set("Accept", "application/json")
	status, data, err := r.do(req, op)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return answerError(op, req.URL.String(), status, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &RegistryError{Op: op, URL: req.URL.String(), Status: status, Code: "bad-answer", Message: fmt.Sprintf("not the JSON the API defines: %v", err)}
	}
	return nil
}

// do runs a request and reads at most 4 MB of the answer.
func (r *Registry) do(req *http.Request, op string) (int, []byte, error) {
	resp, err := r.client().Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return 0, nil, fmt.Errorf("registry %s: %w", op, ctxErr)
		}
		return 0, nil, &RegistryError{Op: op, URL: req.URL.String(), Message: shortNetError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, &RegistryError{Op: op, URL: req.URL.String(), Message: "reading the answer: " + shortNetError(err)}
	}
	return resp.StatusCode, data, nil
}

// shortNetError drops the "Post \"url\": " prefix the URL error repeats.
func shortNetError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func answerError(op, u string, status int, data []byte) error {
	e := &RegistryError{Op: op, URL: u, Status: status}
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &body) == nil && (body.Error != "" || body.Message != "") {
		e.Code, e.Message = body.Error, body.Message
	} else {
		e.Message = fmt.Sprintf("%q", truncate(string(data), 200))
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Anchor posts a batch of digests to the log and returns each one's index.
// It is idempotent: the registry answers a digest it already holds with the
// index it gave it before. An answer that misses a digest is an error.
func (r *Registry) Anchor(ctx context.Context, digests [][32]byte) (map[[32]byte]uint64, error) {
	body := struct {
		Digests []string `json:"digests"`
	}{Digests: make([]string, len(digests))}
	for i, d := range digests {
		body.Digests[i] = hex.EncodeToString(d[:])
	}
	var out struct {
		Anchors []struct {
			Digest string  `json:"digest"`
			Index  *uint64 `json:"index"`
		} `json:"anchors"`
	}
	if err := r.post(ctx, "anchor", "/v1/anchors", body, &out); err != nil {
		return nil, err
	}
	got := make(map[[32]byte]uint64, len(out.Anchors))
	for _, a := range out.Anchors {
		d, err := ParseDigest(a.Digest)
		if err != nil || a.Index == nil {
			return nil, &RegistryError{Op: "anchor", URL: r.url("/v1/anchors"), Status: http.StatusOK, Code: "bad-answer", Message: fmt.Sprintf("anchor entry %q without a valid digest and index", a.Digest)}
		}
		got[d] = *a.Index
	}
	for _, d := range digests {
		if _, ok := got[d]; !ok {
			return nil, &RegistryError{Op: "anchor", URL: r.url("/v1/anchors"), Status: http.StatusOK, Code: "bad-answer", Message: fmt.Sprintf("no index for digest %x", d)}
		}
	}
	return got, nil
}

// Proof fetches the inclusion proof of an anchored digest (C2SP tlog-proof
// text). It returns ErrNotIntegrated (202) or ErrUnknownDigest (404) as such.
func (r *Registry) Proof(ctx context.Context, digest [32]byte) ([]byte, error) {
	u := r.url("/v1/proof/" + hex.EncodeToString(digest[:]))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	status, data, err := r.do(req, "proof")
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusOK:
		return data, nil
	case status == http.StatusAccepted:
		return nil, ErrNotIntegrated
	case status == http.StatusNotFound:
		return nil, fmt.Errorf("%w (%x)", ErrUnknownDigest, digest)
	}
	return nil, answerError("proof", u, status, data)
}

// StatusEntry is a status list entry the registry allocated to this issuer.
type StatusEntry struct {
	URI string `json:"uri"`
	Idx int    `json:"idx"`
}

// AllocateStatus asks for n random status list indexes owned by the issuer.
func (r *Registry) AllocateStatus(ctx context.Context, n int) ([]StatusEntry, error) {
	var out struct {
		Entries []StatusEntry `json:"entries"`
	}
	if err := r.post(ctx, "status allocate", "/v1/status/allocate", map[string]int{"count": n}, &out); err != nil {
		return nil, err
	}
	if len(out.Entries) != n {
		return nil, &RegistryError{Op: "status allocate", URL: r.url("/v1/status/allocate"), Status: http.StatusOK, Code: "bad-answer", Message: fmt.Sprintf("asked for %d entries, got %d", n, len(out.Entries))}
	}
	for _, e := range out.Entries {
		if e.URI == "" || e.Idx < 0 {
			return nil, &RegistryError{Op: "status allocate", URL: r.url("/v1/status/allocate"), Status: http.StatusOK, Code: "bad-answer", Message: fmt.Sprintf("bad entry %+v", e)}
		}
	}
	return out.Entries, nil
}

// Status values of UpdateStatus.
const (
	StatusValid     = "valid"
	StatusRevoked   = "revoked"
	StatusSuspended = "suspended"
)

// UpdateStatus sets one status list entry the issuer owns.
func (r *Registry) UpdateStatus(ctx context.Context, e StatusEntry, status string) error {
	return r.post(ctx, "status update", "/v1/status/update", struct {
		URI    string `json:"uri"`
		Idx    int    `json:"idx"`
		Status string `json:"status"`
	}{e.URI, e.Idx, status}, nil)
}

// RevokeRIDs adds SMART Health Cards revocation ids ("rid" or
// "rid.timestamp") to the CRL the registry publishes for the key kid.
func (r *Registry) RevokeRIDs(ctx context.Context, kid string, rids []string) error {
	return r.post(ctx, "crl revoke", "/v1/crl/revoke", struct {
		KID  string   `json:"kid"`
		RIDs []string `json:"rids"`
	}{kid, rids}, nil)
}

// ReportStats posts aggregate counts (no personal data).
func (r *Registry) ReportStats(ctx context.Context, counts []StatCount) error {
	return r.post(ctx, "stats", "/v1/stats", struct {
		Counts []StatCount `json:"counts"`
	}{counts}, nil)
}

// ParseDigest reads a lowercase or uppercase hex SHA-256 digest.
func ParseDigest(s string) ([32]byte, error) {
	var d [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return d, fmt.Errorf("digest %q: want 64 hex digits", s)
	}
	copy(d[:], b)
	return d, nil
}

// RegisteredKey is one of this issuer's keys as the registry lists it
// (GET /v1/issuers).
type RegisteredKey struct {
	KID           string    `json:"kid"`
	ValidFrom     time.Time `json:"validFrom,omitzero"`
	ValidUntil    time.Time `json:"validUntil,omitzero"`
	CompromisedAt time.Time `json:"compromisedAt,omitzero"`
}

// ValidAt reports whether the key may sign at t: inside its window and not
// compromised by then.
func (k RegisteredKey) ValidAt(t time.Time) bool {
	return (k.ValidFrom.IsZero() || !t.Before(k.ValidFrom)) && (k.ValidUntil.IsZero() || t.Before(k.ValidUntil)) &&
		(k.CompromisedAt.IsZero() || t.Before(k.CompromisedAt))
}

// IssuerKeys asks the registry's public directory for this issuer's keys
// (none when the registry does not list the issuer).
func (r *Registry) IssuerKeys(ctx context.Context) ([]RegisteredKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url("/v1/issuers"), nil)
	if err != nil {
		return nil, err
	}
	status, data, err := r.do(req, "issuers")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, answerError("issuers", r.url("/v1/issuers"), status, data)
	}
	var out struct {
		Issuers []struct {
			ID   string          `json:"id"`
			Keys []RegisteredKey `json:"keys"`
		} `json:"issuers"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, &RegistryError{Op: "issuers", URL: r.url("/v1/issuers"), Status: status, Code: "bad-answer", Message: err.Error()}
	}
	for _, is := range out.Issuers {
		if is.ID == r.Issuer {
			return is.Keys, nil
		}
	}
	return nil, nil
}

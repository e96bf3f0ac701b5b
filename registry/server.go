package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/boltcheck"
	"github.com/immunopass/immunopass/registry/anchorlog"
)

// Log is the part of registry/anchorlog the server uses.
type Log interface {
	Add(ctx context.Context, digests [][32]byte) ([]uint64, error)
	Proof(ctx context.Context, digest [32]byte) ([]byte, error)
	CosignedCheckpoint(ctx context.Context) ([]byte, error)
	Handler() http.Handler
}

// Options configure a Server.
type Options struct {
	// BaseURL is the registry's public base URL: hosted issuers' iss are
	// BaseURL/issuers/<slug>, status lists BaseURL/v1/status/<slug>/<n>,
	// and the bundle's "registry".
	BaseURL string
	// DB is the path of the bbolt metadata file.
	DB       string
	Key      *jose.PrivateKey // the registry signing key
	AdminKey *jose.Key        // the operator's admin key
	Log      Log
	// Checkpoints verifies cosigned checkpoints (the trust policy's), to read
	// witness timestamps for key compromise.
	Checkpoints *anchor.CheckpointVerifier
	Logger      *slog.Logger
	Now         func() time.Time
	// Metrics receives the server's metrics; nil makes a private registry.
	Metrics *prometheus.Registry
	// ListSize is the number of entries of each status list (default
	// DefaultListSize).
	ListSize int
}

// DefaultListSize is the size of an issuer's status lists: 2^20 entries of
// 2 bits. One list per million credentials keeps the bundle's per-list
// overhead small and the list large enough that an index reveals nothing.
const DefaultListSize = 1 << 20

// Server is the registry: the metadata store and the HTTP API.
type Server struct {
	o       Options
	db      *bolt.DB
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *prometheus.Registry

	requests *prometheus.CounterVec
	refused  *prometheus.CounterVec
	anchors  prometheus.Counter

	bmu    sync.Mutex
	bcache *builtBundle

	stop chan struct{}
	done chan struct{}
}

// Open opens (creating if needed) the metadata store and builds the server.
func Open(o Options) (*Server, error) {
	if o.BaseURL == "" || o.Key == nil || o.AdminKey == nil || o.Log == nil || o.DB == "" {
		return nil, errors.New("registry: BaseURL, DB, Key, AdminKey and Log are required")
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.ListSize == 0 {
		o.ListSize = DefaultListSize
	}
	if o.Metrics == nil {
		o.Metrics = prometheus.NewRegistry()
	}
	db, err := bolt.Open(o.DB, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", o.DB, err)
	}
	if err := boltcheck.Durable(db); err != nil {
		db.Close()
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Server{o: o, db: db, log: o.Logger, metrics: o.Metrics, stop: make(chan struct{}), done: make(chan struct{})}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registry_refused_writes_total", Help: "Signed writes refused, by error code."}, []string{"error"})
	s.anchors = prometheus.NewCounter(prometheus.CounterOpts{Name: "registry_anchors_total", Help: "Digests anchored (including repeats)."})
	for _, c := range []prometheus.Collector{s.requests, s.refused, s.anchors} {
		if err := o.Metrics.Register(c); err != nil {
			db.Close()
			return nil, err
		}
	}
	s.routes()
	go s.watch()
	return s, nil
}

// Close stops background work and closes the store. The log is the caller's.
func (s *Server) Close() error {
	close(s.stop)
	<-s.done
	return s.db.Close()
}

// Handler returns the HTTP API.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) now() time.Time { return s.o.Now().UTC() }

// IssuerURL is the iss of a hosted issuer.
func (s *Server) IssuerURL(slug string) string { return s.o.BaseURL + "/issuers/" + slug }

func (s *Server) listURI(slug string, n int) string {
	return fmt.Sprintf("%s/v1/status/%s/%d", s.o.BaseURL, slug, n)
}

// apiError is an HTTP error with a JSON body.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{status, code, fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": e.Code, "message": e.Message})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// statusWriter records the status code for metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

func (s *Server) handle(pattern, route string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: 200}
		h(sw, r)
		s.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	})
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.handle("GET /healthz", "healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	s.mux.Handle("/log/", s.o.Log.Handler())
	s.handle("GET /v1/bundle", "bundle", s.getBundle)
	s.handle("GET /v1/directory", "directory", s.getDirectory)
	s.handle("GET /v1/directory/{v}", "directory", s.getDirectory)
	s.handle("GET /v1/issuers", "issuers", s.listIssuers)
	s.handle("GET /v1/admin/issuers", "issuers", s.listIssuers)
	s.handle("GET /issuers/{slug}/.well-known/jwks.json", "jwks", s.getJWKS)
	s.handle("GET /issuers/{slug}/.well-known/crl/{file}", "crl", s.getCRL)
	s.handle("GET /v1/status/{slug}/{n}", "status", s.getStatus)
	s.handle("GET /v1/status/{slug}/{n}/w3c", "status-w3c", s.getStatus)
	s.handle("GET /v1/status/{slug}/{n}/w3c/suspension", "status-w3c", s.getStatus)
	s.handle("GET /v1/proof/{digest}", "proof", s.getProof)
	s.handle("GET /v1/stats.csv", "stats", s.getStats)
	s.handle("GET /v1/stats.json", "stats", s.getStats)
	s.handle("GET /v1/advisories", "advisories", s.getAdvisories)
	s.handle("GET /v1/rules", "rules", s.getRules)

	s.handle("POST /v1/anchors", "anchors", s.postAnchors)
	s.handle("POST /v1/status/allocate", "status-allocate", s.signed(scopeIssuer, s.allocate))
	s.handle("POST /v1/status/update", "status-update", s.signed(scopeIssuer, s.updateStatus))
	s.handle("POST /v1/crl/revoke", "crl-revoke", s.signed(scopeIssuer, s.revokeRIDs))
	s.handle("POST /v1/stats", "stats-post", s.signed(scopeIssuer, s.postStats))
	s.handle("POST /v1/admin/issuers", "admin", s.signed(scopeAdmin, s.addIssuer))
	s.handle("POST /v1/admin/rules", "admin", s.signed(scopeAdmin, s.postRules))
	s.handle("POST /v1/admin/issuers/{slug}/{action}", "admin", s.signed(scopeAdmin, s.changeIssuer))
	s.handle("POST /v1/admin/advisories", "admin", s.signed(scopeAdmin, s.postAdvisory))
	s.handle("POST /v1/admin/trustlists", "admin", s.signed(scopeAdmin, s.importTrustList))
	s.handle("POST /v1/admin/snapshots", "admin", s.signed(scopeAdmin, s.importSnapshot))
}

type scope int

const (
	scopeIssuer scope = iota
	scopeAdmin
)

// caller is an authenticated signed request.
type caller struct {
	req    *SignedRequest
	issuer *Issuer // nil for the admin
	key    *Key
}

type writeFunc func(tx *bolt.Tx, r *http.Request, c *caller) (any, error)

// signed wraps a write: authentication, replay protection and the change run
// in one bbolt transaction, so a refused request changes nothing at all.
func (s *Server) signed(sc scope, fn writeFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := s.runSigned(r, sc, fn)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				s.log.Error("write failed", "path", r.URL.Path, "err", err)
				ae = errf(http.StatusInternalServerError, "internal", "the registry could not complete the request")
			}
			s.refused.WithLabelValues(ae.Code).Inc()
			s.log.Info("write refused", "path", r.URL.Path, "status", ae.Status, "error", ae.Code, "message", ae.Message)
			writeError(w, ae)
			return
		}
		writeJSON(w, out)
	}
}

func (s *Server) runSigned(r *http.Request, sc scope, fn writeFunc) (any, error) {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if strings.TrimSpace(ct) != "application/jose" {
		return nil, errf(http.StatusUnauthorized, "unsigned", "writes must be a signed request: a compact JWS with Content-Type application/jose, not %q", ct)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestSize+1))
	if err != nil {
		return nil, errf(http.StatusBadRequest, "bad-request", "reading the body: %v", err)
	}
	if len(body) > MaxRequestSize {
		return nil, errf(http.StatusRequestEntityTooLarge, "too-large", "the body is over %d bytes", MaxRequestSize)
	}
	req, err := ParseSignedRequest(body)
	if err != nil {
		return nil, errf(http.StatusUnauthorized, "bad-signed-request", "%v", err)
	}
	var out any
	now := s.now()
	err = s.db.Update(func(tx *bolt.Tx) error {
		c, err := s.authenticate(tx, r, req, sc, now)
		if err != nil {
			return err
		}
		if out, err = fn(tx, r, c); err != nil {
			return err
		}
		return useNonce(tx, req.Nonce, now)
	})
	return out, err
}

// authenticate checks a parsed request against the store, inside the write
// transaction. Order: key, signature, claims, clock, authority, state, nonce.
func (s *Server) authenticate(tx *bolt.Tx, r *http.Request, req *SignedRequest, sc scope, now time.Time) (*caller, error) {
	c := &caller{req: req}
	var pub *jose.Key
	if req.KID == s.o.AdminKey.Thumbprint() {
		pub = s.o.AdminKey
	} else if slug := tx.Bucket(bKeys).Get([]byte(req.KID)); slug != nil {
		is, err := loadIssuer(tx, string(slug))
		if err != nil {
			return nil, err
		}
		if is == nil {
			return nil, errf(http.StatusUnauthorized, "unknown-key", "key %q is not registered", req.KID)
		}
		c.issuer = is
		for i := range is.Keys {
			if is.Keys[i].KID == req.KID {
				c.key = &is.Keys[i]
			}
		}
		if c.key == nil {
			return nil, errf(http.StatusUnauthorized, "unknown-key", "key %q is not registered", req.KID)
		}
		if pub, err = jose.ParseJWK(c.key.JWK); err != nil {
			return nil, err
		}
	} else {
		return nil, errf(http.StatusUnauthorized, "unknown-key", "key %q is not registered", req.KID)
	}
	if err := req.JWS.Verify(pub); err != nil {
		return nil, errf(http.StatusUnauthorized, "bad-signature", "the request signature does not verify with key %q", req.KID)
	}
	wantIss := AdminIss
	if c.issuer != nil {
		wantIss = c.issuer.ID
	}
	if req.Iss != wantIss {
		return nil, errf(http.StatusUnauthorized, "wrong-iss", "key %q belongs to %q, the request says %q", req.KID, wantIss, req.Iss)
	}
	if req.Method != r.Method || req.Path != r.URL.Path {
		return nil, errf(http.StatusUnauthorized, "wrong-target", "the request was signed for %s %q, not %s %q", req.Method, req.Path, r.Method, r.URL.Path)
	}
	if d := now.Sub(req.Iat); d > Skew || d < -Skew {
		return nil, errf(http.StatusUnauthorized, "replay", "iat %s is %s away from the registry's clock (%s allowed)", req.Iat.UTC().Format(time.RFC3339), d.Round(time.Second), Skew)
	}
	if seenNonce(tx, req.Nonce, now) {
		return nil, errf(http.StatusUnauthorized, "replay", "nonce %q was already used", req.Nonce)
	}
	switch {
	case sc == scopeAdmin && c.issuer != nil:
		return nil, errf(http.StatusForbidden, "forbidden", "%s needs the admin key", r.URL.Path)
	case sc == scopeIssuer && c.issuer == nil:
		return nil, errf(http.StatusForbidden, "forbidden", "%s is for accredited issuers, not the admin", r.URL.Path)
	}
	if c.issuer != nil {
		if !c.key.CompromisedAt.IsZero() {
			return nil, errf(http.StatusUnauthorized, "key-compromised", "key %q was reported compromised at %s", req.KID, c.key.CompromisedAt.Format(time.RFC3339))
		}
		if c.issuer.Suspended {
			return nil, errf(http.StatusForbidden, "suspended", "issuer %q is suspended", c.issuer.Slug)
		}
		if !c.issuer.ValidUntil.IsZero() && now.After(c.issuer.ValidUntil) {
			return nil, errf(http.StatusForbidden, "expired", "issuer %q's accreditation ended at %s", c.issuer.Slug, c.issuer.ValidUntil.Format(time.RFC3339))
		}
	}
	return c, nil
}

// postAnchors authenticates and checks the request in a transaction (that
// also records the nonce), then adds the digests to the log.
func (s *Server) postAnchors(w http.ResponseWriter, r *http.Request) {
	var digests [][32]byte
	var hexes []string
	_, err := s.runSigned(r, scopeIssuer, func(tx *bolt.Tx, r *http.Request, c *caller) (any, error) {
		var b struct {
			Digests []string `json:"digests"`
		}
		if err := decodeBody(c.req.Body, &b); err != nil {
			return nil, errf(http.StatusBadRequest, "bad-request", "%v", err)
		}
		if len(b.Digests) == 0 || len(b.Digests) > 10000 {
			return nil, errf(http.StatusBadRequest, "bad-request", "digests: %d given, 1 to 10000 allowed", len(b.Digests))
		}
		for _, h := range b.Digests {
			d, err := parseDigest(h)
			if err != nil {
				return nil, err
			}
			digests = append(digests, d)
		}
		hexes = b.Digests
		return nil, nil
	})
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = errf(http.StatusInternalServerError, "internal", "the registry could not complete the request")
		}
		s.refused.WithLabelValues(ae.Code).Inc()
		writeError(w, ae)
		return
	}
	idx, err := s.o.Log.Add(r.Context(), digests)
	if err != nil {
		s.log.Error("anchoring failed", "err", err)
		writeError(w, errf(http.StatusServiceUnavailable, "unavailable", "the log could not sequence the digests; retry"))
		return
	}
	s.anchors.Add(float64(len(digests)))
	type anchorOut struct {
		Digest string `json:"digest"`
		Index  uint64 `json:"index"`
	}
	out := make([]anchorOut, len(idx))
	for i := range idx {
		out[i] = anchorOut{hexes[i], idx[i]}
	}
	writeJSON(w, map[string]any{"anchors": out})
}

func parseDigest(h string) ([32]byte, error) {
	var d [32]byte
	if len(h) != 64 || strings.ToLower(h) != h {
		return d, errf(http.StatusBadRequest, "bad-digest", "digest %q is not 64 lowercase hex digits", h)
	}
	if _, err := hex.Decode(d[:], []byte(h)); err != nil {
		return d, errf(http.StatusBadRequest, "bad-digest", "digest %q is not 64 lowercase hex digits", h)
	}
	return d, nil
}

func (s *Server) getProof(w http.ResponseWriter, r *http.Request) {
	d, err := parseDigest(r.PathValue("digest"))
	if err != nil {
		writeError(w, err.(*apiError))
		return
	}
	p, err := s.o.Log.Proof(r.Context(), d)
	switch {
	case errors.Is(err, anchorlog.ErrUnknownDigest):
		writeError(w, errf(http.StatusNotFound, "unknown-digest", "digest %q is not anchored", r.PathValue("digest")))
	case errors.Is(err, anchorlog.ErrNotIntegrated):
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusAccepted)
	case err != nil:
		s.log.Error("proof failed", "err", err)
		writeError(w, errf(http.StatusServiceUnavailable, "unavailable", "no proof available now; retry"))
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(p)
	}
}

// changeState bumps the state version (what the bundle reflects).
func changeState(tx *bolt.Tx) (uint64, error) { return bump(tx, kState) }

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// keyed is a small helper to look up a slug's issuer for public reads.
func (s *Server) issuerFor(slug string) (*Issuer, error) {
	var is *Issuer
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		is, err = loadIssuer(tx, slug)
		return err
	})
	return is, err
}

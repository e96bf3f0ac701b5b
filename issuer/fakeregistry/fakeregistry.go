// Package fakeregistry is a small stand-in for the registry's HTTP API, for
// the issuer's tests: signed writes (ES256 JWS with iat, nonce, htm, htu;
// replay and unknown keys refused), idempotent anchors, proofs that become
// available after a configurable number of polls, status allocation and
// updates, CRL revocations and statistics. It runs on a real loopback
// listener and can be stopped and restarted on the same port, keeping its
// state, to play an outage. It also signs a trust bundle (GET /v1/bundle) and
// its trust policy, so that a verifier can check what was issued through it.
package fakeregistry

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/anchor/anchortest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/httpserver"
)

// Registry is the fake's state.
type Registry struct {
	mu       sync.Mutex
	keys     map[string]*jose.Key // thumbprint → key
	iss      map[string]string    // thumbprint → iss
	nonces   map[string]bool
	tlog     *anchortest.Log
	index    map[string]uint64 // digest → index
	polls    map[string]int    // proof polls per digest
	Delay    int               // proof polls answered 202 before 200
	owned    map[string]string // "uri#idx" → iss
	Status   map[string]string // "uri#idx" → status
	CRL      map[string][]string
	Stats    []map[string]any
	Requests int // signed writes accepted
	Seen     int // requests received, answered or not
	Fail     int // answer the next Fail requests with 503
	// Drop anchors the next Drop batches but answers 503, as a registry
	// that crashed after sequencing would: the retry must get the same
	// indexes.
	Drop int

	regKey *jose.PrivateKey
	list   *status.List
	names  map[string]string // iss → display name
	ver    uint64

	// Server sets the timeouts and limits of the HTTP server Start makes
	// (zero: httpserver's defaults); tests shorten them.
	Server httpserver.Options

	addr string
	srv  *http.Server
	ln   net.Listener
}

// New returns a stopped fake whose log has two witnesses.
func New() *Registry {
	l, err := anchortest.New("fake.example/log", 2)
	if err != nil {
		panic(err)
	}
	k, err := jose.GenerateKey()
	if err != nil {
		panic(err)
	}
	sl, err := status.New(2, status.MinSize)
	if err != nil {
		panic(err)
	}
	return &Registry{tlog: l, regKey: k, list: sl, names: map[string]string{},
		keys: map[string]*jose.Key{}, iss: map[string]string{}, nonces: map[string]bool{},
		index: map[string]uint64{}, polls: map[string]int{}, owned: map[string]string{},
		Status: map[string]string{}, CRL: map[string][]string{},
	}
}

// AddIssuer accredits a key for iss.
func (r *Registry) AddIssuer(iss string, key *jose.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names[iss] = "Al Noor Family Clinic"
	r.ver++
	r.keys[key.Thumbprint()] = key
	r.iss[key.Thumbprint()] = iss
}

// Start listens on addr ("127.0.0.1:0" the first time; the same address
// after Stop to come back on the same port) and returns the base URL.
func (r *Registry) Start(addr string) (string, error) {
	if addr == "" {
		addr = r.addr
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	r.ln, r.addr = ln, ln.Addr().String()
	r.srv = httpserver.New(r, r.Server)
	go r.srv.Serve(ln)
	return "http://" + r.addr, nil
}

// URL is the base URL.
func (r *Registry) URL() string { return "http://" + r.addr }

// Stop closes the listener and every connection.
func (r *Registry) Stop() error {
	if r.srv == nil {
		return nil
	}
	err := r.srv.Shutdown(context.Background())
	r.srv = nil
	return err
}

// Set changes the fake's behaviour under its lock: Set(func(r) { r.Fail = 2 }).
func (r *Registry) Set(f func(*Registry)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

// Summary describes the state for scripts: log size, status changes, CRLs,
// statistics reports and accepted writes.
func (r *Registry) Summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "log %d\n", r.tlog.Size())
	keys := make([]string, 0, len(r.Status))
	for k := range r.Status {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "status %s %s\n", k, r.Status[k])
	}
	for kid, rids := range r.CRL {
		fmt.Fprintf(&b, "crl %s %d\n", kid, len(rids))
	}
	fmt.Fprintf(&b, "stats %d\n", len(r.Stats))
	for _, st := range r.Stats {
		j, _ := json.Marshal(st)
		fmt.Fprintf(&b, "stats-report %s\n", j)
	}
	fmt.Fprintf(&b, "writes %d\n", r.Requests)
	return b.String()
}

// Await waits until the fake has received at least n requests, or d passes.
func (r *Registry) Await(n int, d time.Duration) bool {
	for end := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		r.mu.Lock()
		seen := r.Seen
		r.mu.Unlock()
		if seen >= n {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// StatusURI is the fake's one status list.
const StatusURI = Public + "/v1/status/alnoor/1"

// Public is the registry's public base URL (hosted issuers' iss live under it).
const Public = "https://registry.example"

// Policy returns the trust policy a verifier installs for this fake.
func (r *Registry) Policy() ([]byte, error) {
	p, err := trust.NewPolicy(r.regKey.Public(), r.tlog.Origin, r.tlog.LogKey, r.tlog.WitnessKeys, 2, 168*time.Hour)
	if err != nil {
		return nil, err
	}
	return p.Marshal()
}

// Bundle returns the signed trust bundle: the accredited issuers with their
// keys and CRLs, the status list, and the cosigned checkpoint.
func (r *Registry) Bundle(now time.Time) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := &trust.Bundle{Type: "immunopass-trust-bundle", Version: r.ver + 1, Issued: now.UTC().Truncate(time.Second), Registry: Public,
		Checkpoint: string(r.tlog.Checkpoint(2, now))}
	byIss := map[string]*trust.BundleIssuer{}
	var isss []string
	for tp, iss := range r.iss {
		bi := byIss[iss]
		if bi == nil {
			bi = &trust.BundleIssuer{ID: iss, Name: r.names[iss], Country: "AE", Scope: []string{"immunization"}}
			byIss[iss] = bi
			isss = append(isss, iss)
		}
		k := r.keys[tp]
		jwk := k.JWK()
		if rids := r.CRL[k.KID()]; len(rids) > 0 {
			// As in a SMART Health Cards JWKS, the key names its CRL's
			// version; verifiers check the CRL only then.
			c := &shc.CRL{KID: k.KID(), Method: "rid", Ctr: len(rids), RIDs: rids}
			bi.CRLs = append(bi.CRLs, c.Format())
			var m map[string]any
			if err := json.Unmarshal(jwk, &m); err != nil {
				return nil, err
			}
			m["crlVersion"] = c.Ctr
			jwk, _ = json.Marshal(m)
		}
		bi.Keys = append(bi.Keys, trust.BundleKey{JWK: jwk})
	}
	sort.Strings(isss)
	for _, iss := range isss {
		b.Issuers = append(b.Issuers, *byIss[iss])
		b.StatusLists = append(b.StatusLists, trust.BundleStatusList{URI: StatusURI, Iss: iss, Bits: r.list.Bits(), Lst: r.list.Encode(), Iat: now.Unix(), TTL: 3600})
	}
	return b.Sign(r.regKey)
}

// Len is the number of log entries.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int(r.tlog.Size())
}

// Verifier checks the fake log's checkpoints (both witnesses required).
func (r *Registry) Verifier() *anchor.CheckpointVerifier { return r.tlog.Verifier(2) }

// Index returns a digest's index.
func (r *Registry) Index(digest string) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.index[digest]
	return i, ok
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
}

func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Seen++
	if r.Fail > 0 {
		r.Fail--
		fail(w, http.StatusServiceUnavailable, "unavailable", "try later")
		return
	}
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/healthz":
		io.WriteString(w, "ok\n")
		return
	case req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, "/v1/proof/"):
		r.proof(w, strings.TrimPrefix(req.URL.Path, "/v1/proof/"))
		return
	case req.Method == http.MethodGet && req.URL.Path == "/v1/issuers":
		// The public directory, as the registry lists it: each issuer's
		// keys (no validity windows in the fake).
		type key struct {
			KID string `json:"kid"`
		}
		byIss := map[string][]key{}
		for kid, iss := range r.iss {
			byIss[iss] = append(byIss[iss], key{KID: kid})
		}
		type issuer struct {
			ID   string `json:"id"`
			Keys []key  `json:"keys"`
		}
		out := struct {
			Issuers []issuer `json:"issuers"`
		}{Issuers: []issuer{}}
		for iss, keys := range byIss {
			out.Issuers = append(out.Issuers, issuer{ID: iss, Keys: keys})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
		return
	case req.Method == http.MethodGet && req.URL.Path == "/v1/bundle":
		r.mu.Unlock()
		b, err := r.Bundle(time.Now())
		r.mu.Lock()
		if err != nil {
			fail(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		w.Write(b)
		return
	case req.Method != http.MethodPost:
		fail(w, http.StatusNotFound, "not-found", req.URL.Path)
		return
	}
	iss, body, err := r.authenticate(req)
	if err != nil {
		fail(w, http.StatusUnauthorized, err.Error(), "signed request refused")
		return
	}
	r.Requests++
	var out any
	switch req.URL.Path {
	case "/v1/anchors":
		var b struct{ Digests []string }
		if json.Unmarshal(body, &b) != nil || len(b.Digests) == 0 {
			fail(w, http.StatusBadRequest, "bad-request", "digests")
			return
		}
		var as []map[string]any
		for _, d := range b.Digests {
			if raw, err := hex.DecodeString(d); err != nil || len(raw) != 32 {
				fail(w, http.StatusBadRequest, "bad-digest", d)
				return
			}
		}
		for _, d := range b.Digests {
			i, ok := r.index[d]
			if !ok {
				var raw [32]byte
				hex.Decode(raw[:], []byte(d))
				i = r.tlog.Add(raw)
				r.index[d] = i
			}
			as = append(as, map[string]any{"digest": d, "index": i})
		}
		if r.Drop > 0 {
			r.Drop--
			fail(w, http.StatusServiceUnavailable, "unavailable", "crashed after sequencing")
			return
		}
		out = map[string]any{"anchors": as}
	case "/v1/status/allocate":
		var b struct{ Count int }
		if json.Unmarshal(body, &b) != nil || b.Count < 1 || b.Count > 1000 {
			fail(w, http.StatusBadRequest, "bad-request", "count")
			return
		}
		var es []map[string]any
		for len(es) < b.Count {
			idx, err := r.list.Allocate(crand.Reader)
			if err != nil {
				fail(w, http.StatusInsufficientStorage, "full", err.Error())
				return
			}
			r.owned[fmt.Sprintf("%s#%d", StatusURI, idx)] = iss
			es = append(es, map[string]any{"uri": StatusURI, "idx": idx})
		}
		out = map[string]any{"entries": es}
	case "/v1/status/update":
		var b struct {
			URI    string
			Idx    int
			Status string
		}
		if json.Unmarshal(body, &b) != nil {
			fail(w, http.StatusBadRequest, "bad-request", "body")
			return
		}
		k := fmt.Sprintf("%s#%d", b.URI, b.Idx)
		if r.owned[k] != iss {
			fail(w, http.StatusForbidden, "not-owner", k)
			return
		}
		v, ok := map[string]uint8{"valid": status.Valid, "revoked": status.Revoked, "suspended": status.Suspended}[b.Status]
		if !ok {
			fail(w, http.StatusBadRequest, "bad-request", b.Status)
			return
		}
		r.list.Set(b.Idx, v)
		r.Status[k] = b.Status
		r.ver++
		out = map[string]any{}
	case "/v1/crl/revoke":
		var b struct {
			KID  string
			RIDs []string
		}
		if json.Unmarshal(body, &b) != nil || len(b.RIDs) == 0 {
			fail(w, http.StatusBadRequest, "bad-request", "body")
			return
		}
		r.CRL[b.KID] = append(r.CRL[b.KID], b.RIDs...)
		r.ver++
		out = map[string]any{"ctr": len(r.CRL[b.KID])}
	case "/v1/stats":
		var b map[string]any
		json.Unmarshal(body, &b)
		r.Stats = append(r.Stats, b)
		out = map[string]any{}
	default:
		fail(w, http.StatusNotFound, "not-found", req.URL.Path)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (r *Registry) proof(w http.ResponseWriter, d string) {
	i, ok := r.index[d]
	if !ok {
		fail(w, http.StatusNotFound, "unknown-digest", d)
		return
	}
	r.polls[d]++
	if r.polls[d] <= r.Delay {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var raw [32]byte
	hex.Decode(raw[:], []byte(d))
	p := r.tlog.Proof(raw, 2, time.Now())
	if p.Index != i {
		fail(w, http.StatusInternalServerError, "internal", "index mismatch")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(p.Format())
}

// authenticate checks a signed write as the contract says and returns the
// issuer and the request body.
func (r *Registry) authenticate(req *http.Request) (string, []byte, error) {
	if req.Header.Get("Content-Type") != "application/jose" {
		return "", nil, errors.New("unsigned")
	}
	data, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	j, err := jose.Parse(strings.TrimSpace(string(data)))
	if err != nil {
		return "", nil, errors.New("bad-jws")
	}
	key := r.keys[j.Header.Kid]
	if key == nil || j.Verify(key) != nil {
		return "", nil, errors.New("unknown-key")
	}
	var p struct {
		Iss   string          `json:"iss"`
		Iat   int64           `json:"iat"`
		Nonce string          `json:"nonce"`
		Htm   string          `json:"htm"`
		Htu   string          `json:"htu"`
		Body  json.RawMessage `json:"body"`
	}
	if json.Unmarshal(j.Payload, &p) != nil || p.Iss != r.iss[j.Header.Kid] || p.Htm != http.MethodPost || p.Htu != req.URL.Path || len(p.Nonce) < 22 {
		return "", nil, errors.New("bad-request-signature")
	}
	if d := time.Since(time.Unix(p.Iat, 0)); d > 300*time.Second || d < -300*time.Second || r.nonces[p.Nonce] {
		return "", nil, errors.New("replay")
	}
	r.nonces[p.Nonce] = true
	return p.Iss, p.Body, nil
}

// Package loadtest measures the anchor log over HTTP on loopback: anchors per second (durable, batched),
// latency to an index and to an inclusion proof, and tile reads per second.
//
// # The server side
//
// [Handler] serves the registry's anchor API shape (POST /v1/anchors, GET /v1/proof/{digest}) and the
// tlog-tiles reads straight from an [anchorlog.Log], without the registry's request signatures: it is
// the harness for the load tool, the benchmarks and the crash test, so that they measure the log and
// not JWS verification. For end-to-end numbers point [Run] at a real `registry serve` with
// [Options].Post set to a signed request (cmd/registry-load -url URL -issuer-key FILE -iss ISS, or
// -registry for a fresh in-process registry server; both sign with issuer.Registry).
//
// # What is measured
//
// [Run] keeps Concurrency clients each posting batches of Batch fresh random digests for Duration.
// Latency to index is the time of one POST (it returns when the batch is durably sequenced). Latency to
// proof is, for one sampled digest per request, the time from sending the POST to the first 200 of
// GET /v1/proof (polled every 20 ms), on every ProofEvery-th request. [TileReads] measures concurrent GETs of the tiles a client fetches
// to build proofs.
package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/immunopass/immunopass/internal/strictjson"
	"github.com/immunopass/immunopass/registry/anchorlog"
)

// MaxDigests bounds one anchor request.
const MaxDigests = 10000

// AnchorRequest is the body of POST /v1/anchors.
type AnchorRequest struct {
	Digests []string `json:"digests"`
}

// Anchor is one answer of POST /v1/anchors.
type Anchor struct {
	Digest string `json:"digest"`
	Index  uint64 `json:"index"`
}

// ParseAnchorRequest parses and checks a POST /v1/anchors body: 1..MaxDigests lowercase hex SHA-256 digests.
func ParseAnchorRequest(body []byte) ([][32]byte, error) {
	if _, err := strictjson.Parse(body, 4); err != nil {
		return nil, fmt.Errorf("anchor request: %w", err)
	}
	var req AnchorRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("anchor request: %w", err)
	}
	if len(req.Digests) == 0 || len(req.Digests) > MaxDigests {
		return nil, fmt.Errorf("anchor request has %d digests, want 1..%d", len(req.Digests), MaxDigests)
	}
	out := make([][32]byte, len(req.Digests))
	for i, s := range req.Digests {
		d, err := ParseDigest(s)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// ParseDigest parses a lowercase hex SHA-256 digest.
func ParseDigest(s string) ([32]byte, error) {
	var d [32]byte
	if len(s) != 64 || strings.ToLower(s) != s {
		return d, fmt.Errorf("digest %q is not 64 lowercase hex digits", s)
	}
	if _, err := hex.Decode(d[:], []byte(s)); err != nil {
		return d, fmt.Errorf("digest %q is not 64 lowercase hex digits", s)
	}
	return d, nil
}

// Handler serves POST /v1/anchors, GET /v1/proof/{digest} and /log/… for l (no request signatures).
func Handler(l *anchorlog.Log) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/log/", l.Handler())
	mux.HandleFunc("POST /v1/anchors", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			jsonError(w, http.StatusRequestEntityTooLarge, "too-large", "request body above 1 MiB")
			return
		}
		ds, err := ParseAnchorRequest(body)
		if err != nil {
			jsonError(w, http.StatusBadRequest, "bad-request", err.Error())
			return
		}
		idx, err := l.Add(r.Context(), ds)
		if err != nil {
			jsonError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
			return
		}
		out := struct {
			Anchors []Anchor `json:"anchors"`
		}{make([]Anchor, len(ds))}
		for i := range ds {
			out.Anchors[i] = Anchor{hex.EncodeToString(ds[i][:]), idx[i]}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /v1/proof/{digest}", func(w http.ResponseWriter, r *http.Request) {
		d, err := ParseDigest(r.PathValue("digest"))
		if err != nil {
			jsonError(w, http.StatusBadRequest, "bad-request", err.Error())
			return
		}
		p, err := l.Proof(r.Context(), d)
		switch {
		case errors.Is(err, anchorlog.ErrUnknownDigest):
			jsonError(w, http.StatusNotFound, "not-found", "digest not anchored")
		case errors.Is(err, anchorlog.ErrNotIntegrated):
			jsonError(w, http.StatusAccepted, "not-integrated", "sequenced, not yet in a cosigned checkpoint")
		case err != nil:
			jsonError(w, http.StatusInternalServerError, "internal", err.Error())
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(p)
		}
	})
	return mux
}

func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
}

// Options of a load run.
type Options struct {
	URL         string        // base URL, e.g. http://127.0.0.1:8620
	Concurrency int           // clients posting at once (default 16)
	Batch       int           // digests per request (default 100)
	Duration    time.Duration // default 5 s
	ProofEvery  int           // sample the latency to proof on every n-th request (default 10)
	Client      *http.Client
	// Post sends one anchor request (default: JSON to URL/v1/anchors); a real registry needs its
	// signed-request wrapper here.
	Post func(ctx context.Context, c *http.Client, digests [][32]byte) ([]uint64, error)
}

// Result of a load run.
type Result struct {
	Anchors        int
	Requests       int
	Elapsed        time.Duration
	AnchorsPerSec  float64
	IndexP50       time.Duration
	IndexP99       time.Duration
	ProofP50       time.Duration
	ProofP99       time.Duration
	ProofSamples   int
	ProofsTimedOut int
}

func (r Result) String() string {
	return fmt.Sprintf("%d anchors in %d requests over %v: %.0f anchors/s; to index p50 %v p99 %v; to proof p50 %v p99 %v (%d samples, %d timed out)",
		r.Anchors, r.Requests, r.Elapsed.Round(time.Millisecond), r.AnchorsPerSec,
		r.IndexP50.Round(time.Microsecond), r.IndexP99.Round(time.Microsecond),
		r.ProofP50.Round(time.Millisecond), r.ProofP99.Round(time.Millisecond), r.ProofSamples, r.ProofsTimedOut)
}

// Run drives the anchor API (see the package doc).
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.ProofEvery <= 0 {
		o.ProofEvery = 10
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * o.Concurrency}, Timeout: time.Minute}
	}
	base := strings.TrimSuffix(o.URL, "/")
	if o.Post == nil {
		o.Post = func(ctx context.Context, c *http.Client, ds [][32]byte) ([]uint64, error) {
			return PostAnchors(ctx, c, base, ds)
		}
	}
	var (
		mu        sync.Mutex
		indexLat  []time.Duration
		proofLat  []time.Duration
		anchors   int
		firstErr  error
		timedOut  int
		proofWait sync.WaitGroup
	)
	start := time.Now()
	stop := start.Add(o.Duration)
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) && ctx.Err() == nil {
				ds := make([][32]byte, o.Batch)
				for i := range ds {
					rand.Read(ds[i][:])
				}
				t0 := time.Now()
				_, err := o.Post(ctx, o.Client, ds)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				anchors += len(ds)
				indexLat = append(indexLat, d)
				n := len(indexLat)
				mu.Unlock()
				if n%o.ProofEvery != 0 {
					continue
				}
				proofWait.Add(1)
				go func(d [32]byte, t0 time.Time) {
					defer proofWait.Done()
					_, ok := awaitProof(ctx, o.Client, base, d, 30*time.Second)
					mu.Lock()
					if ok {
						proofLat = append(proofLat, time.Since(t0))
					} else {
						timedOut++
					}
					mu.Unlock()
				}(ds[0], t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	proofWait.Wait()
	if firstErr != nil {
		return Result{}, firstErr
	}
	r := Result{Anchors: anchors, Requests: len(indexLat), Elapsed: elapsed, AnchorsPerSec: float64(anchors) / elapsed.Seconds(),
		ProofSamples: len(proofLat), ProofsTimedOut: timedOut}
	r.IndexP50, r.IndexP99 = percentiles(indexLat)
	r.ProofP50, r.ProofP99 = percentiles(proofLat)
	return r, nil
}

func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)*50/100], ds[min(len(ds)-1, len(ds)*99/100)]
}

// PostAnchors posts digests to base/v1/anchors and returns their indexes.
func PostAnchors(ctx context.Context, c *http.Client, base string, ds [][32]byte) ([]uint64, error) {
	req := AnchorRequest{Digests: make([]string, len(ds))}
	for i := range ds {
		req.Digests[i] = hex.EncodeToString(ds[i][:])
	}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/anchors", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /v1/anchors: %s: %q", resp.Status, bytes.TrimSpace(data))
	}
	var out struct {
		Anchors []Anchor `json:"anchors"`
	}
	if err := json.Unmarshal(data, &out); err != nil || len(out.Anchors) != len(ds) {
		return nil, fmt.Errorf("POST /v1/anchors: answer %.200q does not list %d anchors", data, len(ds))
	}
	idx := make([]uint64, len(ds))
	for i, a := range out.Anchors {
		if a.Digest != req.Digests[i] {
			return nil, fmt.Errorf("POST /v1/anchors: answer %d is for %q, not %q", i, a.Digest, req.Digests[i])
		}
		idx[i] = a.Index
	}
	return idx, nil
}

// awaitProof polls GET /v1/proof until it answers 200; it returns how long that took from now.
func awaitProof(ctx context.Context, c *http.Client, base string, d [32]byte, limit time.Duration) (time.Duration, bool) {
	t0 := time.Now()
	u := base + "/v1/proof/" + hex.EncodeToString(d[:])
	for time.Since(t0) < limit && ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := c.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, false
}

// TileReads fetches the tiles of the log at base (level-0 and level-1 tiles and entry bundles of its
// current checkpoint, round robin) from concurrency clients for duration, and returns requests/s.
func TileReads(ctx context.Context, base string, concurrency int, duration time.Duration) (float64, int, error) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * concurrency}, Timeout: 30 * time.Second}
	base = strings.TrimSuffix(base, "/")
	paths, err := tilePaths(ctx, c, base)
	if err != nil {
		return 0, 0, err
	}
	var mu sync.Mutex
	n := 0
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := 0
			for i := g; time.Since(start) < duration && ctx.Err() == nil; i++ {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+paths[i%len(paths)], nil)
				resp, err := c.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("GET %s: %s", paths[i%len(paths)], resp.Status)
					}
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine++
			}
			mu.Lock()
			n += mine
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	return float64(n) / time.Since(start).Seconds(), n, nil
}

func tilePaths(ctx context.Context, c *http.Client, base string) ([]string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/log/checkpoint", nil)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.SplitN(string(body), "\n", 3)
	var size uint64
	if len(lines) < 3 {
		return nil, fmt.Errorf("checkpoint %q", body)
	}
	if _, err := fmt.Sscan(lines[1], &size); err != nil || size < 256 {
		return nil, fmt.Errorf("log has %q entries; tile reads need at least 256", lines[1])
	}
	var paths []string
	for i := uint64(0); i < size/256 && len(paths) < 2000; i++ {
		n := fmtN(i)
		paths = append(paths, "/log/tile/0/"+n, "/log/tile/entries/"+n)
	}
	for i := uint64(0); i < size/65536; i++ {
		paths = append(paths, "/log/tile/1/"+fmtN(i))
	}
	return paths, nil
}

func fmtN(n uint64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	return s
}

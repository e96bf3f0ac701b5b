// Command registry-load measures anchoring over HTTP on loopback: anchors/s (durable, batched),
// p50/p99 latency to index and to proof, and tile reads/s.
//
//	registry-load [-c 16] [-batch 100] [-d 5s] [-tiles 3s] TARGET
//
// TARGET is one of:
//
//	-url URL -issuer-key FILE -iss ISS   a running `registry serve`: every batch is a signed request
//	                                     (issuer.Registry) by an accredited issuer whose key file
//	                                     (`issuer keygen`) is opened with IMMUNOPASS_PASSPHRASE
//	-registry                            a fresh registry (registry.Init + the server `registry serve`
//	                                     runs) on a loopback port, with an issuer accredited in it; signed
//	-url URL                             an unsigned anchor API (registry/loadtest.Handler)
//	(nothing)                            a fresh log served with registry/loadtest's unsigned anchor API,
//	                                     to measure the log itself ([-engine posix|mysql] [-dsn DSN])
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/klog/v2"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/issuer"
	"github.com/immunopass/immunopass/registry"
	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/loadtest"
)

func main() {
	url := flag.String("url", "", "base URL of a running registry or anchor API (default: serve a fresh log on loopback)")
	issuerKey := flag.String("issuer-key", "", "with -url: the accredited issuer's key file; requests are signed")
	iss := flag.String("iss", "", "with -issuer-key: the issuer's iss URL")
	reg := flag.Bool("registry", false, "run a fresh registry server in-process on loopback and sign requests")
	engine := flag.String("engine", anchorlog.EnginePOSIX, "log engine for the self-served log or -registry")
	dsn := flag.String("dsn", "", "MySQL DSN for -engine mysql")
	c := flag.Int("c", 16, "concurrent clients")
	batch := flag.Int("batch", 100, "digests per request")
	d := flag.Duration("d", 5*time.Second, "anchoring duration")
	tiles := flag.Duration("tiles", 3*time.Second, "tile-read duration (0: skip)")
	flag.Parse()
	if flag.NArg() > 0 || (*issuerKey != "") != (*iss != "") || (*issuerKey != "" && *url == "") || (*reg && *url != "") {
		fmt.Fprintln(os.Stderr, "usage: registry-load [-c N] [-batch N] [-d DUR] [-tiles DUR] "+
			"[-url URL [-issuer-key FILE -iss ISS] | -registry [-engine E -dsn DSN] | -engine E -dsn DSN]")
		os.Exit(2)
	}
	// Tessera logs every batch through klog; keep the report readable.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	o := loadtest.Options{URL: *url, Concurrency: *c, Batch: *batch, Duration: *d}
	if err := run(o, *issuerKey, *iss, *reg, *engine, *dsn, *tiles); err != nil {
		fmt.Fprintln(os.Stderr, "registry-load:", err)
		os.Exit(1)
	}
}

func run(o loadtest.Options, issuerKey, iss string, reg bool, engine, dsn string, tiles time.Duration) error {
	ctx := context.Background()
	switch {
	case issuerKey != "":
		pass := os.Getenv("IMMUNOPASS_PASSPHRASE")
		if pass == "" {
			return errors.New("set IMMUNOPASS_PASSPHRASE to open the issuer key file")
		}
		data, err := os.ReadFile(issuerKey)
		if err != nil {
			return err
		}
		kf, err := keyfile.Open(data, pass)
		if err != nil {
			return fmt.Errorf("%s: %w", issuerKey, err)
		}
		if o.Post, err = SignedPost(o.URL, kf.Key, iss); err != nil {
			return err
		}
		fmt.Printf("signed anchor requests as %s to %s\n", iss, o.URL)
	case reg:
		dir, err := os.MkdirTemp("", "registry-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		r, err := StartRegistry(ctx, dir, engine, dsn, serving)
		if err != nil {
			return err
		}
		defer r.Close()
		o.URL, o.Post = r.URL, r.Post
		fmt.Printf("serving a fresh registry (%s log) at %s; signed anchor requests as %s\n", engine, r.URL, r.Iss)
	case o.URL == "":
		dir, err := os.MkdirTemp("", "registry-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		l, err := anchorlog.Create(ctx, anchorlog.Config{Engine: engine, Dir: dir, DSN: dsn, Origin: "load.test/immunopass/log"})
		if err != nil {
			return err
		}
		defer l.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := httpserver.New(loadtest.Handler(l), serving)
		go srv.Serve(ln)
		defer srv.Close()
		o.URL = "http://" + ln.Addr().String()
		fmt.Printf("serving a fresh %s log at %s (unsigned anchor API)\n", engine, o.URL)
	}
	r, err := loadtest.Run(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("anchors: %v\n", r)
	if tiles > 0 {
		rps, n, err := loadtest.TileReads(ctx, o.URL, o.Concurrency, tiles)
		if err != nil {
			return err
		}
		fmt.Printf("tile reads: %d requests, %.0f requests/s with %d clients\n", n, rps, o.Concurrency)
	}
	return nil
}

// SignedPost returns a loadtest.Options.Post that sends each batch as a signed
// anchor request of the issuer iss (issuer.Registry: ES256 JWS, fresh iat and
// nonce) to the registry at base.
func SignedPost(base string, key *jose.PrivateKey, iss string) (func(context.Context, *http.Client, [][32]byte) ([]uint64, error), error) {
	base = strings.TrimSuffix(base, "/")
	if _, err := issuer.NewRegistry(base, key, iss); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c *http.Client, ds [][32]byte) ([]uint64, error) {
		// A client per call, with this worker's HTTP client (a Registry
		// holds state that must not be copied).
		rc, err := issuer.NewRegistry(base, key, iss)
		if err != nil {
			return nil, err
		}
		rc.HTTP = c
		got, err := rc.Anchor(ctx, ds)
		if err != nil {
			return nil, err
		}
		idx := make([]uint64, len(ds))
		for i, d := range ds {
			idx[i] = got[d]
		}
		return idx, nil
	}, nil
}

// Registry is a registry server run in-process on a loopback port: the same
// handler as `registry serve`, over a data folder made by registry.Init, with
// one issuer accredited through a signed admin request.
type Registry struct {
	URL  string
	Iss  string
	Data *registry.Data
	Post func(context.Context, *http.Client, [][32]byte) ([]uint64, error) // signed by the issuer
	srv  *http.Server
}

// Close stops the server and closes the data folder.
func (r *Registry) Close() error {
	r.srv.Close()
	return r.Data.Close()
}

// serving is the timeouts and limits of both servers this tool runs: the
// registry's (httpserver's defaults, and twice the signed-request limit
// so that the registry's own "too-large" answer is the one clients see).
var serving = httpserver.Options{MaxBodyBytes: 2 * registry.MaxRequestSize}

// StartRegistry initialises a registry in dir (cheap key work factor), serves
// it on 127.0.0.1 with the server options o, and accredits a fresh issuer key.
func StartRegistry(ctx context.Context, dir, engine, dsn string, o httpserver.Options) (*Registry, error) {
	const pass, public = "load test passphrase", "https://registry.load.test"
	made, err := registry.Init(ctx, dir, registry.InitOptions{URL: public, Engine: engine, DSN: dsn, Passphrase: pass, WorkFactor: 10})
	if err != nil {
		return nil, err
	}
	d, err := registry.OpenData(ctx, dir, pass, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.Close()
		return nil, err
	}
	r := &Registry{URL: "http://" + ln.Addr().String(), Iss: public + "/issuers/load", Data: d,
		srv: httpserver.New(d.Server.Handler(), o)}
	go r.srv.Serve(ln)
	fail := func(err error) (*Registry, error) {
		r.Close()
		return nil, err
	}
	admin, err := registry.OpenAdminKey(made.AdminKeyFile, pass)
	if err != nil {
		return fail(err)
	}
	key, err := jose.GenerateKey()
	if err != nil {
		return fail(err)
	}
	body := registry.IssuerRequest{ID: "load", Name: "Load Test Clinic", Country: "AE",
		JWKS: jose.JWKS([]*jose.Key{key.Public()}, nil), Scope: []string{"immunization"}}
	req, err := registry.SignRequest(admin, registry.AdminIss, "/v1/admin/issuers", body, time.Now())
	if err != nil {
		return fail(err)
	}
	resp, err := http.Post(r.URL+"/v1/admin/issuers", "application/jose", bytes.NewReader(req))
	if err != nil {
		return fail(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("accrediting the load issuer: %s %q", resp.Status, answer))
	}
	var out struct {
		Issuer struct {
			ID string `json:"id"`
		} `json:"issuer"`
	}
	if err := json.Unmarshal(answer, &out); err == nil && out.Issuer.ID != "" {
		r.Iss = out.Issuer.ID
	}
	if r.Post, err = SignedPost(r.URL, key, r.Iss); err != nil {
		return fail(err)
	}
	return r, nil
}

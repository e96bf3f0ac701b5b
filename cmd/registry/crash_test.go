package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	f_log "github.com/transparency-dev/formats/log"
	mproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/issuer"
)

// crashPass is the key passphrase of the crash test's registry.
const crashPass = "crash test passphrase"

// registryBinary builds cmd/registry (the real binary, as `make build` does)
// into a temporary folder of t.
func registryBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "registry")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/registry: %v\n%s", err, out)
	}
	return bin
}

// serveProc is one `registry serve` process.
type serveProc struct {
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	logs []string // the last lines of its stderr
	done chan struct{}
}

func (p *serveProc) tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.logs, "\n")
}

func (p *serveProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// startServe runs `registry serve --data dir --listen 127.0.0.1:0` and waits
// for its "registry serving" log line, which names the port.
func startServe(t *testing.T, bin, dir string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", dir, "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "IMMUNOPASS_PASSPHRASE="+crashPass)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stderr)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			line := s.Text()
			var rec struct{ Msg, Listen string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "registry serving" {
				addr <- rec.Listen
			}
			p.mu.Lock()
			p.logs = append(p.logs, line)
			if len(p.logs) > 40 {
				p.logs = p.logs[1:]
			}
			p.mu.Unlock()
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	select {
	case a := <-addr:
		p.base = "http://" + a
		return p
	case <-p.done:
		t.Fatalf("registry serve exited before serving:\n%s", p.tail())
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("registry serve did not start in 30 s:\n%s", p.tail())
	}
	return nil
}

// TestCrashServe SIGKILLs the real `registry serve` at random moments while
// four issuer clients stream signed anchor requests (issuer.Registry), restarts
// it on the same folder, and checks after every restart that each digest
// acknowledged with an index is at that index (entry tiles for all of them,
// GET /v1/proof for a sample, each proof verified against the trust policy),
// that a re-sent digest keeps its index, and that the new checkpoint is
// consistent with the last one published before the kill. 20 rounds (5 with
// -short).
//
// With IMMUNOPASS_MYSQL_DSN set (make test-mysql), the mysql subtest runs the
// same on Tessera's MySQL driver (`registry init --engine mysql --dsn …`) in a
// database of its own. Each subtest ends with `registry bundle` from the
// running server, checked against the policy.
func TestCrashServe(t *testing.T) {
	bin := registryBinary(t)
	t.Run("posix", func(t *testing.T) { testCrashServe(t, bin, nil) })
	t.Run("mysql", func(t *testing.T) {
		dsn := os.Getenv(mysqlDSNEnv)
		if dsn == "" {
			t.Skipf("%s is not set (make test-mysql starts a private MariaDB and sets it)", mysqlDSNEnv)
		}
		testCrashServe(t, bin, []string{"--engine", "mysql", "--dsn", freshDatabase(t, dsn)})
	})
}

// mysqlDSNEnv names the MySQL server for the mysql engine (as in registry/anchorlog's tests).
const mysqlDSNEnv = "IMMUNOPASS_MYSQL_DSN"

// freshDatabase creates an empty database on the server of dsn, dropped after
// the test, and returns its DSN.
func freshDatabase(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", mysqlDSNEnv, err)
	}
	server := cfg.Clone()
	server.DBName = ""
	db, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var b [6]byte
	rand.Read(b[:])
	cfg.DBName = fmt.Sprintf("registry_crash_%x", b)
	if _, err := db.Exec("CREATE DATABASE " + cfg.DBName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE " + cfg.DBName) })
	return cfg.FormatDSN()
}

func testCrashServe(t *testing.T, bin string, engine []string) {
	work := t.TempDir()
	dir := filepath.Join(work, "reg")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "IMMUNOPASS_PASSPHRASE="+crashPass)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("registry %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(append([]string{"init", "--data", dir, "--url", "https://registry.test", "--work-factor", "10"}, engine...)...)
	pdata, err := os.ReadFile(filepath.Join(dir, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	policy, err := trust.ParsePolicy(pdata)
	if err != nil {
		t.Fatal(err)
	}
	logV, err := note.NewVerifier(policy.LogKey)
	if err != nil {
		t.Fatal(err)
	}

	// Accredit a clinic through the admin CLI while the first server runs.
	key, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(work, "clinic-jwks.json")
	if err := os.WriteFile(jwks, jose.JWKS([]*jose.Key{key.Public()}, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, bin, dir)
	run("issuer", "add", "--data", dir, "--registry", srv.base, "--id", "clinic", "--name", "Crash Clinic", "--jwks", jwks)

	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	hc := &http.Client{Timeout: 20 * time.Second}
	ctx := context.Background()
	acked := map[[32]byte]uint64{}
	var lastCP *f_log.Checkpoint
	requests, refused := 0, 0
	for round := range rounds {
		if round > 0 {
			srv = startServe(t, bin, dir)
			lastCP = checkRestart(t, hc, srv.base, policy, logV, acked, lastCP)
		}
		reg, err := issuer.NewRegistry(srv.base, key, "https://registry.test/issuers/clinic")
		if err != nil {
			t.Fatal(err)
		}
		reg.HTTP = hc
		var old [][32]byte
		for d := range acked { // map order: a random sample
			if old = append(old, d); len(old) == 64 {
				break
			}
		}
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					ds := make([][32]byte, 16, 17)
					for i := range ds {
						rand.Read(ds[i][:])
					}
					if len(old) > 0 { // acknowledged before an earlier kill: must come back at its index
						ds = append(ds, old[mrand.IntN(len(old))])
					}
					got, err := reg.Anchor(ctx, ds)
					mu.Lock()
					requests++
					if err != nil { // killed under us: never acknowledged
						refused++
						mu.Unlock()
						return
					}
					for d, n := range got {
						if was, ok := acked[d]; ok && was != n {
							t.Errorf("round %d: digest %x anchored at %d, acknowledged at %d before", round, d[:4], n, was)
						}
						acked[d] = n
					}
					mu.Unlock()
				}
			}()
		}
		// Follow the published checkpoint while the stream runs; kill at a random moment.
		deadline := time.Now().Add(time.Duration(80+mrand.IntN(400)) * time.Millisecond)
		for time.Now().Before(deadline) {
			if cp, err := fetchCheckpoint(hc, srv.base, policy.LogOrigin, logV); err == nil {
				if lastCP != nil && cp.Size < lastCP.Size {
					t.Fatalf("round %d: checkpoint went back from %d to %d", round, lastCP.Size, cp.Size)
				}
				lastCP = cp
			}
			time.Sleep(time.Duration(mrand.IntN(30)) * time.Millisecond)
		}
		srv.kill()
		close(stop)
		wg.Wait()
		if t.Failed() {
			t.Fatalf("registry stderr:\n%s", srv.tail())
		}
	}
	srv = startServe(t, bin, dir)
	lastCP = checkRestart(t, hc, srv.base, policy, logV, acked, lastCP)
	out := run("bundle", "--registry", srv.base, "--policy", filepath.Join(dir, "policy.json"), "--out", filepath.Join(work, "trust.bundle"))
	if !strings.Contains(out, "1 issuer,") {
		t.Errorf("registry bundle: %s", out)
	}
	srv.kill()
	t.Logf("%d SIGKILLs of registry serve: %d anchor requests (%d cut off by a kill), %d acknowledged digests, final checkpoint size %d",
		rounds, requests, refused, len(acked), lastCP.Size)
}

func fetchCheckpoint(hc *http.Client, base, origin string, v note.Verifier) (*f_log.Checkpoint, error) {
	resp, err := hc.Get(base + "/log/checkpoint")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /log/checkpoint: %s", resp.Status)
	}
	cp, _, _, err := f_log.ParseCheckpoint(raw, origin, v)
	return cp, err
}

// checkRestart waits for a checkpoint that covers every acknowledged digest,
// proves it consistent with old, checks every acknowledged index in the entry
// tiles and a sample through GET /v1/proof, and returns the new checkpoint.
func checkRestart(t *testing.T, hc *http.Client, base string, p *trust.Policy, v note.Verifier, acked map[[32]byte]uint64, old *f_log.Checkpoint) *f_log.Checkpoint {
	t.Helper()
	ctx := context.Background()
	var want uint64
	for _, n := range acked {
		want = max(want, n+1)
	}
	if old != nil {
		want = max(want, old.Size)
	}
	var cp *f_log.Checkpoint
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := fetchCheckpoint(hc, base, p.LogOrigin, v)
		if err == nil && c.Size >= want {
			cp = c
			break
		}
		if time.Now().After(end) {
			t.Fatalf("after the restart no checkpoint reaches size %d (got %+v, %v)", want, c, err)
		}
	}
	u, _ := url.Parse(base + "/log/")
	f, err := client.NewHTTPFetcher(u, hc)
	if err != nil {
		t.Fatal(err)
	}
	if old != nil {
		switch {
		case old.Size == cp.Size && !bytes.Equal(old.Hash, cp.Hash):
			t.Fatalf("the root at size %d changed across the restart", cp.Size)
		case old.Size > 0 && old.Size < cp.Size:
			pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
			if err != nil {
				t.Fatal(err)
			}
			proof, err := pb.ConsistencyProof(ctx, old.Size, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := mproof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, cp.Size, proof, old.Hash, cp.Hash); err != nil {
				t.Fatalf("checkpoint %d after the restart is not consistent with checkpoint %d before the kill: %v", cp.Size, old.Size, err)
			}
		}
	}
	bundles := map[uint64][][]byte{}
	sample := 0
	for d, n := range acked {
		b, ok := bundles[n/256]
		if !ok {
			eb, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, n/256, cp.Size)
			if err != nil {
				t.Fatalf("entry bundle %d: %v", n/256, err)
			}
			b = eb.Entries
			bundles[n/256] = b
		}
		if int(n%256) >= len(b) || !bytes.Equal(b[n%256], d[:]) {
			t.Fatalf("digest %x acknowledged at index %d is not there after the restart", d[:4], n)
		}
		if sample < 8 {
			sample++
			checkProof(t, hc, base, p, d, n)
		}
	}
	return cp
}

// checkProof fetches GET /v1/proof for d and verifies it against the trust
// policy: the log's signature and inclusion at the acknowledged index.
func checkProof(t *testing.T, hc *http.Client, base string, p *trust.Policy, d [32]byte, index uint64) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := hc.Get(fmt.Sprintf("%s/v1/proof/%x", base, d))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusAccepted && time.Now().Before(end) {
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /v1/proof/%x: %s %q", d[:4], resp.Status, body)
		}
		pr, err := anchor.ParseProof(body)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pr.Verify(d, p.Checkpoints()); err != nil {
			t.Fatalf("proof of %x: %v", d[:4], err)
		}
		if pr.Index != index {
			t.Fatalf("proof of %x is for index %d, acknowledged at %d", d[:4], pr.Index, index)
		}
		return
	}
}

package anchorlog_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	f_log "github.com/transparency-dev/formats/log"
	mproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"

	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/loadtest"
)

// The crash test re-executes this test binary as the server (crashChild), which serves the log with
// registry/loadtest's unsigned anchor API: it checks the log engines alone, in a few rounds. The
// issue's test — 20 SIGKILLs of the real `registry serve` binary under signed anchor requests, on
// both engines — is cmd/registry's TestCrashServe.
const crashEnv = "IMMUNOPASS_ANCHORLOG_CRASH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashEnv); spec != "" {
		crashChild(spec)
		return
	}
	// Tessera logs through klog; the test output stays readable (the crash child keeps its logs).
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// crashChild opens the log described by spec (engine, dir and dsn separated by U+001F) and serves it until killed.
func crashChild(spec string) {
	parts := strings.Split(spec, "\x1f")
	cfg := anchorlog.Config{Engine: parts[0], Dir: parts[1], DSN: parts[2], BatchMaxAge: 5 * time.Millisecond}
	l, err := anchorlog.Open(context.Background(), cfg)
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(3)
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	_ = http.Serve(ln, loadtest.Handler(l))
}

// TestCrash SIGKILLs a server process in the middle of a stream of anchor requests, 5 times, and after
// each restart checks that every acknowledged digest is at its acknowledged index and that the new
// checkpoint is consistent with the last one seen before the kill.
func TestCrash(t *testing.T) {
	for name, setup := range engines() {
		t.Run(name, func(t *testing.T) { testCrash(t, setup(t)) })
	}
}

type crashServer struct {
	cmd    *exec.Cmd
	base   string
	stderr *bytes.Buffer
}

func startChild(t *testing.T, cfg anchorlog.Config) *crashServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+cfg.Engine+"\x1f"+cfg.Dir+"\x1f"+cfg.DSN)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		addr, ok := strings.CutPrefix(l, "LISTEN ")
		if !ok {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("server did not start: %q\n%s", l, stderr.String())
		}
		return &crashServer{cmd: cmd, base: "http://" + addr, stderr: &stderr}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("server did not start in 30 s:\n%s", stderr.String())
	}
	return nil
}

func testCrash(t *testing.T, cfg anchorlog.Config) {
	ctx := context.Background()
	l, err := anchorlog.Create(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	origin := l.Origin()
	l.Close()

	hc := &http.Client{Timeout: 20 * time.Second}
	acked := map[[32]byte]uint64{}
	var lastCP *f_log.Checkpoint
	const rounds = 5
	for round := range rounds {
		srv := startChild(t, cfg)
		// After the restart: every acknowledged digest is where it was acknowledged, and the log grew
		// consistently from the last checkpoint seen before the kill.
		if round > 0 {
			checkAfterCrash(t, hc, srv.base, verifier, origin, acked, lastCP)
		}
		var mu sync.Mutex
		var old [][32]byte
		for d := range acked {
			old = append(old, d)
			if len(old) == 64 {
				break
			}
		}
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
					ds := make([][32]byte, 20, 22)
					for i := range ds {
						rand.Read(ds[i][:])
					}
					if len(old) > 0 { // digests acknowledged before earlier crashes come back with their index
						ds = append(ds, old[mrand.IntN(len(old))])
					}
					idx, err := loadtest.PostAnchors(ctx, hc, srv.base, ds)
					if err != nil {
						return // the server died under us: this request was never acknowledged
					}
					mu.Lock()
					for i, d := range ds {
						if n, ok := acked[d]; ok && n != idx[i] {
							mu.Unlock()
							t.Errorf("round %d: digest %x re-anchored at %d, acknowledged at %d before", round, d[:4], idx[i], n)
							return
						}
						acked[d] = idx[i]
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(100+mrand.IntN(300)) * time.Millisecond)
		if cp, err := fetchCheckpoint(hc, srv.base, verifier, origin); err == nil {
			mu.Lock()
			lastCP = cp
			mu.Unlock()
		} else {
			t.Fatalf("round %d: checkpoint: %v", round, err)
		}
		time.Sleep(time.Duration(mrand.IntN(50)) * time.Millisecond)
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		close(stop)
		wg.Wait()
		if t.Failed() {
			t.Fatalf("server stderr:\n%s", tail(srv.stderr.String()))
		}
	}
	// One last restart to check the last round.
	srv := startChild(t, cfg)
	checkAfterCrash(t, hc, srv.base, verifier, origin, acked, lastCP)
	srv.cmd.Process.Kill()
	srv.cmd.Wait()
	t.Logf("%d rounds, %d acknowledged digests, final checkpoint size ≥ %d", rounds, len(acked), lastCP.Size)
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}

func fetchCheckpoint(hc *http.Client, base string, v note.Verifier, origin string) (*f_log.Checkpoint, error) {
	resp, err := hc.Get(base + "/log/checkpoint")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	cp, _, _, err := f_log.ParseCheckpoint(raw, origin, v)
	return cp, err
}

func checkAfterCrash(t *testing.T, hc *http.Client, base string, v note.Verifier, origin string, acked map[[32]byte]uint64, old *f_log.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	var want uint64
	for _, n := range acked {
		want = max(want, n+1)
	}
	var cp *f_log.Checkpoint
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := fetchCheckpoint(hc, base, v, origin)
		if err == nil && c.Size >= want && c.Size >= old.Size {
			cp = c
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: no checkpoint covering the %d acknowledged entries (last %+v, %v)", want, c, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	u, _ := url.Parse(base + "/log/")
	f, _ := client.NewHTTPFetcher(u, hc)
	if old.Size > 0 && old.Size < cp.Size {
		pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pb.ConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := mproof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, cp.Size, p, old.Hash, cp.Hash); err != nil {
			t.Fatalf("checkpoint %d after restart is not consistent with checkpoint %d before the kill: %v", cp.Size, old.Size, err)
		}
	} else if old.Size == cp.Size && !bytes.Equal(old.Hash, cp.Hash) {
		t.Fatalf("checkpoint root at size %d changed across the restart", cp.Size)
	}
	bundles := map[uint64][][]byte{}
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
			t.Fatalf("acknowledged digest %x is not at its index %d after the restart", d[:4], n)
		}
	}
}

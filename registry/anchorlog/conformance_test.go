package anchorlog_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	f_log "github.com/transparency-dev/formats/log"
	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/formats/proof"
	mproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/witness"
)

// DSNEnv names the environment variable with a MySQL/MariaDB DSN for the mysql engine's run of the
// conformance test (make test-mysql sets it). The user must be allowed to create databases.
const DSNEnv = "IMMUNOPASS_MYSQL_DSN"

// engineSetup returns a Config for a fresh, empty log on one engine, or skips.
type engineSetup func(t testing.TB) anchorlog.Config

func engines() map[string]engineSetup {
	return map[string]engineSetup{
		anchorlog.EnginePOSIX: func(t testing.TB) anchorlog.Config {
			return anchorlog.Config{Engine: anchorlog.EnginePOSIX, Dir: t.TempDir(), Origin: "test.example/immunopass/log"}
		},
		anchorlog.EngineMySQL: func(t testing.TB) anchorlog.Config {
			dsn := os.Getenv(DSNEnv)
			if dsn == "" {
				t.Skipf("mysql engine: %s is not set (make test-mysql starts a private MariaDB and sets it)", DSNEnv)
			}
			return anchorlog.Config{Engine: anchorlog.EngineMySQL, Dir: t.TempDir(), DSN: freshDatabase(t, dsn), Origin: "test.example/immunopass/log"}
		},
	}
}

// freshDatabase creates a database of its own for one test and returns its DSN.
func freshDatabase(t testing.TB, dsn string) string {
	t.Helper()
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", DSNEnv, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := fmt.Sprintf("anchorlog_%x", b)
	admin := mc.Clone()
	admin.DBName = ""
	db, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating a test database: %v", err)
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE " + name) })
	mc.DBName = name
	return mc.FormatDSN()
}

func digest(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func digests(prefix string, n int) [][32]byte {
	out := make([][32]byte, n)
	for i := range out {
		out[i] = digest(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

func fast(cfg anchorlog.Config) anchorlog.Config {
	cfg.BatchMaxAge = 5 * time.Millisecond
	return cfg
}

// TestConformance runs every behaviour the registry relies on against each engine.
func TestConformance(t *testing.T) {
	for name, setup := range engines() {
		t.Run(name, func(t *testing.T) {
			t.Run("AddIdempotent", func(t *testing.T) { testAddIdempotent(t, setup) })
			t.Run("Reopen", func(t *testing.T) { testReopen(t, setup) })
			t.Run("RefuseMissingState", func(t *testing.T) { testRefuse(t, setup) })
			t.Run("ProofAndTiles", func(t *testing.T) { testProofAndTiles(t, setup) })
			t.Run("Witnessed", func(t *testing.T) { testWitnessed(t, setup) })
		})
	}
}

func create(t testing.TB, cfg anchorlog.Config) *anchorlog.Log {
	t.Helper()
	l, err := anchorlog.Create(context.Background(), fast(cfg))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return l
}

func testAddIdempotent(t *testing.T, setup engineSetup) {
	ctx := context.Background()
	l := create(t, setup(t))
	defer l.Close()

	ds := digests("a", 300)
	idx, err := l.Add(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, n := range idx {
		if seen[n] || n >= 300 {
			t.Fatalf("indexes %v are not 300 distinct values below 300", idx)
		}
		seen[n] = true
	}
	// The same digests again, some new ones, and a duplicate inside one call.
	more := append(append([][32]byte{}, ds[7], digest("new-1"), ds[7]), ds[299], digest("new-1"))
	idx2, err := l.Add(ctx, more)
	if err != nil {
		t.Fatal(err)
	}
	if idx2[0] != idx[7] || idx2[2] != idx[7] || idx2[3] != idx[299] || idx2[1] != idx2[4] || idx2[1] != 300 {
		t.Fatalf("re-adding gave %v, want [%d 300 %d %d 300]", idx2, idx[7], idx[7], idx[299])
	}

	// Many goroutines adding overlapping digests get one index per digest, and the log grows by
	// exactly the number of distinct digests.
	shared := digests("c", 200)
	var wg sync.WaitGroup
	results := make([][]uint64, 8)
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := append(append([][32]byte{}, shared[g*10:g*10+120]...), digest(fmt.Sprintf("own-%d", g)))
			r, err := l.Add(ctx, mine)
			if err != nil {
				t.Error(err)
			}
			results[g] = r
		}()
	}
	wg.Wait()
	got := map[[32]byte]uint64{}
	for g, r := range results {
		for j, n := range r[:120] {
			d := shared[g*10+j]
			if old, ok := got[d]; ok && old != n {
				t.Fatalf("digest %x got indexes %d and %d", d[:4], old, n)
			}
			got[d] = n
		}
	}
	size := waitIntegrated(t, l, 301+190+8)
	if size != 301+190+8 {
		t.Fatalf("log size %d, want %d distinct digests", size, 301+190+8)
	}
	for d, n := range got {
		if m, err := l.Index(ctx, d); err != nil || m != n {
			t.Fatalf("Index(%x) = %d, %v; Add said %d", d[:4], m, err, n)
		}
	}
	if _, err := l.Index(ctx, digest("never")); !errors.Is(err, anchorlog.ErrUnknownDigest) {
		t.Fatalf("Index of an unknown digest: %v, want ErrUnknownDigest", err)
	}
	if _, err := l.Proof(ctx, digest("never")); !errors.Is(err, anchorlog.ErrUnknownDigest) {
		t.Fatalf("Proof of an unknown digest: %v, want ErrUnknownDigest", err)
	}
}

// waitIntegrated waits until the cosigned checkpoint covers at least size entries and returns its size.
func waitIntegrated(t testing.TB, l *anchorlog.Log, size uint64) uint64 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cp, err := l.CosignedCheckpoint(context.Background())
		if err == nil {
			var c f_log.Checkpoint
			if _, err := c.Unmarshal(cp); err != nil {
				t.Fatalf("checkpoint %q: %v", cp, err)
			}
			if c.Size >= size {
				return c.Size
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cosigned checkpoint of size ≥ %d after 20 s (last: %q, %v)", size, cp, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testReopen(t *testing.T, setup engineSetup) {
	ctx := context.Background()
	cfg := setup(t)
	l := create(t, cfg)
	ds := digests("r", 50)
	idx, err := l.Add(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	vkey := l.VerifierKey()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := anchorlog.Create(ctx, cfg); !errors.Is(err, anchorlog.ErrExists) {
		t.Fatalf("Create over an existing log: %v, want ErrExists", err)
	}
	l, err = anchorlog.Open(ctx, fast(cfg))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer l.Close()
	if l.VerifierKey() != vkey {
		t.Fatalf("verifier key changed across Open")
	}
	idx2, err := l.Add(ctx, append(ds[10:20:20], digest("after")))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range idx2[:10] {
		if n != idx[10+i] {
			t.Fatalf("after reopen digest %d got index %d, was %d", 10+i, n, idx[10+i])
		}
	}
	if idx2[10] != 50 {
		t.Fatalf("a new digest after reopen got index %d, want 50", idx2[10])
	}
}

func testRefuse(t *testing.T, setup engineSetup) {
	ctx := context.Background()
	cfg := setup(t)
	// Never initialised.
	if _, err := anchorlog.Open(ctx, cfg); !errors.Is(err, anchorlog.ErrNotInitialised) {
		t.Fatalf("Open of a fresh folder: %v, want ErrNotInitialised", err)
	}
	l := create(t, cfg)
	if _, err := l.Add(ctx, digests("x", 10)); err != nil {
		t.Fatal(err)
	}
	waitIntegrated(t, l, 10)
	l.Close()

	switch cfg.Engine {
	case anchorlog.EnginePOSIX:
		// A log folder copied aside at size 10, then the log grows, then the old copy comes back.
		old := filepath.Join(t.TempDir(), "old")
		copyDir(t, filepath.Join(cfg.Dir, "log"), old)
		l, err := anchorlog.Open(ctx, fast(cfg))
		if err != nil {
			t.Fatal(err)
		}
		l.Add(ctx, digests("y", 10))
		waitIntegrated(t, l, 20)
		l.Close()
		os.RemoveAll(filepath.Join(cfg.Dir, "log"))
		copyDir(t, old, filepath.Join(cfg.Dir, "log"))
		_, err = anchorlog.Open(ctx, cfg)
		if !errors.Is(err, anchorlog.ErrRolledBack) {
			t.Fatalf("Open of a rolled-back log: %v, want ErrRolledBack", err)
		}
		t.Logf("rolled back: %v", err)
		// The log state gone entirely: Tessera would start a new log; Open must refuse.
		os.RemoveAll(filepath.Join(cfg.Dir, "log"))
		_, err = anchorlog.Open(ctx, cfg)
		if !errors.Is(err, anchorlog.ErrStateMissing) {
			t.Fatalf("Open without log state: %v, want ErrStateMissing", err)
		}
		if _, serr := os.Stat(filepath.Join(cfg.Dir, "log")); serr == nil {
			t.Fatalf("Open recreated the log folder")
		}
		t.Logf("state missing: %v", err)
	case anchorlog.EngineMySQL:
		db, err := sql.Open("mysql", cfg.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("DELETE FROM TreeState"); err != nil {
			t.Fatal(err)
		}
		_, err = anchorlog.Open(ctx, cfg)
		if !errors.Is(err, anchorlog.ErrStateMissing) {
			t.Fatalf("Open without tree state: %v, want ErrStateMissing", err)
		}
		t.Logf("state missing: %v", err)
	}
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testProofAndTiles(t *testing.T, setup engineSetup) {
	ctx := context.Background()
	l := create(t, setup(t))
	defer l.Close()
	// Enough entries for a full bundle plus a partial, added in several batches.
	var all [][32]byte
	for b := range 3 {
		ds := digests(fmt.Sprintf("p%d", b), 100)
		if _, err := l.Add(ctx, ds); err != nil {
			t.Fatal(err)
		}
		all = append(all, ds...)
	}
	size := waitIntegrated(t, l, 300)
	v, err := note.NewVerifier(l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 255, 256, 299} {
		raw, err := l.Proof(ctx, all[i])
		if err != nil {
			t.Fatalf("Proof(%d): %v", i, err)
		}
		var p proof.TLogProof
		if err := p.Unmarshal(raw); err != nil {
			t.Fatalf("proof %q: %v", raw, err)
		}
		cp, _, _, err := f_log.ParseCheckpoint(p.Checkpoint, l.Origin(), v)
		if err != nil {
			t.Fatalf("proof checkpoint: %v", err)
		}
		hashes := make([][]byte, len(p.Hashes))
		for j := range p.Hashes {
			hashes[j] = p.Hashes[j][:]
		}
		if err := mproof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, cp.Size, rfc6962.DefaultHasher.HashLeaf(all[i][:]), hashes, cp.Hash); err != nil {
			t.Fatalf("proof for entry %d does not verify: %v", i, err)
		}
	}

	// The tiles API, read by Tessera's own client over HTTP, gives the same tree.
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/log/")
	f, err := client.NewHTTPFetcher(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	cp, _, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, v, l.Origin())
	if err != nil {
		t.Fatalf("checkpoint over HTTP: %v", err)
	}
	if cp.Size < size {
		t.Fatalf("served checkpoint size %d < %d", cp.Size, size)
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{0, 257, cp.Size - 1} {
		h, err := pb.InclusionProof(ctx, i)
		if err != nil {
			t.Fatalf("inclusion proof over HTTP: %v", err)
		}
		bundle, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, i/256, cp.Size)
		if err != nil {
			t.Fatalf("entry bundle over HTTP: %v", err)
		}
		leaf := bundle.Entries[i%256]
		if err := mproof.VerifyInclusion(rfc6962.DefaultHasher, i, cp.Size, rfc6962.DefaultHasher.HashLeaf(leaf), h, cp.Hash); err != nil {
			t.Fatalf("entry %d over HTTP does not verify: %v", i, err)
		}
	}
	for _, c := range []struct {
		path, cache string
		status      int
	}{
		{"/log/checkpoint", anchorlog.CacheCheckpoint, 200},
		{"/log/tile/0/000", anchorlog.CacheImmutable, 200},
		{"/log/tile/entries/000", anchorlog.CacheImmutable, 200},
		{"/log/tile/entries/001.p/44", anchorlog.CacheImmutable, 200},
		{"/log/tile/entries/001.p/255", "", 404},
		{"/log/tile/0/999", "", 404},
		{"/log/tile/0/x", "", 400},
		{"/log/tile/99/000", "", 400},
	} {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get("Cache-Control") != c.cache && c.status == 200 {
			t.Errorf("GET %s: %d %q, want %d %q (%q)", c.path, resp.StatusCode, resp.Header.Get("Cache-Control"), c.status, c.cache, body)
		}
		if c.path == "/log/tile/entries/001.p/44" {
			var b f_entry
			if n := b.count(body); n != 44 {
				t.Errorf("partial bundle of width 44 holds %d entries", n)
			}
		}
	}
}

type f_entry struct{}

func (f_entry) count(b []byte) int {
	n := 0
	for len(b) >= 2 {
		l := int(b[0])<<8 | int(b[1])
		b = b[min(len(b), 2+l):]
		n++
	}
	return n
}

// witnesses starts n witnesses trusting the log key and returns their Remotes and folders.
func witnesses(t testing.TB, n int, logVKey string) ([]witness.Remote, []*witness.Witness) {
	var rs []witness.Remote
	var ws []*witness.Witness
	for range n {
		dir := t.TempDir()
		vkey, err := witness.Init(dir)
		if err != nil {
			t.Fatal(err)
		}
		w, err := witness.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddLog(logVKey); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(w.Handler())
		t.Cleanup(srv.Close)
		rs = append(rs, witness.Remote{URL: srv.URL, VKey: vkey})
		ws = append(ws, w)
	}
	return rs, ws
}

func testWitnessed(t *testing.T, setup engineSetup) {
	ctx := context.Background()
	cfg := setup(t)
	// The log key is made by Create, so create, learn it, close, and reopen with witnesses.
	l := create(t, cfg)
	vkey := l.VerifierKey()
	l.Close()
	rs, _ := witnesses(t, 2, vkey)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	_, other := witnesses(t, 1, vkey)
	rs = append(rs, witness.Remote{URL: down.URL, VKey: other[0].VerifierKey()})

	// Quorum 3 with one witness down: nothing is ever cosigned, proofs are not integrated.
	cfg.Witnesses, cfg.Quorum = rs, 3
	l, err := anchorlog.Open(ctx, fast(cfg))
	if err != nil {
		t.Fatal(err)
	}
	ds := digests("w", 20)
	if _, err := l.Add(ctx, ds); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := l.Proof(ctx, ds[0]); !errors.Is(err, anchorlog.ErrNotIntegrated) {
		t.Fatalf("Proof below quorum: %v, want ErrNotIntegrated", err)
	}
	l.Close()

	// Quorum 2: the two live witnesses cosign.
	cfg.Quorum = 2
	l, err = anchorlog.Open(ctx, fast(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	waitIntegrated(t, l, 20)
	raw, err := l.Proof(ctx, ds[3])
	if err != nil {
		t.Fatal(err)
	}
	var p proof.TLogProof
	if err := p.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	var vs []note.Verifier
	for _, r := range rs[:2] {
		v, err := f_note.NewVerifierForCosignatureV1(r.VKey)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	lv, _ := note.NewVerifier(vkey)
	n, err := note.Open(p.Checkpoint, note.VerifierList(append(vs, lv)...))
	if err != nil {
		t.Fatalf("cosigned checkpoint: %v\n%s", err, p.Checkpoint)
	}
	if len(n.Sigs) != 3 {
		t.Fatalf("cosigned checkpoint has %d verified signatures, want log + 2 witnesses:\n%s", len(n.Sigs), p.Checkpoint)
	}
	// The verifiers' side (credential/anchor) accepts it with the log key, both witnesses and quorum 2.
	cv, err := anchor.NewCheckpointVerifier(l.Origin(), vkey, []string{rs[0].VKey, rs[1].VKey}, 2)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := anchor.ParseProof(raw)
	if err != nil {
		t.Fatalf("anchor.ParseProof: %v\n%s", err, raw)
	}
	if c, err := ap.Verify(ds[3], cv); err != nil || len(c.Cosigned) != 2 {
		t.Fatalf("anchor.Proof.Verify: %v (%+v)", err, c)
	}
	if _, err := ap.Verify(ds[4], cv); err == nil {
		t.Fatalf("proof for one digest verified for another")
	}
	if !strings.Contains(string(raw), "c2sp.org/tlog-proof@v1\nindex ") {
		t.Fatalf("proof %q lacks the tlog-proof header", raw)
	}
	// More entries: the witnesses follow with consistency proofs.
	if _, err := l.Add(ctx, digests("w2", 300)); err != nil {
		t.Fatal(err)
	}
	waitIntegrated(t, l, 320)
}

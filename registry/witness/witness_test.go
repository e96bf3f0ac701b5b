package witness_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	f_log "github.com/transparency-dev/formats/log"
	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/immunopass/immunopass/registry/witness"
)

// tree is an in-memory log: leaves, and checkpoints signed by its key.
type tree struct {
	origin string
	signer note.Signer
	vkey   string
	leaves [][]byte
}

func newTree(t testing.TB, origin string) *tree {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &tree{origin: origin, signer: s, vkey: vkey}
}

func (tr *tree) add(n int, tag string) {
	for i := range n {
		h := sha256.Sum256(fmt.Appendf(nil, "%s-%d-%d", tag, len(tr.leaves), i))
		tr.leaves = append(tr.leaves, rfc6962.DefaultHasher.HashLeaf(h[:]))
	}
}

func (tr *tree) root(size uint64) []byte {
	if size == 0 {
		return rfc6962.DefaultHasher.EmptyRoot()
	}
	return mth(tr.leaves[:size])
}

func (tr *tree) checkpoint(t testing.TB, size uint64) []byte {
	text := f_log.Checkpoint{Origin: tr.origin, Size: size, Hash: tr.root(size)}.Marshal()
	n, err := note.Sign(&note.Note{Text: string(text)}, tr.signer)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// consistency computes a consistency proof from the leaves (node hashes by recomputing subtrees).
func (tr *tree) consistency(from, to uint64) [][]byte {
	if from == 0 || from == to {
		return nil
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		panic(err)
	}
	var hs [][]byte
	for _, id := range nodes.IDs {
		hs = append(hs, tr.node(id))
	}
	p, err := nodes.Rehash(hs, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		panic(err)
	}
	return p
}

func (tr *tree) node(id compact.NodeID) []byte {
	begin, end := id.Coverage()
	return mth(tr.leaves[begin:end])
}

// mth is the RFC 6962 Merkle tree hash of leaf hashes.
func mth(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(mth(leaves[:k]), mth(leaves[k:]))
}

func newWitness(t testing.TB, logs ...string) (*witness.Witness, string) {
	dir := t.TempDir()
	vkey, err := witness.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := witness.Open(dir)
	if err == nil && w.VerifierKey() != vkey {
		t.Fatalf("Open gives verifier key %q, Init gave %q", w.VerifierKey(), vkey)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		if err := w.AddLog(l); err != nil {
			t.Fatal(err)
		}
	}
	return w, dir
}

func post(t testing.TB, srv *httptest.Server, body []byte) (int, string, string) {
	resp, err := http.Post(srv.URL+"/add-checkpoint", "text/plain", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestAddCheckpoint walks the protocol's answers in order, over HTTP.
func TestAddCheckpoint(t *testing.T) {
	tr := newTree(t, "log.example/immunopass/log")
	w, dir := newWitness(t, tr.vkey)
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	wv, err := f_note.NewVerifierForCosignatureV1(w.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	lv, _ := note.NewVerifier(tr.vkey)

	tr.add(10, "a")
	cp10 := tr.checkpoint(t, 10)
	stranger := newTree(t, "other.example/log")
	stranger.add(3, "s")
	forger := newTree(t, tr.origin) // same origin, another key
	forger.add(10, "a")

	req := func(old uint64, p [][]byte, cp []byte) []byte {
		return (&witness.Request{OldSize: old, Proof: p, Checkpoint: cp}).Format()
	}
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		want   string // body prefix
	}{
		{"unknown origin", req(0, nil, stranger.checkpoint(t, 3)), 404, ""},
		{"untrusted key", req(0, nil, forger.checkpoint(t, 10)), 403, ""},
		{"old above size", req(11, nil, cp10), 400, ""},
		{"old not witnessed", req(5, tr.consistency(5, 10), cp10), 409, "0\n"},
		{"malformed", []byte("old 01\n\n" + string(cp10)), 400, ""},
		{"first", req(0, nil, cp10), 200, "— "},
		{"again at same size", req(10, nil, cp10), 200, "— "},
		{"stale old", req(0, nil, cp10), 409, "10\n"},
	} {
		status, ctype, body := post(t, srv, c.body)
		if status != c.status || !strings.HasPrefix(body, c.want) {
			t.Errorf("%s: %d %q, want %d %q", c.name, status, body, c.status, c.want)
		}
		if status == 409 && ctype != "text/x.tlog.size" {
			t.Errorf("%s: 409 with Content-Type %q", c.name, ctype)
		}
		if status == 200 {
			n, err := note.Open(append(bytes.Clone(cp10), body...), note.VerifierList(wv, lv))
			if err != nil || len(n.Sigs) != 2 {
				t.Errorf("%s: cosignature does not verify: %v %q", c.name, err, body)
			}
		}
	}

	// The log grows consistently: cosigned.
	tr.add(90, "b")
	cp100 := tr.checkpoint(t, 100)
	if status, _, body := post(t, srv, req(10, tr.consistency(10, 100), cp100)); status != 200 {
		t.Fatalf("consistent growth: %d %q", status, body)
	}

	// A fork: same size 100 with different leaves, and a bigger checkpoint that rewrote history.
	fork := &tree{origin: tr.origin, signer: tr.signer, vkey: tr.vkey, leaves: append([][]byte{}, tr.leaves...)}
	fork.leaves[50] = rfc6962.DefaultHasher.HashLeaf([]byte("rewritten"))
	if status, _, body := post(t, srv, req(100, nil, fork.checkpoint(t, 100))); status != 409 || body != "100\n" {
		t.Errorf("fork at the same size: %d %q, want 409 \"100\\n\"", status, body)
	}
	fork.add(20, "f")
	if status, _, body := post(t, srv, req(100, fork.consistency(100, 120), fork.checkpoint(t, 120))); status != 422 {
		t.Errorf("inconsistent checkpoint: %d %q, want 422", status, body)
	}
	// A proof from the honest tree does not save the forked checkpoint either.
	tr.add(20, "c")
	if status, _, body := post(t, srv, req(100, tr.consistency(100, 120), fork.checkpoint(t, 120))); status != 422 {
		t.Errorf("forked checkpoint with the honest proof: %d %q, want 422", status, body)
	}
	if w.Size(tr.origin) != 100 {
		t.Fatalf("witness size %d after refusals, want 100", w.Size(tr.origin))
	}

	// The state survives a restart.
	w2, err := witness.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if w2.Size(tr.origin) != 100 {
		t.Fatalf("reopened witness size %d, want 100", w2.Size(tr.origin))
	}
	if _, err := witness.Open(t.TempDir()); !errors.Is(err, witness.ErrNotInitialised) {
		t.Fatalf("Open of an empty folder: %v", err)
	}
	if _, err := witness.Init(dir); err == nil {
		t.Fatalf("Init over an initialised folder succeeded")
	}
}

// TestCosigner: quorum reached with one witness down, the 409 path learns sizes, and a witness that
// saw a fork keeps refusing.
func TestCosigner(t *testing.T) {
	tr := newTree(t, "log.example/immunopass/log")
	var remotes []witness.Remote
	var ws []*witness.Witness
	for range 2 {
		w, _ := newWitness(t, tr.vkey)
		srv := httptest.NewServer(w.Handler())
		defer srv.Close()
		remotes = append(remotes, witness.Remote{URL: srv.URL, VKey: w.VerifierKey()})
		ws = append(ws, w)
	}
	dead, _ := newWitness(t, tr.vkey)
	remotes = append(remotes, witness.Remote{URL: "http://127.0.0.1:1", VKey: dead.VerifierKey()})

	cons := func(_ context.Context, from, to uint64) ([][]byte, error) { return tr.consistency(from, to), nil }
	ctx := context.Background()
	c, err := witness.NewCosigner(remotes, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr.add(5, "a")
	out, got, err := c.Cosign(ctx, tr.checkpoint(t, 5), 5, cons)
	if err != nil || got != 2 {
		t.Fatalf("Cosign: %d, %v", got, err)
	}
	n, err := note.Open(out, note.VerifierList(c.Verifiers()...))
	if err != nil || len(n.Sigs) != 2 {
		t.Fatalf("cosigned note: %v\n%s", err, out)
	}
	// A new cosigner (a restarted log) does not know the witnesses' sizes: it learns them from 409.
	c2, _ := witness.NewCosigner(remotes, 2, nil)
	tr.add(300, "b")
	if _, got, err := c2.Cosign(ctx, tr.checkpoint(t, 305), 305, cons); err != nil || got != 2 {
		t.Fatalf("Cosign after restart: %d, %v", got, err)
	}
	// Quorum 3 with a dead witness fails with the counts.
	c3, _ := witness.NewCosigner(remotes, 3, nil)
	tr.add(1, "c")
	_, _, err = c3.Cosign(ctx, tr.checkpoint(t, 306), 306, cons)
	var qe *witness.QuorumError
	if !errors.As(err, &qe) || qe.Got != 2 || qe.Want != 3 {
		t.Fatalf("Cosign below quorum: %v", err)
	}
	// A forked log: the witnesses refuse it, nothing cosigned.
	fork := &tree{origin: tr.origin, signer: tr.signer, vkey: tr.vkey, leaves: append([][]byte{}, tr.leaves...)}
	fork.leaves[0] = rfc6962.DefaultHasher.HashLeaf([]byte("evil"))
	fork.add(10, "f")
	fcons := func(_ context.Context, from, to uint64) ([][]byte, error) { return fork.consistency(from, to), nil }
	if _, got, err := c.Cosign(ctx, fork.checkpoint(t, 316), 316, fcons); err == nil || got != 0 {
		t.Fatalf("forked checkpoint cosigned by %d witnesses (%v)", got, err)
	}
	for _, w := range ws {
		if w.Size(tr.origin) != 306 {
			t.Fatalf("witness moved to %d on a forked checkpoint", w.Size(tr.origin))
		}
	}
	if _, err := witness.NewCosigner(remotes, 4, nil); err == nil {
		t.Fatal("quorum above the witness count accepted")
	}
}

// Cases for ParseRequest; the fuzz target starts from them.
var requestCases = []struct {
	body string
	ok   bool
}{
	{"old 0\n\norigin\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— origin AAAA\n", true},
	{"old 5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx\n", true},
	{"old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx\n", false}, // proof from 0
	{"old 01\n\nx\n", false},
	{"old -1\n\nx\n", false},
	{"old 1", false},
	{"old 1\n", false},
	{"old 1\n\n", false},
	{"new 1\n\nx\n", false},
	{"old 1\nAAAA\n\nx\n", false},
	{"old 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\nx\n", false}, // non-canonical base64
	{"old 18446744073709551616\n\nx\n", false},
	{"old 1\n" + strings.Repeat("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 64) + "\nx\n", false},
}

func TestParseRequest(t *testing.T) {
	for _, c := range requestCases {
		r, err := witness.ParseRequest([]byte(c.body))
		if (err == nil) != c.ok {
			t.Errorf("ParseRequest(%q) = %v, want ok=%v", c.body, err, c.ok)
		}
		if err == nil && string(r.Format()) != c.body {
			t.Errorf("Format(ParseRequest(%q)) = %q", c.body, r.Format())
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, c := range requestCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := witness.ParseRequest(body)
		if err != nil {
			return
		}
		// What parses formats back to the same bytes (nothing is silently normalised).
		if out := r.Format(); !bytes.Equal(out, body) {
			t.Fatalf("Format(ParseRequest(%q)) = %q", body, out)
		}
		if len(r.Proof) > 63 || (r.OldSize == 0 && len(r.Proof) > 0) {
			t.Fatalf("ParseRequest(%q) accepted %d proof lines from size %d", body, len(r.Proof), r.OldSize)
		}
	})
}

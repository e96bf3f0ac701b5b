package issuer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/anchor/anchortest"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
)

// tileServer serves a log's cosigned checkpoint and its tiles as the
// registry does (C2SP tlog-tiles), computed here from the leaves.
func tileServer(t *testing.T, l *anchortest.Log, leaves [][]byte, requests *atomic.Int64) *httptest.Server {
	t.Helper()
	size := uint64(len(leaves))
	files := map[string][]byte{"/log/cosigned-checkpoint": l.Checkpoint(1, time.Now())}
	row := leaves
	for level := uint64(0); len(row) > 0; level++ {
		var next [][]byte
		for i := uint64(0); i*layout.TileWidth < uint64(len(row)); i++ {
			end := min(uint64(len(row)), (i+1)*layout.TileWidth)
			var raw []byte
			for _, h := range row[i*layout.TileWidth : end] {
				raw = append(raw, h...)
			}
			files["/log/"+layout.TilePath(level, i, layout.PartialTileSize(level, i, size))] = raw
			if end-i*layout.TileWidth == layout.TileWidth {
				next = append(next, subtreeRoot(row[i*layout.TileWidth:end]))
			}
		}
		row = next
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func subtreeRoot(hs [][]byte) []byte {
	if len(hs) == 1 {
		return hs[0]
	}
	return rfc6962.DefaultHasher.HashChildren(subtreeRoot(hs[:len(hs)/2]), subtreeRoot(hs[len(hs)/2:]))
}

// TestTileProofs builds proofs from tiles for a 20,000-entry log (full and
// partial tiles on two tile levels) and checks every one against the
// checkpoint, with few tile reads.
func TestTileProofs(t *testing.T) {
	l, err := anchortest.New("registry.example/log", 1)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20_000
	var leaves [][]byte
	var digests [][32]byte
	for i := range n {
		d := sha256.Sum256(fmt.Appendf(nil, "credential %d", i))
		l.Add(d)
		digests = append(digests, d)
		leaves = append(leaves, rfc6962.DefaultHasher.HashLeaf(d[:]))
	}
	var requests atomic.Int64
	srv := tileServer(t, l, leaves, &requests)
	r, err := NewRegistry(srv.URL, testKey(t).Key, testIss)
	if err != nil {
		t.Fatal(err)
	}
	var idx []uint64
	for i := uint64(0); i < n; i += 37 {
		idx = append(idx, i)
	}
	idx = append(idx, n-1, n, n+5) // the last entry; two not integrated yet
	proofs, err := r.TileProofs(context.Background(), idx)
	if err != nil {
		t.Fatal(err)
	}
	if len(proofs) != len(idx)-2 {
		t.Fatalf("%d proofs for %d indexes of which 2 are beyond the checkpoint", len(proofs), len(idx))
	}
	for _, i := range idx[:len(idx)-2] {
		if err := CheckProof(proofs[i], digests[i], i); err != nil {
			t.Fatalf("index %d: %v", i, err)
		}
		if err := VerifyProof(l.Verifier(1))(proofs[i], digests[i], i); err != nil {
			t.Fatalf("index %d: %v", i, err)
		}
	}
	if got := requests.Load(); got > 300 {
		t.Fatalf("%d requests for %d proofs, want at most one a tile", got, len(proofs))
	}
	// Tiles are kept: a second round reads only the checkpoint.
	before := requests.Load()
	if _, err := r.TileProofs(context.Background(), idx); err != nil {
		t.Fatal(err)
	}
	if got := requests.Load() - before; got != 1 {
		t.Fatalf("second round: %d requests, want 1 (the checkpoint)", got)
	}
	// A proof for the wrong digest fails the check, as every proof is checked.
	if err := CheckProof(proofs[0], digests[1], 0); err == nil {
		t.Fatal("a proof checked for another digest")
	}
	// A registry without tiles: an error (Flush then asks one by one).
	bare := httptest.NewServer(http.NotFoundHandler())
	defer bare.Close()
	r2, _ := NewRegistry(bare.URL, testKey(t).Key, testIss)
	if _, err := r2.TileProofs(context.Background(), idx[:3]); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("no tiles: %v, want an error", err)
	}
}

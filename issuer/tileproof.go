package issuer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/transparency-dev/formats/proof"
	"github.com/transparency-dev/merkle/compact"
	mproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// TileProofs builds the inclusion proofs of many anchored indexes at once
// from the registry's log tiles (C2SP tlog-tiles under <registry>/log/) and
// its cosigned checkpoint: one checkpoint and a few tile reads serve
// thousands of proofs, where Proof costs the registry a request, a
// checkpoint check and its tile reads for each. Tiles are kept (with their
// inner nodes hashed once) across calls: a full tile never changes. The
// proofs are the C2SP tlog-proof text the registry itself serves; like any
// proof, they are checked (CheckProof) before they are written. An index
// the checkpoint does not cover yet is left out of the map (not integrated
// yet). Any error means: use Proof instead.
func (r *Registry) TileProofs(ctx context.Context, indexes []uint64) (map[uint64][]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url("/log/cosigned-checkpoint"), nil)
	if err != nil {
		return nil, err
	}
	status, cp, err := r.do(req, "checkpoint")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, answerError("checkpoint", req.URL.String(), status, cp)
	}
	c, err := anchor.ParseCheckpoint(cp)
	if err != nil {
		return nil, err
	}
	r.tilesOnce.Do(func() {
		base, err := url.Parse(r.url("/log/"))
		if err != nil {
			r.tilesErr = err
			return
		}
		f, err := client.NewHTTPFetcher(base, r.client())
		if err != nil {
			r.tilesErr = err
			return
		}
		r.tiles = &tileCache{fetch: f.ReadTile, tiles: map[tileKey][][][]byte{}}
	})
	if r.tilesErr != nil {
		return nil, r.tilesErr
	}
	out := make(map[uint64][]byte, len(indexes))
	for _, i := range indexes {
		if i >= c.Size {
			continue
		}
		nodes, err := mproof.Inclusion(i, c.Size)
		if err != nil {
			return nil, err
		}
		hashes := make([][]byte, len(nodes.IDs))
		for k, id := range nodes.IDs {
			if hashes[k], err = r.tiles.node(ctx, id, c.Size); err != nil {
				return nil, fmt.Errorf("log tiles: %w", err)
			}
		}
		if hashes, err = nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren); err != nil {
			return nil, fmt.Errorf("log tiles: %w", err)
		}
		p := proof.TLogProof{Index: i, Checkpoint: cp}
		for _, h := range hashes {
			p.Hashes = append(p.Hashes, [sha256.Size]byte(h))
		}
		out[i] = p.Marshal()
	}
	return out, nil
}

type tileKey struct {
	level, index uint64
	width        uint8 // 0: full
}

// tileCache holds fetched tiles with every level of their inner nodes.
type tileCache struct {
	fetch client.TileFetcherFunc
	mu    sync.Mutex
	tiles map[tileKey][][][]byte // levels[h][j]: node j at height h in the tile
}

// maxTiles bounds the cache: 512 tiles of 511 nodes are 8 MiB.
const maxTiles = 512

// node returns a tree node's hash in a log of the given size.
func (t *tileCache) node(ctx context.Context, id compact.NodeID, size uint64) ([]byte, error) {
	tl, ti, nl, ni := layout.NodeCoordsToTileAddress(uint64(id.Level), id.Index)
	k := tileKey{tl, ti, layout.PartialTileSize(tl, ti, size)}
	t.mu.Lock()
	levels, ok := t.tiles[k]
	t.mu.Unlock()
	if !ok {
		raw, err := t.fetch(ctx, tl, ti, k.width)
		if err != nil {
			return nil, err
		}
		want := int(k.width)
		if want == 0 {
			want = layout.TileWidth
		}
		if len(raw) != want*sha256.Size {
			return nil, fmt.Errorf("tile %d/%d holds %d bytes, want %d hashes", tl, ti, len(raw), want)
		}
		row := make([][]byte, want)
		for j := range row {
			row[j] = raw[j*sha256.Size : (j+1)*sha256.Size]
		}
		levels = [][][]byte{row}
		for len(row) > 1 {
			next := make([][]byte, len(row)/2)
			for j := range next {
				next[j] = rfc6962.DefaultHasher.HashChildren(row[2*j], row[2*j+1])
			}
			levels = append(levels, next)
			row = next
		}
		t.mu.Lock()
		if len(t.tiles) >= maxTiles {
			clear(t.tiles)
		}
		t.tiles[k] = levels
		t.mu.Unlock()
	}
	if int(nl) >= len(levels) || ni >= uint64(len(levels[nl])) {
		return nil, fmt.Errorf("node %d/%d is not in tile %d/%d of a %d-entry log", id.Level, id.Index, tl, ti, size)
	}
	return levels[nl][ni], nil
}

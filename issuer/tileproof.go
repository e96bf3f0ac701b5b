package issuer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/transparency-dev/formats/proof"
	"github.com/transparency-dev/tessera/client"
)

// TileProofs builds the inclusion proofs of many anchored indexes at once
// from the registry's log tiles (C2SP tlog-tiles under <registry>/log/) and
// its cosigned checkpoint: one checkpoint and a few hundred tile reads
// serve thousands of proofs, where Proof costs the registry a request, a
// checkpoint check and its tile reads for each. The proofs are the C2SP
// tlog-proof text the registry itself serves; like any proof, they are
// checked (CheckProof) before they are written. An index the checkpoint
// does not cover yet is left out of the map (not integrated yet). Any
// error means: use Proof instead.
func (r *Registry) TileProofs(ctx context.Context, indexes []uint64) (map[uint64][]byte, error) {
	base, err := url.Parse(r.url("/log/"))
	if err != nil {
		return nil, err
	}
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
	f, err := client.NewHTTPFetcher(base, r.client())
	if err != nil {
		return nil, err
	}
	pb, err := client.NewProofBuilder(ctx, c.Size, f.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("log tiles: %w", err)
	}
	out := make(map[uint64][]byte, len(indexes))
	for _, i := range indexes {
		if i >= c.Size {
			continue
		}
		hashes, err := pb.InclusionProof(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("log tiles: %w", err)
		}
		p := proof.TLogProof{Index: i, Checkpoint: cp}
		for _, h := range hashes {
			if len(h) != sha256.Size {
				return nil, fmt.Errorf("log tiles: a %d-byte hash", len(h))
			}
			p.Hashes = append(p.Hashes, [sha256.Size]byte(h))
		}
		out[i] = p.Marshal()
	}
	return out, nil
}

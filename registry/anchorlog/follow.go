package anchorlog

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/atomicfile"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// Keys of the index's metadata.
const (
	metaCovered  = "covered"  // 8 bytes: the index holds every entry below this size
	metaSeen     = "seen"     // the latest log checkpoint this package saw (the rollback guard)
	metaCosigned = "cosigned" // the latest checkpoint that reached the witness quorum
)

// followInterval is how often the digest index catches up with the log: larger batches of random keys
// make far fewer bbolt page writes per digest.
const followInterval = 250 * time.Millisecond

// run follows the log into the digest index, records new checkpoints and collects cosignatures.
func (l *Log) run(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(followInterval)
	defer t.Stop()
	var seenSize uint64
	var retryAt time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.follow(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("anchorlog: following the log", "err", err)
		}
		raw, err := l.reader.ReadCheckpoint(ctx)
		if err != nil {
			continue
		}
		cp, err := l.parseCheckpoint(raw)
		if err != nil {
			l.log.Error("anchorlog: log checkpoint does not verify", "err", err)
			continue
		}
		if cp.Size > seenSize {
			if err := l.idx.put(ctx, metaSeen, raw); err != nil {
				l.log.Error("anchorlog: recording the checkpoint", "err", err)
				continue
			}
			seenSize = cp.Size
		}
		l.cpMu.RLock()
		behind := l.cosigner != nil && (l.cosigned == nil || l.cosSize < cp.Size)
		l.cpMu.RUnlock()
		if !behind || time.Now().Before(retryAt) {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		cosigned, got, err := l.cosigner.Cosign(wctx, raw, cp.Size, l.consistency)
		cancel()
		if err != nil {
			l.log.Warn("anchorlog: checkpoint below the witness quorum", "size", cp.Size, "cosigned", got, "err", err)
			retryAt = time.Now().Add(time.Second)
			continue
		}
		if err := l.idx.put(ctx, metaCosigned, cosigned); err != nil {
			l.log.Error("anchorlog: recording the cosigned checkpoint", "err", err)
		}
		l.cpMu.Lock()
		l.cosigned, l.cosSize = cosigned, cp.Size
		l.cpMu.Unlock()
	}
}

func (l *Log) consistency(ctx context.Context, from, to uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, to, l.readTile)
	if err != nil {
		return nil, err
	}
	return pb.ConsistencyProof(ctx, from, to)
}

// follow copies the digests the log integrated since the index was last updated into the index.
func (l *Log) follow(ctx context.Context) error {
	l.followMu.Lock()
	defer l.followMu.Unlock()
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	from := l.covered
	l.mu.Unlock()
	if size < from {
		return &StateError{ErrRolledBack, l.cfg.Dir, fmt.Sprintf("log has %d entries, the digest index already holds %d", size, from)}
	}
	const bundlesPerCommit = 64
	for from < size {
		var batch []entry
		end := from
		for b := from / layout.EntryBundleWidth; b <= (size-1)/layout.EntryBundleWidth && end < size; b++ {
			if b-from/layout.EntryBundleWidth >= bundlesPerCommit {
				break
			}
			eb, err := client.GetEntryBundle(ctx, l.readBundle, b, size)
			if err != nil {
				return fmt.Errorf("entry bundle %d: %w", b, err)
			}
			for j, data := range eb.Entries {
				i := b*layout.EntryBundleWidth + uint64(j)
				if i < from || i >= size {
					continue
				}
				if len(data) != 32 {
					return fmt.Errorf("log entry %d has %d bytes, not a 32-byte digest", i, len(data))
				}
				batch = append(batch, entry{d: [32]byte(data), i: i})
				end = i + 1
			}
		}
		if err := l.idx.record(ctx, batch, end); err != nil {
			return err
		}
		l.mu.Lock()
		for _, e := range batch {
			if n, ok := l.recent[e.d]; ok && n == e.i {
				delete(l.recent, e.d)
			}
		}
		l.covered = end
		l.gen++
		l.mu.Unlock()
		from = end
	}
	return nil
}

type entry struct {
	d [32]byte
	i uint64
}

// readTile reads a hash tile, truncated to the width asked for (the MySQL driver returns whole rows);
// a partial tile the POSIX driver already collected is cut from the full one.
func (l *Log) readTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	t, err := l.reader.ReadTile(ctx, level, index, p)
	if errors.Is(err, os.ErrNotExist) && p > 0 {
		t, err = l.reader.ReadTile(ctx, level, index, 0)
	}
	if err != nil {
		return nil, err
	}
	w := int(p)
	if w == 0 {
		w = layout.TileWidth
	}
	if len(t) < w*32 {
		return nil, fmt.Errorf("tile %d/%d has %d hashes, %d wanted: %w", level, index, len(t)/32, w, os.ErrNotExist)
	}
	return t[:w*32], nil
}

// readBundle reads an entry bundle, truncated to the width asked for (see readTile).
func (l *Log) readBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	b, err := l.reader.ReadEntryBundle(ctx, index, p)
	if errors.Is(err, os.ErrNotExist) && p > 0 {
		b, err = l.reader.ReadEntryBundle(ctx, index, 0)
	}
	if err != nil {
		return nil, err
	}
	w := int(p)
	if w == 0 {
		w = layout.EntryBundleWidth
	}
	off := 0
	for range w {
		if off+2 > len(b) {
			return nil, fmt.Errorf("entry bundle %d has fewer than %d entries: %w", index, w, os.ErrNotExist)
		}
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		if off > len(b) {
			return nil, fmt.Errorf("entry bundle %d is truncated", index)
		}
	}
	return b[:off], nil
}

func verifyConsistency(size1, size2 uint64, p [][]byte, root1, root2 []byte) error {
	return proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, p, root1, root2)
}

func verifyInclusion(index, size uint64, leaf []byte, p [][]byte, root []byte) error {
	return proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leaf, p, root)
}

// vkeyFromSkey derives the verifier key of an Ed25519 note signing key.
func vkeyFromSkey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("log key file is not a note signing key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", errors.New("log key file is not an Ed25519 note signing key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	return parts[2] + "+" + parts[3] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, pub...)), nil
}

// writeFileSync writes a file atomically and durably (temp file, fsync, rename, fsync of the folder),
// refusing to replace an existing one.
func writeFileSync(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Create(path, data, perm)
}

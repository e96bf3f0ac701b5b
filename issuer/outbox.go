package issuer

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
)

// Outbox is the on-disk queue that makes anchoring survive registry outages.
// Every issued credential's digest is written to it durably (file and
// directory fsynced) before the credential is released; Flush sends the
// queue in batches, retrying with exponential backoff and jitter, records the
// index the registry acknowledges, then fetches the inclusion proof, writes it
// next to the credential, and only then removes the item. Statistics reports
// travel the same way. Items are one JSON file each, so an interrupted flush
// loses nothing and a repeated one is harmless: anchoring is idempotent.
type Outbox struct{ dir string }

// Item kinds.
const (
	KindAnchor = "anchor"
	KindStats  = "stats"
)

// Item is one queued piece of work.
type Item struct {
	Kind     string      `json:"kind"`
	Digest   string      `json:"digest,omitempty"` // hex SHA-256 (anchor)
	What     string      `json:"what"`             // what was issued, for people reading `outbox status`
	Proof    string      `json:"proof,omitempty"`  // absolute path the inclusion proof goes to
	Registry string      `json:"registry"`
	Issuer   string      `json:"iss"`
	Index    *uint64     `json:"index,omitempty"` // set once the registry acknowledged the anchor
	Counts   []StatCount `json:"counts,omitempty"`
	Created  time.Time   `json:"created"`

	Attempts  int       `json:"attempts,omitempty"`
	LastTry   time.Time `json:"lastTry,omitzero"`
	LastError string    `json:"lastError,omitempty"`

	name string
}

// Name is the item's file name in the outbox (its id).
func (it *Item) Name() string { return it.name }

// State says where an item is: "queued" (waiting for an index), "anchored"
// (index known, proof pending) or "report" (statistics to send).
func (it *Item) State() string {
	switch {
	case it.Kind == KindStats:
		return "report"
	case it.Index == nil:
		return "queued"
	}
	return "anchored"
}

// OpenOutbox opens (creating if needed) the outbox in dir.
func OpenOutbox(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return &Outbox{dir: dir}, nil
}

// Dir is the outbox's directory.
func (o *Outbox) Dir() string { return o.dir }

// Add writes items durably: when it returns nil, each item survives a crash
// or power loss. An anchor item for a digest already queued is kept as is.
func (o *Outbox) Add(items ...*Item) error {
	for _, it := range items {
		switch it.Kind {
		case KindAnchor:
			if _, err := ParseDigest(it.Digest); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
			it.name = "anchor-" + strings.ToLower(it.Digest) + ".json"
			if _, err := os.Stat(filepath.Join(o.dir, it.name)); err == nil {
				continue
			}
		case KindStats:
			b, err := randomB64(6)
			if err != nil {
				return err
			}
			it.name = "stats-" + strconv.FormatInt(time.Now().UnixNano(), 10) + "-" + b + ".json"
		default:
			return fmt.Errorf("outbox: unknown item kind %q", it.Kind)
		}
		if it.Created.IsZero() {
			it.Created = time.Now().UTC()
		}
		if err := o.save(it); err != nil {
			return err
		}
	}
	return syncDir(o.dir)
}

func (o *Outbox) save(it *Item) error {
	b, err := json.MarshalIndent(it, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(o.dir, it.name), append(b, '\n'), 0o600)
}

func (o *Outbox) remove(it *Item) error {
	if err := os.Remove(filepath.Join(o.dir, it.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(o.dir)
}

// List returns the queued items, oldest first. A file that cannot be read
// as an item is an error naming it: it is never dropped silently.
func (o *Outbox) List() ([]*Item, error) {
	ents, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	var out []*Item
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(o.dir, n))
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		it := &Item{name: n}
		if err := json.Unmarshal(data, it); err != nil || (it.Kind != KindAnchor && it.Kind != KindStats) {
			return nil, fmt.Errorf("outbox: %s is not an outbox item; move it away after checking it", filepath.Join(o.dir, n))
		}
		if it.Kind == KindAnchor {
			if _, err := ParseDigest(it.Digest); err != nil {
				return nil, fmt.Errorf("outbox: %s: %w", filepath.Join(o.dir, n), err)
			}
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

// Backoff is the retry schedule: the n-th consecutive failure waits a random
// time in [d/2, d] with d = min(Max, Base·2ⁿ) ("equal jitter", so a fleet of
// clinics coming back after an outage does not retry in lockstep).
type Backoff struct {
	Base, Max time.Duration
}

// DefaultBackoff starts at 250 ms and stops doubling at 30 s.
var DefaultBackoff = Backoff{Base: 250 * time.Millisecond, Max: 30 * time.Second}

// Delay returns the wait after the n-th consecutive failure (n ≥ 1).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if d <= 1 {
		return d
	}
	return d/2 + mathrand.N(d/2+1)
}

// FlushOptions tune Flush.
type FlushOptions struct {
	// Wait names the items Flush waits for (Item.Name); nil: all of them.
	// Flush returns as soon as they are all done, permanently refused, or
	// ctx ends.
	Wait []string
	// Backoff between failed attempts (default DefaultBackoff).
	Backoff Backoff
	// CheckProof checks a proof before it is written; nil: CheckProof.
	CheckProof func(proof []byte, digest [32]byte, index uint64) error
	// ProofDir receives proofs of items without a Proof path.
	ProofDir string
	// Log, if set, reports progress (one line per event).
	Log func(format string, args ...any)
}

// FlushResult says what a flush did and what is left.
type FlushResult struct {
	Anchored, Proved, Reported int
	Left                       []*Item // every item still queued, oldest first
	Refused                    []*Item // items the registry refused for good this run (still queued)
	LastError                  error
}

// Flush drives the queue against the registry until the items it waits for
// are done or refused, or ctx ends. Temporary failures (registry down, 5xx,
// 429) are retried with backoff; a permanent refusal (4xx) leaves the item
// queued with its error and stops retrying it for this run.
func (o *Outbox) Flush(ctx context.Context, r *Registry, opt FlushOptions) (*FlushResult, error) {
	if opt.Backoff.Base <= 0 {
		opt.Backoff = DefaultBackoff
	}
	check := opt.CheckProof
	if check == nil {
		check = CheckProof
	}
	logf := opt.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	res := &FlushResult{}
	refused := map[string]bool{}
	failures := 0                      // consecutive temporary failures
	proofWait := 50 * time.Millisecond // poll interval while proofs are pending
	for {
		items, err := o.List()
		if err != nil {
			return res, err
		}
		waiting := o.waiting(items, opt.Wait, refused)
		if !waiting {
			return o.finish(res, items, refused), nil
		}
		progress, tempErr, pendingProof := false, error(nil), false

		// 1. Anchor queued digests in batches.
		var queued []*Item
		for _, it := range items {
			if it.Kind == KindAnchor && it.Index == nil && !refused[it.name] {
				queued = append(queued, it)
			}
		}
		for len(queued) > 0 && tempErr == nil {
			batch := queued[:min(len(queued), 512)]
			queued = queued[len(batch):]
			ds := make([][32]byte, len(batch))
			for i, it := range batch {
				ds[i], _ = ParseDigest(it.Digest)
			}
			idx, err := r.Anchor(ctx, ds)
			if err != nil {
				if ctx.Err() != nil {
					return o.finish(res, items, refused), nil
				}
				o.noteFailure(batch, err)
				res.LastError = err
				if IsTemporary(err) {
					tempErr = err
				} else {
					for _, it := range batch {
						refused[it.name] = true
					}
					logf("registry refused %d anchors: %v", len(batch), err)
				}
				continue
			}
			for i, it := range batch {
				v := idx[ds[i]]
				it.Index = &v
				it.LastError = ""
				if err := o.save(it); err != nil {
					return res, err
				}
				res.Anchored++
				logf("anchored %s at index %d", it.What, v)
			}
			progress = true
		}

		// 2. Fetch proofs of anchored digests.
		for _, it := range items {
			if tempErr != nil || it.Kind != KindAnchor || it.Index == nil || refused[it.name] {
				continue
			}
			d, _ := ParseDigest(it.Digest)
			proof, err := r.Proof(ctx, d)
			switch {
			case errors.Is(err, ErrNotIntegrated):
				pendingProof = true
				continue
			case errors.Is(err, ErrUnknownDigest):
				// The registry acknowledged it and now denies it: anchor
				// again (idempotent if it does hold it) and say so.
				res.LastError = fmt.Errorf("%s: the registry acknowledged index %d but does not know the digest now; anchoring it again", it.What, *it.Index)
				logf("%v", res.LastError)
				it.Index, it.LastError = nil, res.LastError.Error()
				if err := o.save(it); err != nil {
					return res, err
				}
				progress = true
				continue
			case err != nil:
				if ctx.Err() != nil {
					return o.finish(res, items, refused), nil
				}
				o.noteFailure([]*Item{it}, err)
				res.LastError = err
				if IsTemporary(err) {
					tempErr = err
				} else {
					refused[it.name] = true
				}
				continue
			}
			if err := check(proof, d, *it.Index); err != nil {
				err = fmt.Errorf("%s: the registry's proof for index %d does not check: %w", it.What, *it.Index, err)
				o.noteFailure([]*Item{it}, err)
				res.LastError = err
				refused[it.name] = true
				continue
			}
			dst := it.Proof
			if dst == "" {
				dst = filepath.Join(opt.ProofDir, it.Digest+".proof")
			}
			if err := writeAtomic(dst, proof, 0o644); err != nil {
				return res, err
			}
			if err := o.remove(it); err != nil {
				return res, err
			}
			res.Proved++
			progress = true
			logf("inclusion proof of %s (index %d) → %s", it.What, *it.Index, dst)
		}

		// 3. Statistics reports.
		for _, it := range items {
			if tempErr != nil || it.Kind != KindStats || refused[it.name] {
				continue
			}
			if err := r.ReportStats(ctx, it.Counts); err != nil {
				if ctx.Err() != nil {
					return o.finish(res, items, refused), nil
				}
				o.noteFailure([]*Item{it}, err)
				res.LastError = err
				if IsTemporary(err) {
					tempErr = err
				} else {
					refused[it.name] = true
					logf("registry refused a statistics report: %v", err)
				}
				continue
			}
			if err := o.remove(it); err != nil {
				return res, err
			}
			res.Reported++
			progress = true
		}

		var wait time.Duration
		switch {
		case tempErr != nil:
			failures++
			wait = opt.Backoff.Delay(failures)
			logf("registry unavailable (%v); retrying in %s", tempErr, wait.Round(time.Millisecond))
		case progress:
			failures = 0
			continue
		case pendingProof:
			failures = 0
			wait = proofWait
			proofWait = min(proofWait*2, 2*time.Second)
		default:
			continue // nothing was possible: the next round finds nothing to wait for
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			items, err := o.List()
			if err != nil {
				return res, err
			}
			return o.finish(res, items, refused), nil
		case <-t.C:
		}
	}
}

// waiting reports whether any item Flush waits for is still actionable.
func (o *Outbox) waiting(items []*Item, names []string, refused map[string]bool) bool {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for _, it := range items {
		if (names == nil || want[it.name]) && !refused[it.name] {
			return true
		}
	}
	return false
}

func (o *Outbox) finish(res *FlushResult, items []*Item, refused map[string]bool) *FlushResult {
	res.Left, res.Refused = nil, nil
	for _, it := range items {
		if _, err := os.Stat(filepath.Join(o.dir, it.name)); err != nil {
			continue
		}
		res.Left = append(res.Left, it)
		if refused[it.name] {
			res.Refused = append(res.Refused, it)
		}
	}
	return res
}

// noteFailure records an attempt's error on the items (best effort: the
// items stay queued either way).
func (o *Outbox) noteFailure(items []*Item, err error) {
	now := time.Now().UTC()
	for _, it := range items {
		it.Attempts++
		it.LastTry = now
		it.LastError = err.Error()
		_ = o.save(it)
	}
}

// CheckProof checks that proof is a C2SP tlog-proof of digest at index:
// that it parses, names that index, and that its hashes lead from the digest
// to the root its checkpoint states. It does not check the checkpoint's
// signatures (see VerifyProof): the issuer may not hold the trust policy;
// verifiers check them against theirs.
func CheckProof(proof []byte, digest [32]byte, index uint64) error {
	p, err := anchor.ParseProof(proof)
	if err != nil {
		return err
	}
	if p.Index != index {
		return fmt.Errorf("the proof is for index %d, the registry acknowledged %d", p.Index, index)
	}
	c, err := anchor.ParseCheckpoint(p.Checkpoint)
	if err != nil {
		return err
	}
	return p.Includes(digest, c)
}

// VerifyProof returns a CheckProof that also verifies the checkpoint's log
// signature and witness quorum against v (from the trust policy).
func VerifyProof(v *anchor.CheckpointVerifier) func([]byte, [32]byte, uint64) error {
	return func(proof []byte, digest [32]byte, index uint64) error {
		p, err := anchor.ParseProof(proof)
		if err != nil {
			return err
		}
		if p.Index != index {
			return fmt.Errorf("the proof is for index %d, the registry acknowledged %d", p.Index, index)
		}
		_, err = p.Verify(digest, v)
		return err
	}
}

// syncDir fsyncs a directory so that renames and removals in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// DigestHex is the log entry of a signed credential (anchor.Digest: for an
// SD-JWT, of the issuer JWT only) in lowercase hex.
func DigestHex(signed string) string {
	d := anchor.Digest(signed)
	return hex.EncodeToString(d[:])
}

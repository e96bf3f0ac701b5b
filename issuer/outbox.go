package issuer

import (
	"bytes"
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
	"sync"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/internal/atomicfile"
	"github.com/immunopass/immunopass/internal/vfs"
)

// Outbox is the on-disk queue that makes anchoring survive registry outages.
// Every issued credential's digest is written to it durably before the
// credential is released; Flush sends the queue in batches, retrying with
// exponential backoff and jitter, records the index the registry
// acknowledges, then fetches the inclusion proof, writes it where the item
// says, and only then removes the item. Statistics reports travel the same
// way. An interrupted flush loses nothing and a repeated one is harmless:
// anchoring is idempotent.
//
// # Group commit
//
// Add writes all its items as one file (JSON Lines, one item a line) with
// atomicfile: one temporary file, one fsync, one rename, one folder fsync,
// whatever the number of items. Flush likewise rewrites each file it
// changed once per round (indexes acknowledged, proofs written, errors
// noted), and removes a file once all its items are done. Files of one item
// per "anchor-*.json" or "stats-*.json" (written by earlier versions) are
// still read and flushed.
//
// Every file write goes through a vfs.FS, so that crash tests can run the
// protocol on vfs.Mem and cut the power after any step.
type Outbox struct {
	fs  vfs.FS
	dir string
}

// Item kinds.
const (
	KindAnchor = "anchor"
	KindStats  = "stats"
)

// Item is one queued piece of work.
type Item struct {
	Kind   string `json:"kind"`
	Digest string `json:"digest,omitempty"` // hex SHA-256 (anchor)
	What   string `json:"what"`             // what was issued, for people reading `outbox status`
	Proof  string `json:"proof,omitempty"`  // absolute path the inclusion proof goes to
	// ProofLog is a JSON Lines file the proof is appended to instead, as
	// {"digest","index","proof"} (batch issuance: one file for many
	// credentials).
	ProofLog string      `json:"proofLog,omitempty"`
	Registry string      `json:"registry"`
	Issuer   string      `json:"iss"`
	Index    *uint64     `json:"index,omitempty"` // set once the registry acknowledged the anchor
	Counts   []StatCount `json:"counts,omitempty"`
	Created  time.Time   `json:"created"`

	Attempts  int       `json:"attempts,omitempty"`
	LastTry   time.Time `json:"lastTry,omitzero"`
	LastError string    `json:"lastError,omitempty"`
	// ID names the item: "anchor-<digest>" or "stats-<time>-<random>".
	ID string `json:"id,omitempty"`

	file string // the outbox file holding it
	done bool   // finished: dropped at the next write of its file
}

// Name is the item's id in the outbox.
func (it *Item) Name() string { return it.ID }

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
func OpenOutbox(dir string) (*Outbox, error) { return OpenOutboxFS(vfs.OS, dir) }

// OpenOutboxFS is OpenOutbox on fsys.
func OpenOutboxFS(fsys vfs.FS, dir string) (*Outbox, error) {
	if err := fsys.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return &Outbox{fs: fsys, dir: dir}, nil
}

// Dir is the outbox's directory.
func (o *Outbox) Dir() string { return o.dir }

// Add writes items durably, all in one file with one fsync: when it returns
// nil, each item survives a crash or power loss. A digest added twice is
// anchored once (anchoring is idempotent) and its proof written twice.
func (o *Outbox) Add(items ...*Item) error {
	if len(items) == 0 {
		return nil
	}
	now := time.Now().UTC()
	suffix, err := randomB64(6)
	if err != nil {
		return err
	}
	file := "batch-" + fmt.Sprintf("%020d", now.UnixNano()) + "-" + suffix + ".jsonl"
	for i, it := range items {
		switch it.Kind {
		case KindAnchor:
			if _, err := ParseDigest(it.Digest); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
			it.ID = "anchor-" + strings.ToLower(it.Digest)
		case KindStats:
			it.ID = "stats-" + strconv.FormatInt(now.UnixNano(), 10) + "-" + suffix + "-" + strconv.Itoa(i)
		default:
			return fmt.Errorf("outbox: unknown item kind %q", it.Kind)
		}
		if it.Created.IsZero() {
			it.Created = now
		}
		it.file = file
	}
	if err := o.writeFile(file, items); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// writeFile replaces an outbox file with the items not done, or removes it
// when none is left. Both are durable when it returns.
func (o *Outbox) writeFile(file string, items []*Item) error {
	var buf bytes.Buffer
	n := 0
	for _, it := range items {
		if it.done {
			continue
		}
		b, err := json.Marshal(it)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
		n++
	}
	path := filepath.Join(o.dir, file)
	if n == 0 {
		if err := o.fs.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return o.fs.SyncDir(o.dir)
	}
	if !strings.HasSuffix(file, ".jsonl") {
		// A one-item file of an earlier version: keep its form.
		b, err := json.MarshalIndent(items[0], "", "  ")
		if err != nil {
			return err
		}
		buf.Reset()
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return atomicfile.WriteFS(o.fs, path, buf.Bytes(), 0o600)
}

// commit writes every file holding one of items (each once).
func (o *Outbox) commit(items []*Item, byFile map[string][]*Item) error {
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.file] {
			continue
		}
		seen[it.file] = true
		if err := o.writeFile(it.file, byFile[it.file]); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

// List returns the queued items, oldest first. A file that cannot be read
// as items is an error naming it: it is never dropped silently.
func (o *Outbox) List() ([]*Item, error) {
	items, _, err := o.load()
	return items, err
}

func (o *Outbox) load() ([]*Item, map[string][]*Item, error) {
	ents, err := o.fs.ReadDir(o.dir)
	if err != nil {
		return nil, nil, fmt.Errorf("outbox: %w", err)
	}
	var out []*Item
	byFile := map[string][]*Item{}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || !(strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".jsonl")) {
			continue
		}
		path := filepath.Join(o.dir, n)
		data, err := o.fs.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			// Removed since the listing: a flush dropped it, all its items
			// done (a rewrite renames over it, so it never goes missing).
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("outbox: %w", err)
		}
		items, err := parseOutboxFile(n, data)
		if err != nil {
			return nil, nil, fmt.Errorf("outbox: %s %v; move it away after checking it", path, err)
		}
		for _, it := range items {
			it.file = n
		}
		byFile[n] = items
		out = append(out, items...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		return false // one file's items stay in their order
	})
	return out, byFile, nil
}

// parseOutboxFile reads one outbox file: JSON Lines of items, or (an
// earlier version's file) one indented item.
func parseOutboxFile(name string, data []byte) ([]*Item, error) {
	var raws [][]byte
	if strings.HasSuffix(name, ".jsonl") {
		if len(data) == 0 || data[len(data)-1] != '\n' {
			return nil, errors.New("is cut short (no final newline)")
		}
		raws = bytes.Split(data[:len(data)-1], []byte("\n"))
	} else {
		raws = [][]byte{data}
	}
	var out []*Item
	for i, raw := range raws {
		it := &Item{}
		if err := json.Unmarshal(raw, it); err != nil || (it.Kind != KindAnchor && it.Kind != KindStats) {
			return nil, fmt.Errorf("line %d is not an outbox item", i+1)
		}
		if it.Kind == KindAnchor {
			if _, err := ParseDigest(it.Digest); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		if it.ID == "" { // an earlier version named items by their file
			it.ID = strings.TrimSuffix(name, ".json")
		}
		out = append(out, it)
	}
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
	// AnchorOnly stops at anchoring: Flush returns once the items it waits
	// for have their index, and fetches no proofs (a batch run anchors
	// each chunk this way and fetches the proofs at the end).
	AnchorOnly bool
	// Backoff between failed attempts (default DefaultBackoff).
	Backoff Backoff
	// CheckProof checks a proof before it is written; nil: CheckProof.
	CheckProof func(proof []byte, digest [32]byte, index uint64) error
	// ProofDir receives proofs of items without a Proof path.
	ProofDir string
	// Log, if set, reports progress (one line per event).
	Log func(format string, args ...any)
	// Progress, if set, is called after each anchored batch and each round
	// of proofs with the totals so far.
	Progress func(anchored, proved int)
}

// FlushResult says what a flush did and what is left.
type FlushResult struct {
	Anchored, Proved, Reported int
	Left                       []*Item // every item still queued, oldest first
	Refused                    []*Item // items the registry refused for good this run (still queued)
	LastError                  error
}

// AnchorAdded anchors items just queued by Add, without reading the
// outbox: items must be every item of one or more Add calls (statistics
// included; only anchors are sent). It sends up to AnchorBatch digests per
// request, tries once, and records the indexes with one write per outbox
// file. A batch run calls it for each group while it signs the next; what
// it could not anchor stays queued for Flush.
func (o *Outbox) AnchorAdded(ctx context.Context, r *Registry, items []*Item) (int, error) {
	byFile := map[string][]*Item{}
	var queued []*Item
	for _, it := range items {
		byFile[it.file] = append(byFile[it.file], it)
		if it.Kind == KindAnchor && it.Index == nil {
			queued = append(queued, it)
		}
	}
	n := 0
	for len(queued) > 0 {
		batch := queued[:min(len(queued), AnchorBatch)]
		queued = queued[len(batch):]
		ds := make([][32]byte, len(batch))
		for i, it := range batch {
			ds[i], _ = ParseDigest(it.Digest)
		}
		idx, err := r.Anchor(ctx, ds)
		if err != nil {
			return n, err
		}
		for i, it := range batch {
			v := idx[ds[i]]
			it.Index = &v
		}
		if err := o.commit(batch, byFile); err != nil {
			return n, err
		}
		n += len(batch)
	}
	return n, nil
}

// AnchorBatch is the most digests Flush sends in one signed request (the
// registry takes up to 10,000 in a request body of at most 1 MiB).
const AnchorBatch = 4000

// proofWorkers is how many proofs Flush fetches at once.
const proofWorkers = 8

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
	progressf := opt.Progress
	if progressf == nil {
		progressf = func(int, int) {}
	}
	var want map[string]bool
	if opt.Wait != nil {
		want = make(map[string]bool, len(opt.Wait))
		for _, n := range opt.Wait {
			want[n] = true
		}
	}
	res := &FlushResult{}
	refused := map[string]bool{}
	failures := 0                      // consecutive temporary failures
	proofWait := 50 * time.Millisecond // poll interval while proofs are pending
	for {
		items, byFile, err := o.load()
		if err != nil {
			return res, err
		}
		if !o.waiting(items, want, refused, opt.AnchorOnly) {
			return o.finish(res, items, refused), nil
		}
		progress, tempErr, pendingProof := false, error(nil), false

		// 1. Anchor queued digests in batches; each batch's indexes are
		// written with one write per outbox file.
		var queued []*Item
		for _, it := range items {
			if it.Kind == KindAnchor && it.Index == nil && !refused[it.ID] {
				queued = append(queued, it)
			}
		}
		for len(queued) > 0 && tempErr == nil {
			batch := queued[:min(len(queued), AnchorBatch)]
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
				o.noteFailure(batch, byFile, err)
				res.LastError = err
				if IsTemporary(err) {
					tempErr = err
				} else {
					for _, it := range batch {
						refused[it.ID] = true
					}
					logf("registry refused %d anchors: %v", len(batch), err)
				}
				continue
			}
			for i, it := range batch {
				v := idx[ds[i]]
				it.Index = &v
				it.LastError = ""
			}
			if err := o.commit(batch, byFile); err != nil {
				return res, err
			}
			res.Anchored += len(batch)
			if len(batch) <= 16 {
				for _, it := range batch {
					logf("anchored %s at index %d", it.What, *it.Index)
				}
			} else {
				logf("anchored %d credentials at indexes %d to %d", len(batch), *batch[0].Index, *batch[len(batch)-1].Index)
			}
			progressf(res.Anchored, res.Proved)
			progress = true
		}

		// 2. Fetch proofs of anchored digests, several at once; write them
		// (durably), then drop the proved items from their files.
		var anchored []*Item
		if !opt.AnchorOnly && tempErr == nil {
			for _, it := range items {
				if it.Kind == KindAnchor && it.Index != nil && !refused[it.ID] {
					anchored = append(anchored, it)
				}
			}
		}
		for len(anchored) > 0 && tempErr == nil {
			round := anchored[:min(len(anchored), AnchorBatch)]
			anchored = anchored[len(round):]
			pr, err := o.prove(ctx, r, round, byFile, check, opt.ProofDir, logf)
			if err != nil {
				return res, err
			}
			if ctx.Err() != nil {
				return o.finish(res, items, refused), nil
			}
			for _, it := range pr.refused {
				refused[it.ID] = true
			}
			if pr.lastErr != nil {
				res.LastError = pr.lastErr
			}
			tempErr = pr.tempErr
			pendingProof = pendingProof || len(pr.pending) > 0
			if pr.proved > 0 || pr.changed {
				progress = true
			}
			if pr.proved > 0 {
				res.Proved += pr.proved
				progressf(res.Anchored, res.Proved)
			}
		}

		// 3. Statistics reports.
		for _, it := range items {
			if tempErr != nil || it.Kind != KindStats || refused[it.ID] || opt.AnchorOnly {
				continue
			}
			if err := r.ReportStats(ctx, it.Counts); err != nil {
				if ctx.Err() != nil {
					return o.finish(res, items, refused), nil
				}
				o.noteFailure([]*Item{it}, byFile, err)
				res.LastError = err
				if IsTemporary(err) {
					tempErr = err
				} else {
					refused[it.ID] = true
					logf("registry refused a statistics report: %v", err)
				}
				continue
			}
			it.done = true
			if err := o.commit([]*Item{it}, byFile); err != nil {
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

// proveResult is what one round of prove did.
type proveResult struct {
	proved  int
	pending []*Item // not integrated yet
	refused []*Item // refused for good (this run)
	changed bool    // an item went back to the anchoring queue
	tempErr error   // a temporary failure: back off
	lastErr error
}

// prove fetches the proofs of anchored items (proofWorkers at a time),
// checks them, writes them (durably), then drops the proved items from
// their files (byFile holds every item of those files).
func (o *Outbox) prove(ctx context.Context, r *Registry, round []*Item, byFile map[string][]*Item, check func([]byte, [32]byte, uint64) error, proofDir string, logf func(string, ...any)) (*proveResult, error) {
	res := &proveResult{}
	proofs, errs := fetchProofs(ctx, r, round, check)

	var proved, touched []*Item
	logs := map[string][]byte{}
	var logOrder []string
	fail := func(it *Item, err error) {
		it.Attempts++
		it.LastTry = time.Now().UTC()
		it.LastError = err.Error()
		touched = append(touched, it)
	}
	for i, it := range round {
		d, _ := ParseDigest(it.Digest)
		switch err := errs[i]; {
		case errors.Is(err, ErrNotIntegrated):
			res.pending = append(res.pending, it)
			continue
		case errors.Is(err, ErrUnknownDigest):
			// The registry acknowledged it and now denies it: anchor
			// again (idempotent if it does hold it) and say so.
			e := fmt.Errorf("%s: the registry acknowledged index %d but does not know the digest now; anchoring it again", it.What, *it.Index)
			res.lastErr = e
			logf("%v", e)
			it.Index, it.LastError = nil, e.Error()
			touched = append(touched, it)
			res.changed = true
			continue
		case err != nil:
			if ctx.Err() != nil {
				return res, nil
			}
			res.lastErr = err
			if IsTemporary(err) {
				res.tempErr = err
			} else {
				res.refused = append(res.refused, it)
			}
			fail(it, err)
			continue
		}
		if err := check(proofs[i], d, *it.Index); err != nil {
			err = fmt.Errorf("%s: the registry's proof for index %d does not check: %w", it.What, *it.Index, err)
			res.lastErr = err
			res.refused = append(res.refused, it)
			fail(it, err)
			continue
		}
		if it.ProofLog != "" {
			line, err := json.Marshal(struct {
				Digest string `json:"digest"`
				Index  uint64 `json:"index"`
				Proof  string `json:"proof"`
			}{it.Digest, *it.Index, string(proofs[i])})
			if err != nil {
				return res, err
			}
			if logs[it.ProofLog] == nil {
				logOrder = append(logOrder, it.ProofLog)
			}
			logs[it.ProofLog] = append(append(logs[it.ProofLog], line...), '\n')
		} else {
			dst := it.Proof
			if dst == "" {
				dst = filepath.Join(proofDir, it.Digest+".proof")
			}
			if err := o.fs.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return res, err
			}
			if err := atomicfile.WriteFS(o.fs, dst, proofs[i], 0o644); err != nil {
				return res, err
			}
			logf("inclusion proof of %s (index %d) → %s", it.What, *it.Index, dst)
		}
		it.done = true
		proved = append(proved, it)
	}
	for _, name := range logOrder {
		if err := AppendDurably(o.fs, name, logs[name]); err != nil {
			return res, err
		}
	}
	// The proofs are durable: now the items may go.
	if err := o.commit(append(proved, touched...), byFile); err != nil {
		return res, err
	}
	res.proved = len(proved)
	return res, nil
}

// tileProofsFrom is the smallest round whose proofs are built from the
// log's tiles rather than asked for one by one.
const tileProofsFrom = 16

// fetchProofs gets the proofs of anchored items: built from the log's
// tiles for a large round (TileProofs), asked for one by one (Proof,
// proofWorkers at a time) for a small one, for what the tiles could not
// prove, or when the registry serves no tiles.
func fetchProofs(ctx context.Context, r *Registry, round []*Item, check func([]byte, [32]byte, uint64) error) ([][]byte, []error) {
	proofs := make([][]byte, len(round))
	errs := make([]error, len(round))
	ask := make([]int, 0, len(round))
	if len(round) >= tileProofsFrom && !r.noTiles.Load() {
		idx := make([]uint64, len(round))
		for i, it := range round {
			idx[i] = *it.Index
		}
		tp, err := r.TileProofs(ctx, idx)
		if err != nil && ctx.Err() == nil {
			r.noTiles.Store(true)
		}
		for i, it := range round {
			p, ok := tp[*it.Index]
			d, _ := ParseDigest(it.Digest)
			switch {
			case err != nil:
				ask = append(ask, i)
			case !ok:
				errs[i] = ErrNotIntegrated
			case check(p, d, *it.Index) != nil:
				ask = append(ask, i) // the registry explains (unknown digest…)
			default:
				proofs[i] = p
			}
		}
	} else {
		for i := range round {
			ask = append(ask, i)
		}
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(proofWorkers, len(ask)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d, _ := ParseDigest(round[i].Digest)
				proofs[i], errs[i] = r.Proof(ctx, d)
			}
		}()
	}
	for _, i := range ask {
		next <- i
	}
	close(next)
	wg.Wait()
	return proofs, errs
}

// ProveRound fetches and writes the proofs of items anchored by
// AnchorAdded, once, without waiting: items must be every item of one or
// more Add calls (items already proved and other kinds are passed over).
// It returns how many it proved and how many the log has not integrated
// yet (try again a little later); what is left stays queued for Flush.
func (o *Outbox) ProveRound(ctx context.Context, r *Registry, items []*Item, check func([]byte, [32]byte, uint64) error) (proved, pending int, err error) {
	if check == nil {
		check = CheckProof
	}
	byFile := map[string][]*Item{}
	var todo []*Item
	for _, it := range items {
		byFile[it.file] = append(byFile[it.file], it)
		if it.Kind == KindAnchor && it.Index != nil && !it.done {
			todo = append(todo, it)
		}
	}
	for len(todo) > 0 {
		round := todo[:min(len(todo), AnchorBatch)]
		todo = todo[len(round):]
		pr, err := o.prove(ctx, r, round, byFile, check, "", func(string, ...any) {})
		proved += pr.proved
		pending += len(pr.pending)
		if err != nil {
			return proved, pending, err
		}
		if pr.lastErr != nil {
			return proved, pending, pr.lastErr
		}
		if ctx.Err() != nil {
			return proved, pending, ctx.Err()
		}
	}
	return proved, pending, nil
}

// Done reports whether an item was written off by this process (anchored
// and proved, or reported).
func (it *Item) Done() bool { return it.done }

// waiting reports whether any item Flush waits for is still actionable.
func (o *Outbox) waiting(items []*Item, want map[string]bool, refused map[string]bool, anchorOnly bool) bool {
	for _, it := range items {
		if (want == nil || want[it.ID]) && !refused[it.ID] {
			if anchorOnly && (it.Kind != KindAnchor || it.Index != nil) {
				continue
			}
			return true
		}
	}
	return false
}

func (o *Outbox) finish(res *FlushResult, items []*Item, refused map[string]bool) *FlushResult {
	res.Left, res.Refused = nil, nil
	for _, it := range items {
		if it.done {
			continue
		}
		res.Left = append(res.Left, it)
		if refused[it.ID] {
			res.Refused = append(res.Refused, it)
		}
	}
	return res
}

// noteFailure records an attempt's error on the items (best effort: the
// items stay queued either way).
func (o *Outbox) noteFailure(items []*Item, byFile map[string][]*Item, err error) {
	now := time.Now().UTC()
	for _, it := range items {
		it.Attempts++
		it.LastTry = now
		it.LastError = err.Error()
	}
	_ = o.commit(items, byFile)
}

// AppendDurably appends data to the file at path (created 0600 if needed)
// and fsyncs it: when it returns nil, data survives a power cut. If the
// file does not end in a newline (an append cut short by a crash), a newline
// goes first, so the torn line stays alone on its line.
func AppendDurably(fsys vfs.FS, path string, data []byte) error {
	info, err := fsys.Lstat(path)
	fresh := errors.Is(err, fs.ErrNotExist)
	if err != nil && !fresh {
		return err
	}
	if fresh {
		if err := fsys.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
	}
	f, err := fsys.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if !fresh && info.Size() > 0 {
		last, err := lastByte(fsys, path, info.Size())
		if err != nil {
			f.Close()
			return err
		}
		if last != '\n' {
			data = append([]byte("\n"), data...)
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if fresh {
		// The new file's name must survive too.
		return fsys.SyncDir(filepath.Dir(path))
	}
	return nil
}

// lastByte reads a file's last byte: directly on the real file system, by
// reading it whole on others (test file systems are small).
func lastByte(fsys vfs.FS, path string, size int64) (byte, error) {
	if fsys == vfs.OS {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		b := make([]byte, 1)
		if _, err := f.ReadAt(b, size-1); err != nil {
			return 0, err
		}
		return b[0], nil
	}
	data, err := fsys.ReadFile(path)
	if err != nil || len(data) == 0 {
		return '\n', err
	}
	return data[len(data)-1], nil
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

// DigestHex is the log entry of a signed credential (anchor.Digest: for an
// SD-JWT, of the issuer JWT only) in lowercase hex.
func DigestHex(signed string) string {
	d := anchor.Digest(signed)
	return hex.EncodeToString(d[:])
}

// Drop removes items from the outbox once their outcome is stored
// elsewhere (the clinic service keeps each anchor's index in its ledger and
// fetches proofs on demand). items must be every item of one or more Add
// calls, as List returns them; only those in drop are removed, with one
// write per file.
func (o *Outbox) Drop(items, drop []*Item) error {
	byFile := map[string][]*Item{}
	for _, it := range items {
		byFile[it.file] = append(byFile[it.file], it)
	}
	for _, it := range drop {
		it.done = true
	}
	return o.commit(drop, byFile)
}

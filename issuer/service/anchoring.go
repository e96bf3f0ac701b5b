package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/issuer"
)

// OutboxDirName is the anchoring outbox in the data folder (issuer.Outbox).
const OutboxDirName = "outbox"

// Anchoring states of a ledger entry.
const (
	AnchorNotConfigured = "not-configured" // the clinic has no registry, or had none when it issued the entry
	AnchorPending       = "pending"        // queued in the outbox, not all acknowledged yet
	AnchorAnchored      = "anchored"       // every credential of the entry has its index in the log
)

var (
	bucketAnchors      = []byte("anchors")       // entry id "/" hex digest → log index
	bucketAuditAnchors = []byte("audit-anchors") // audit seq (big-endian) → auditAnchor
)

// AuditAnchorInterval is how often, at most, the audit log's head (the hash
// of its last entry, which commits to every entry before it) is anchored.
const AuditAnchorInterval = 10 * time.Second

// auditAnchor is one anchored audit log head.
type auditAnchor struct {
	Seq   uint64    `json:"seq"`
	Hash  string    `json:"hash"`
	Index uint64    `json:"index"`
	Time  time.Time `json:"time"`
}

// anchoring is the background sender's state, for the outbox page and
// /healthz.
type anchoring struct {
	mu        sync.Mutex
	lastTry   time.Time
	lastOK    time.Time
	lastError string
	anchored  int64
	auditTry  time.Time // last attempt to anchor the audit head
}

// AnchoringStatus is what the staff page and the API show about the sender.
type AnchoringStatus struct {
	Registry  string    `json:"registry"` // "" when not configured
	Queued    int       `json:"queued"`   // credentials waiting in the outbox
	Anchored  int64     `json:"anchored"` // anchored since the service started
	LastTry   time.Time `json:"lastTry,omitzero"`
	LastOK    time.Time `json:"lastOk,omitzero"`
	LastError string    `json:"lastError,omitempty"`
	// AuditSeq and AuditIndex say which audit log entry was last anchored
	// (its hash commits to every entry up to it) and where in the log.
	AuditSeq   uint64 `json:"auditSeq,omitempty"`
	AuditIndex uint64 `json:"auditIndex,omitempty"`
}

// Anchoring reports the sender's state.
func (s *Service) Anchoring() (AnchoringStatus, error) {
	if s.reg == nil {
		return AnchoringStatus{}, nil
	}
	st := AnchoringStatus{Registry: s.reg.Base.String()}
	items, err := s.outbox.List()
	if err != nil {
		return st, err
	}
	st.Queued = len(items)
	s.anch.mu.Lock()
	st.Anchored, st.LastTry, st.LastOK, st.LastError = s.anch.anchored, s.anch.lastTry, s.anch.lastOK, s.anch.lastError
	s.anch.mu.Unlock()
	if a, ok, err := s.lastAuditAnchor(); err != nil {
		return st, err
	} else if ok {
		st.AuditSeq, st.AuditIndex = a.Seq, a.Index
	}
	return st, nil
}

// lastAuditAnchor is the last anchored audit head.
func (s *Service) lastAuditAnchor() (auditAnchor, bool, error) {
	var a auditAnchor
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bucketAuditAnchors).Cursor().Last()
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &a)
	})
	return a, ok, err
}

// anchorAudit anchors the audit log's head when it moved since the last
// anchored one and AuditAnchorInterval has passed (force: whenever it
// moved). The head is the last entry's hash: anchored, it fixes every entry
// up to it, so that the log cannot be rewritten unnoticed even by someone
// holding clinic.db. It goes straight to the registry, not through the
// outbox: the head can always be read again from the database.
func (s *Service) anchorAudit(ctx context.Context, force bool) error {
	s.anch.mu.Lock()
	due := force || time.Since(s.anch.auditTry) >= AuditAnchorInterval
	if due {
		s.anch.auditTry = time.Now()
	}
	s.anch.mu.Unlock()
	if !due {
		return nil
	}
	var head AuditEntry
	if err := s.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bucketAudit).Cursor().Last()
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &head)
	}); err != nil || head.Seq == 0 {
		return err
	}
	last, ok, err := s.lastAuditAnchor()
	if err != nil || ok && last.Seq >= head.Seq {
		return err
	}
	d, err := issuer.ParseDigest(head.Hash)
	if err != nil {
		return fmt.Errorf("audit entry %d: %w", head.Seq, err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	idx, err := s.reg.Anchor(rctx, [][32]byte{d})
	if err != nil {
		return err
	}
	a := auditAnchor{Seq: head.Seq, Hash: head.Hash, Index: idx[d], Time: s.now().UTC()}
	return s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketAuditAnchors), string(seqKey(a.Seq)), a)
	})
}

// anchorItems are the outbox items of a new entry: one per credential.
func (s *Service) anchorItems(e *Entry) []*issuer.Item {
	if s.reg == nil {
		return nil
	}
	e.Anchor = true
	mk := func(cred, what string) *issuer.Item {
		return &issuer.Item{Kind: issuer.KindAnchor, Digest: issuer.DigestHex(cred), What: "ledger:" + e.ID + " " + what,
			Registry: s.reg.Base.String(), Issuer: s.reg.Issuer}
	}
	items := []*issuer.Item{mk(e.SHC, "SMART Health Card")}
	for i, sd := range e.SDJWT {
		items = append(items, mk(sd.SDJWT, fmt.Sprintf("SD-JWT VC %d", i+1)))
	}
	return items
}

// AnchorState is an entry's anchoring state and the log indexes known so
// far, by hex digest.
func (s *Service) AnchorState(e *Entry) (string, map[string]uint64, error) {
	var state string
	var idx map[string]uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		state, idx, err = anchorStateTx(tx, e)
		return err
	})
	return state, idx, err
}

func anchorStateTx(tx *bolt.Tx, e *Entry) (string, map[string]uint64, error) {
	if !e.Anchor {
		return AnchorNotConfigured, nil, nil
	}
	idx := map[string]uint64{}
	c := tx.Bucket(bucketAnchors).Cursor()
	prefix := []byte(e.ID + "/")
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return "", nil, fmt.Errorf("anchor index of %s: %w", k, err)
		}
		idx[string(k[len(prefix):])] = n
	}
	if len(idx) >= 1+len(e.SDJWT) {
		return AnchorAnchored, idx, nil
	}
	return AnchorPending, idx, nil
}

// anchorGather is the pause after a round that anchored something, before
// the next: it bounds how often a busy clinic calls the registry (a few
// dozen rounds a second) at the cost of that much anchoring delay.
const anchorGather = 25 * time.Millisecond

// anchorLoop sends the outbox to the registry until ctx ends: after every
// group commit, and otherwise every retry interval; a failure is retried
// with exponential backoff and jitter (issuer.DefaultBackoff), and shown
// by Anchoring.
func (s *Service) anchorLoop(ctx context.Context) {
	defer close(s.anchorDone)
	failures := 0
	for {
		n, err := s.anchorRound(ctx)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			wait = issuer.DefaultBackoff.Delay(failures)
		case n > 0:
			failures = 0
			// More arrives meanwhile: gathering it for a moment makes the
			// next round (its registry request, the registry's log append,
			// the anchors' commit and the audit head) serve more credentials.
			t := time.NewTimer(anchorGather)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		default:
			failures = 0
			wait = time.Minute
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.anchorKick:
			if err != nil {
				// Still wait out the backoff after a failure: a busy clinic
				// must not hammer a registry that is down.
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		case <-t.C:
		}
		t.Stop()
	}
}

// anchorRound anchors what the outbox holds, stores the indexes in the
// ledger's anchors bucket, then drops those items from the outbox (in that
// order: a crash in between sends them again, and anchoring is
// idempotent).
func (s *Service) anchorRound(ctx context.Context) (int, error) {
	s.anchorMu.Lock()
	defer s.anchorMu.Unlock()
	items, err := s.outbox.List()
	if err != nil {
		return 0, err
	}
	if len(items) == 0 {
		// Idle: the audit head (staff actions that issue nothing count too).
		if err := s.anchorAudit(ctx, false); err != nil {
			s.noteError(err)
			return 0, err
		}
		return 0, nil
	}
	sendErr := s.sendAnchors(ctx, items)
	var done []*issuer.Item
	for _, it := range items {
		if it.Kind != issuer.KindAnchor {
			done = append(done, it) // the service queues nothing else
			continue
		}
		if it.Index != nil {
			done = append(done, it)
		}
	}
	now := time.Now()
	s.anch.mu.Lock()
	s.anch.lastTry = now
	if sendErr != nil {
		s.anch.lastError = sendErr.Error()
	} else {
		s.anch.lastError, s.anch.lastOK = "", now
	}
	s.anch.mu.Unlock()
	if len(done) == 0 {
		return 0, sendErr
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAnchors)
		for _, it := range done {
			if it.Index == nil {
				continue
			}
			id, _, _ := strings.Cut(strings.TrimPrefix(it.What, "ledger:"), " ")
			if err := b.Put([]byte(id+"/"+it.Digest), []byte(strconv.FormatUint(*it.Index, 10))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := s.outbox.Drop(items, done); err != nil {
		return 0, err
	}
	s.anch.mu.Lock()
	s.anch.anchored += int64(len(done))
	s.anch.mu.Unlock()
	if sendErr == nil {
		if err := s.anchorAudit(ctx, false); err != nil {
			s.noteError(err)
			return len(done), err
		}
	}
	return len(done), sendErr
}

// sendAnchors anchors the items without an index, up to
// issuer.AnchorBatch digests a request, and sets their indexes in memory
// only: the caller stores them in clinic.db and drops the items, so the
// outbox file is not rewritten in between (a crash before that sends them
// again, and anchoring is idempotent).
func (s *Service) sendAnchors(ctx context.Context, items []*issuer.Item) error {
	var queued []*issuer.Item
	for _, it := range items {
		if it.Kind == issuer.KindAnchor && it.Index == nil {
			queued = append(queued, it)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for len(queued) > 0 {
		batch := queued[:min(len(queued), issuer.AnchorBatch)]
		queued = queued[len(batch):]
		ds := make([][32]byte, 0, len(batch))
		var ok []*issuer.Item
		for _, it := range batch {
			d, err := issuer.ParseDigest(it.Digest)
			if err != nil {
				return fmt.Errorf("outbox item %s: %w", it.ID, err)
			}
			ds, ok = append(ds, d), append(ok, it)
		}
		idx, err := s.reg.Anchor(rctx, ds)
		if err != nil {
			return err
		}
		for i, it := range ok {
			v := idx[ds[i]]
			it.Index = &v
		}
	}
	return nil
}

func (s *Service) noteError(err error) {
	s.anch.mu.Lock()
	s.anch.lastTry, s.anch.lastError = time.Now(), "audit log head: "+err.Error()
	s.anch.mu.Unlock()
}

// AnchorAuditNow anchors the audit log's head now if it moved (tests, and
// `issuer serve` at shutdown).
func (s *Service) AnchorAuditNow(ctx context.Context) error {
	if s.reg == nil {
		return errors.New("no registry configured")
	}
	s.anchorMu.Lock()
	defer s.anchorMu.Unlock()
	return s.anchorAudit(ctx, true)
}

// openAnchoring opens the outbox and the registry client when a registry
// is configured, and starts the sender.
func (s *Service) openAnchoring(registry string) error {
	if registry == "" {
		return nil
	}
	kf, err := s.signer()
	if err != nil {
		// No active key (compromised): what is queued is still sent,
		// signed with the newest key the clinic has.
		for _, k := range s.keys {
			if kf == nil || k.Created.After(kf.Created) {
				kf = k
			}
		}
	}
	r, err := issuer.NewRegistry(registry, kf.Key, s.cfg.Issuer)
	if err != nil {
		return err
	}
	ob, err := issuer.OpenOutbox(filepath.Join(s.dir, OutboxDirName))
	if err != nil {
		return err
	}
	s.reg, s.outbox = r, ob
	s.anchorKick = make(chan struct{}, 1)
	s.anchorDone = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	s.anchorStop = cancel
	go s.anchorLoop(ctx)
	return nil
}

// AnchorNow runs one round in the caller's goroutine (tests; `issuer
// serve` relies on the background sender).
func (s *Service) AnchorNow(ctx context.Context) (int, error) {
	if s.reg == nil {
		return 0, errors.New("no registry configured")
	}
	return s.anchorRound(ctx)
}

package service

import (
	"context"
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

var bucketAnchors = []byte("anchors") // entry id "/" hex digest → log index

// anchoring is the background sender's state, for the outbox page and
// /healthz.
type anchoring struct {
	mu        sync.Mutex
	lastTry   time.Time
	lastOK    time.Time
	lastError string
	anchored  int64
}

// AnchoringStatus is what the staff page and the API show about the sender.
type AnchoringStatus struct {
	Registry  string    `json:"registry"` // "" when not configured
	Queued    int       `json:"queued"`   // credentials waiting in the outbox
	Anchored  int64     `json:"anchored"` // anchored since the service started
	LastTry   time.Time `json:"lastTry,omitzero"`
	LastOK    time.Time `json:"lastOk,omitzero"`
	LastError string    `json:"lastError,omitempty"`
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
	return st, nil
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
			continue // more may have arrived meanwhile
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
	if err != nil || len(items) == 0 {
		return 0, err
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, sendErr := s.outbox.AnchorAdded(rctx, s.reg, items)
	cancel()
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
	return len(done), sendErr
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

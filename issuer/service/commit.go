package service

import (
	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/issuer"
)

// # Group commit
//
// Signing runs in the request's goroutine, on as many cores as there are;
// storing does not: every issuance hands its signed entry to one committer
// goroutine, which takes every entry waiting at that moment (up to
// maxGroup) and stores them together: the anchoring outbox once (one file,
// one fsync), then one bbolt transaction (one fsync) holding every ledger
// entry, its status list indexes, its idempotency record and its audit
// entry. Only then does each request get
// its answer, so an acknowledged credential is on disk. Under load, groups
// grow by themselves and the fsyncs per credential fall; a lone request
// waits for nothing but its own writes.

// maxGroup bounds one group commit.
const maxGroup = 512

// pendingIssue is one issuance waiting to be stored.
type pendingIssue struct {
	e       *Entry
	person  *person // the patient, for the ledger index
	idemKey string
	reqHash string
	detail  string // the audit entry's detail
	anchors []*issuer.Item
	done    chan error
}

// commitLoop stores groups of issuances until s.commits is closed.
func (s *Service) commitLoop() {
	defer close(s.commitDone)
	for first := range s.commits {
		group := []*pendingIssue{first}
	drain:
		for len(group) < maxGroup {
			select {
			case p, ok := <-s.commits:
				if !ok {
					break drain
				}
				group = append(group, p)
			default:
				break drain
			}
		}
		err := s.store(group)
		for _, p := range group {
			p.done <- err
		}
		s.groups.Add(1)
		if err == nil && s.anchorKick != nil {
			select {
			case s.anchorKick <- struct{}{}:
			default:
			}
		}
	}
}

// store writes one group: the outbox, then the ledger with the status
// indexes.
func (s *Service) store(group []*pendingIssue) error {
	var anchors []*issuer.Item
	for _, p := range group {
		anchors = append(anchors, p.anchors...)
	}
	if len(anchors) > 0 {
		// Queued before the ledger: whatever the ledger holds is anchored
		// eventually. A crash in between anchors digests of credentials
		// never released, which reveals nothing.
		if err := s.outbox.Add(anchors...); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, p := range group {
			if err := putEntry(tx, p.e, p.person); err != nil {
				return err
			}
			// The status indexes are stored with the entry that uses them:
			// after a crash before this commit they are free again, and
			// nothing signed with them was released.
			for _, sd := range p.e.SDJWT {
				if err := tx.Bucket(bucketStatus).Put(statusKey(sd.Index), []byte{0}); err != nil {
					return err
				}
			}
			if p.idemKey != "" {
				if err := putJSON(tx.Bucket(bucketIdem), p.idemKey, idemRecord{Request: p.reqHash, Entry: p.e.ID}); err != nil {
					return err
				}
			}
			if err := appendAudit(tx, p.e.Created, p.e.By, "record.issue", "ledger:"+p.e.ID, p.detail); err != nil {
				return err
			}
		}
		return nil
	})
}

// commit hands an issuance to the committer and waits until it is stored.
func (s *Service) commit(p *pendingIssue) error {
	p.done = make(chan error, 1)
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	s.commits <- p
	s.closeMu.RUnlock()
	return <-p.done
}

// Groups is the number of group commits so far (metrics and tests).
func (s *Service) Groups() int64 { return s.groups.Load() }

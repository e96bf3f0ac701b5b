package service

import (
	"fmt"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/issuer"
)

// MaxIssueMany bounds one IssueMany call: its entries are committed in one
// transaction.
const MaxIssueMany = 1000

// IssueMany issues a group of a campaign's records (SMART Health Cards; the
// SD-JWT VCs come later, bound to each wallet's key when the family
// receives them): every record is validated, then signed on every core,
// then queued for anchoring (one outbox file) when the clinic has a
// registry, then all the ledger and audit entries are committed in one bbolt
// transaction (one fsync for the group instead of one per record). Nothing
// is stored when one record fails: the error names its place in subs
// (from 1, plus first). note goes into each audit entry (the campaign's
// id).
func (s *Service) IssueMany(by, note string, first int, subs []Submission) ([]*Entry, error) {
	if len(subs) > MaxIssueMany {
		return nil, &InputError{Problem: fmt.Sprintf("%d records in one group, at most %d", len(subs), MaxIssueMany)}
	}
	now := s.now()
	for i, sub := range subs {
		if len(sub.Holders) > 0 {
			return nil, &InputError{Field: fmt.Sprintf("record %d", first+i+1), Problem: "holder keys are not taken in a campaign: the wallet gives its key when it receives the credential"}
		}
		if err := checkPatientID(sub.PatientID); err != nil {
			return nil, fmt.Errorf("record %d: %w", first+i+1, err)
		}
		if err := Validate(sub.Record, now); err != nil {
			return nil, fmt.Errorf("record %d (%s): %w", first+i+1, sub.Record.Patient.Name(), err)
		}
	}
	kf, err := s.signer()
	if err != nil {
		return nil, err
	}
	kid := kf.Key.Public().KID()
	out := make([]*Entry, len(subs))
	errs := make([]error, len(subs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(subs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sub := subs[i]
				req := issuer.Request{Issuer: s.cfg.Issuer, Now: now, RIDUser: sub.PatientID}
				card, err := kf.SignSHC(sub.Record, sub.Bundle, req, first+i+1)
				if err != nil {
					errs[i] = &InputError{Field: fmt.Sprintf("record %d", first+i+1), Problem: err.Error()}
					continue
				}
				out[i] = &Entry{ID: randomToken(12), Created: now.UTC(), By: by, KID: kid, Status: StatusValid,
					Doses: len(sub.Record.Immunizations), PatientID: sub.PatientID, SHC: card.JWS, RID: card.RID}
			}
		}()
	}
	for i := range subs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	// Queued for anchoring before the ledger, as single issuances are (see
	// store): whatever the ledger holds is anchored eventually.
	var anchors []*issuer.Item
	for _, e := range out {
		anchors = append(anchors, s.anchorItems(e)...)
	}
	if len(anchors) > 0 {
		if err := s.outbox.Add(anchors...); err != nil {
			return nil, err
		}
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for i, e := range out {
			if err := putEntry(tx, e, personOf(subs[i].Record)); err != nil {
				return err
			}
			detail := fmt.Sprintf("%d doses; SMART Health Card rid %s; kid %s", e.Doses, e.RID, e.KID)
			if note != "" {
				detail += "; " + note
			}
			if err := appendAudit(tx, now, by, "record.issue", "ledger:"+e.ID, detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		e.Anchoring = AnchorNotConfigured
		if e.Anchor {
			e.Anchoring = AnchorPending
		}
	}
	if len(anchors) > 0 && s.anchorKick != nil {
		select {
		case s.anchorKick <- struct{}{}:
		default:
		}
	}
	return out, nil
}

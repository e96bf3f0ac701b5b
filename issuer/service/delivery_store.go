package service

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/issuer"
)

// storeDelivered signs one SD-JWT VC per holder key for a ledger entry's
// record, each with a new status index under the entry, and stores them
// with the entry and an audit line. It is the part of OpenID4VCI delivery
// that depends on how this service signs (its key) and stores (the status
// list, the ledger); the caller holds s.mu.
func (s *Service) storeDelivered(e *Entry, rec *vax.Record, keys []*jose.Key, now time.Time) ([]SDJWTCred, error) {
	req := issuer.Request{Issuer: s.cfg.Issuer, Now: now}
	var added []SDJWTCred
	for _, k := range keys {
		idx, err := s.status.Allocate(e.ID)
		if err != nil {
			return nil, err
		}
		sd, err := s.key.SignSDJWT(rec, req, k, issuer.StatusEntry{URI: s.status.URI, Idx: idx})
		if err != nil {
			return nil, err
		}
		added = append(added, SDJWTCred{SDJWT: sd.SDJWT, StatusURI: sd.StatusURI, Index: sd.Index})
	}
	// The indexes are allocated before the entry is stored: a crash in
	// between leaves them allocated and unused, never reused.
	if err := s.status.Save(); err != nil {
		return nil, err
	}
	e.SDJWT = append(e.SDJWT, added...)
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketLedger), e.ID, e); err != nil {
			return err
		}
		return appendAudit(tx, now, "wallet", "oid4vci.issue", "ledger:"+e.ID, fmt.Sprintf("%d SD-JWT VC delivered to a wallet; kid %s", len(added), s.KID()))
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// anchoringPending reports that an entry's anchoring in the registry is
// not done yet, so that delivery defers (DeliverySettings.Pending, when
// not set). This service does not anchor: never.
func (s *Service) anchoringPending(*Entry) bool { return false }

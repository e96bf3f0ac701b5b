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
// record with the active key, each with a new status index, queues their
// digests for anchoring (when the clinic anchors), and stores them with the
// entry, their status entries and an audit line in one transaction. It is
// the part of OpenID4VCI delivery that depends on how this service signs
// and stores; the caller holds s.mu.
func (s *Service) storeDelivered(e *Entry, rec *vax.Record, keys []*jose.Key, now time.Time) ([]SDJWTCred, error) {
	kf, err := s.signer()
	if err != nil {
		return nil, err
	}
	req := issuer.Request{Issuer: s.cfg.Issuer, Now: now}
	var added []SDJWTCred
	for _, k := range keys {
		idx, err := s.status.Allocate(e.ID)
		if err != nil {
			return nil, err
		}
		sd, err := kf.SignSDJWT(rec, req, k, issuer.StatusEntry{URI: s.status.URI, Idx: idx})
		if err != nil {
			return nil, err
		}
		added = append(added, SDJWTCred{SDJWT: sd.SDJWT, StatusURI: sd.StatusURI, Index: sd.Index})
	}
	if s.reg != nil && e.Anchor {
		// Queued before the ledger, as issue does.
		var items []*issuer.Item
		for i, sd := range added {
			items = append(items, &issuer.Item{Kind: issuer.KindAnchor, Digest: issuer.DigestHex(sd.SDJWT),
				What: fmt.Sprintf("ledger:%s SD-JWT VC %d (delivered)", e.ID, len(e.SDJWT)+i+1), Registry: s.reg.Base.String(), Issuer: s.reg.Issuer})
		}
		if err := s.outbox.Add(items...); err != nil {
			return nil, err
		}
	}
	e.SDJWT = append(e.SDJWT, added...)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := putEntry(tx, e, nil); err != nil {
			return err
		}
		for _, sd := range added {
			if err := tx.Bucket(bucketStatus).Put(statusKey(sd.Index), []byte{0}); err != nil {
				return err
			}
		}
		return appendAudit(tx, now, "wallet", "oid4vci.issue", "ledger:"+e.ID, fmt.Sprintf("%d SD-JWT VC delivered to a wallet; kid %s", len(added), kf.Key.Public().KID()))
	})
	if err != nil {
		return nil, err
	}
	if s.anchorKick != nil {
		select {
		case s.anchorKick <- struct{}{}:
		default:
		}
	}
	return added, nil
}

// anchoringPending reports that an entry's anchoring in the registry is
// not done yet, so that delivery defers (DeliverySettings.Pending, when
// not set).
func (s *Service) anchoringPending(e *Entry) bool { return e.Anchoring == AnchorPending }

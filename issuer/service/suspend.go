package service

import (
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Status list values of the SD-JWT VCs (IETF Token Status List: 0 valid,
// 1 invalid, 2 suspended).
const (
	statusValid     = 0
	statusRevoked   = 1
	statusSuspended = 2
)

// ErrNotValid reports a suspension of an entry that is not valid (already
// suspended, or revoked).
var ErrNotValid = errors.New("not valid")

// ErrNotSuspended reports a reinstatement of an entry that is not
// suspended.
var ErrNotSuspended = errors.New("not suspended")

// MaxReason bounds a revocation or suspension reason.
const MaxReason = 500

func checkReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > MaxReason {
		return "", &InputError{Field: "reason", Problem: fmt.Sprintf("longer than %d characters", MaxReason)}
	}
	if required && reason == "" {
		return "", &InputError{Field: "reason", Problem: "missing: say why the record is suspended"}
	}
	return reason, nil
}

// Suspend suspends every SD-JWT VC of a valid ledger entry: their status
// list entries become 2 (suspended), which verifiers report as
// "suspended", until Reinstate. The reason is required. The SMART Health
// Card is not affected: its only status mechanism, the rid revocation list,
// has no suspension and is final, so a card that must stop verifying is
// revoked instead.
func (s *Service) Suspend(by, id, reason string) (*Entry, error) {
	reason, err := checkReason(reason, true)
	if err != nil {
		return nil, err
	}
	return s.changeStatus(by, id, StatusValid, StatusSuspended, statusSuspended, "record.suspend", reason, ErrNotValid)
}

// Reinstate makes a suspended entry valid again: its SD-JWT VCs' status
// list entries go back to 0. The reason is optional.
func (s *Service) Reinstate(by, id, reason string) (*Entry, error) {
	reason, err := checkReason(reason, false)
	if err != nil {
		return nil, err
	}
	return s.changeStatus(by, id, StatusSuspended, StatusValid, statusValid, "record.reinstate", reason, ErrNotSuspended)
}

// changeStatus moves an entry from one ledger state to another, setting its
// status list entries to value, in one transaction with the ledger entry
// and the audit entry.
func (s *Service) changeStatus(by, id, from, to string, value uint8, action, reason string, wrongState error) (*Entry, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.Entry(id)
	if err != nil {
		return nil, err
	}
	if e.Status != from {
		return e, fmt.Errorf("ledger entry %q is %s: %w", id, e.Status, wrongState)
	}
	vals, undo, err := s.setStatuses(e, value)
	if err != nil {
		return nil, err
	}
	e.Status, e.Reason, e.Changed, e.ChangeBy = to, reason, now.UTC(), by
	if to == StatusValid {
		e.Reason = ""
	}
	detail := reason
	if len(e.SDJWT) == 0 {
		detail = strings.TrimSpace(detail + " (no SD-JWT VC: the SMART Health Card has no suspension)")
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := putEntry(tx, e, nil); err != nil {
			return err
		}
		if err := putStatus(tx, vals); err != nil {
			return err
		}
		return appendAudit(tx, now, by, action, "ledger:"+id, detail)
	})
	if err != nil {
		undo()
		return nil, err
	}
	return e, nil
}

// StatusOf returns the status list value of an SD-JWT VC's index (tests and
// the staff page).
func (s *Service) StatusOf(idx int) (uint8, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status.Get(idx)
}

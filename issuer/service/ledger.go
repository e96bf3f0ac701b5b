package service

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
	"github.com/immunopass/immunopass/issuer"
)

// MaxRecordSize bounds a submitted record (a FHIR Bundle of one patient and
// their immunizations is a few kilobytes).
const MaxRecordSize = 256 << 10

// MaxHolders bounds the SD-JWT VC batch of one submission.
const MaxHolders = 20

// InputError reports a submitted record that cannot be used. Field names
// the problem in FHIRPath form for a Bundle ("Bundle.entry[1].resource.
// occurrenceDateTime") or as a JSON path for record JSON
// ("immunizations[0].date"); it is "" for the whole body.
type InputError struct {
	Field   string
	Problem string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// ReadRecord reads a submitted record: a FHIR R4 Bundle (resourceType
// "Bundle", mapped by vax.FromFHIR) or the project's record JSON
// ({"patient":…,"immunizations":[…]}, as vax.Record marshals). It does
// not validate the record's content (Validate does); it returns the FHIR
// Bundle that the SMART Health Card will hold. Every problem is an
// *InputError.
func ReadRecord(body []byte) (*vax.Record, []byte, error) {
	if len(body) > MaxRecordSize {
		return nil, nil, &InputError{Problem: fmt.Sprintf("body of %d bytes is larger than %d", len(body), MaxRecordSize)}
	}
	body = bytes.TrimSpace(body)
	// Parsed once: a Bundle is mapped from this tree (vax.FromFHIRTree).
	root, err := strictjson.ParseDoc(body, 0)
	if err == nil && root.Kind() != strictjson.ObjectKind {
		err = errors.New("not a JSON object")
	}
	if err != nil {
		return nil, nil, &InputError{Problem: "not a JSON object: " + err.Error()}
	}
	if rtv := root.Get("resourceType"); rtv.Exists() {
		if rt, _ := rtv.Str(); rt != "Bundle" || rtv.Kind() != strictjson.String {
			return nil, nil, &InputError{Field: "resourceType", Problem: fmt.Sprintf("want \"Bundle\" (of Patient and Immunization), got %v", rtv.Any())}
		}
		rec, _, err := vax.FromFHIRTree(root) // MaxRecordSize is under vax.MaxFHIRSize
		if err != nil {
			var fe *vax.FHIRError
			if errors.As(err, &fe) {
				return nil, nil, &InputError{Field: fe.Path, Problem: strings.TrimPrefix(fe.Error(), "fhir: "+fe.Path+": ")}
			}
			return nil, nil, &InputError{Problem: err.Error()}
		}
		return rec, body, nil
	}
	for name := range root.Members() {
		if name != "patient" && name != "immunizations" {
			return nil, nil, &InputError{Field: name, Problem: "unknown member (want a FHIR Bundle, or record JSON with patient and immunizations)"}
		}
	}
	if !root.Get("patient").Exists() {
		return nil, nil, &InputError{Field: "patient", Problem: "missing (want a FHIR Bundle, or record JSON with patient and immunizations)"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var rec vax.Record
	if err := dec.Decode(&rec); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, nil, &InputError{Field: ute.Field, Problem: "want a JSON " + ute.Type.Kind().String() + ", got " + ute.Value}
		}
		field := ""
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, "unknown field "); ok {
			field = strings.Trim(after, `"`)
			msg = "unknown member"
		}
		return nil, nil, &InputError{Field: field, Problem: strings.TrimPrefix(msg, "json: ")}
	}
	bundle, err := rec.FHIR()
	if err != nil {
		return nil, nil, &InputError{Problem: err.Error()}
	}
	return &rec, bundle, nil
}

// Validate checks a record's content as of now; every problem is an
// *InputError naming its field (several are joined).
func Validate(rec *vax.Record, now time.Time) error {
	err := rec.Validate(now)
	if err == nil {
		return nil
	}
	var errs []error
	for _, ve := range vax.ValidationErrors(err) {
		p := ve.Problem
		if ve.Value != "" {
			p += fmt.Sprintf(" %q", ve.Value)
		}
		errs = append(errs, &InputError{Field: ve.Field, Problem: p})
	}
	if len(errs) == 0 {
		return &InputError{Problem: err.Error()}
	}
	return errors.Join(errs...)
}

// Ledger states.
const (
	StatusValid     = "valid"
	StatusRevoked   = "revoked"
	StatusSuspended = "suspended"
)

// Entry is one ledger entry: every credential issued from one submitted
// record, with what revocation needs.
type Entry struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	By      string    `json:"by"` // the user or "token:ID"
	KID     string    `json:"kid"`
	Status  string    `json:"status"`
	Reason  string    `json:"reason,omitempty"` // why it was revoked
	Doses   int       `json:"doses"`
	// PatientID is the clinic's id of the patient, if it was given.
	PatientID string      `json:"patientId,omitempty"`
	SHC       string      `json:"shc"` // the SMART Health Card's compact JWS
	RID       string      `json:"rid"`
	SDJWT     []SDJWTCred `json:"sdJwtVc"`
	Changed   time.Time   `json:"changed,omitzero"`
	ChangeBy  string      `json:"changedBy,omitempty"`
	// Anchor says that the credentials were queued for anchoring in the
	// registry (AnchorState tells how far it went).
	Anchor bool `json:"anchor,omitempty"`
	// Anchoring is the anchoring state (AnchorNotConfigured, AnchorPending
	// or AnchorAnchored) as of the read; Entry and Find fill it in.
	Anchoring string `json:"-"`
}

// SDJWTCred is one SD-JWT VC of a batch.
type SDJWTCred struct {
	SDJWT     string `json:"sdJwt"`
	StatusURI string `json:"statusUri"`
	Index     int    `json:"index"`
}

// ErrIdempotencyMismatch reports an idempotency key used again for another
// request.
var ErrIdempotencyMismatch = errors.New("this Idempotency-Key was already used for a different request")

type idemRecord struct {
	Request string `json:"request"` // hex SHA-256 of the request
	Entry   string `json:"entry"`
}

// IssueOnce is Issue made safe to retry: the first request with this key
// (per actor) issues; a repeat of the same request returns the same entry
// with replay true, and nothing is signed again; the key used for another
// request is ErrIdempotencyMismatch. request identifies the request (the
// body and the holder keys).
func (s *Service) IssueOnce(by, key string, request []byte, sub Submission) (e *Entry, replay bool, err error) {
	if key == "" || len(key) > 200 {
		return nil, false, &InputError{Field: "Idempotency-Key", Problem: "want 1 to 200 characters"}
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return nil, false, &InputError{Field: "Idempotency-Key", Problem: "want printable ASCII without spaces"}
		}
	}
	sum := sha256.Sum256(request)
	reqHash := hex.EncodeToString(sum[:])
	dbKey := by + "\x00" + key
	ks := sha256.Sum256([]byte(dbKey))
	mu := &s.idemMu[ks[0]%byte(len(s.idemMu))]
	mu.Lock()
	defer mu.Unlock()
	var prior idemRecord
	var found bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bucketIdem), dbKey, &prior)
		return err
	}); err != nil {
		return nil, false, err
	}
	if found {
		if prior.Request != reqHash {
			return nil, false, ErrIdempotencyMismatch
		}
		e, err := s.Entry(prior.Entry)
		return e, true, err
	}
	e, err = s.issue(by, sub, dbKey, reqHash)
	return e, false, err
}

// Submission is what is issued from: a record, the FHIR Bundle the card
// will hold, and optionally the wallet's keys and the clinic's patient id.
type Submission struct {
	Record *vax.Record
	Bundle []byte
	// Holders are did:key strings: one SD-JWT VC bound to each. With none,
	// no SD-JWT VC is issued (it is bound to the wallet's key, which the
	// wallet gives when it receives the credential).
	Holders []string
	// PatientID is the clinic's id of the patient (an MRN), optional. The
	// card's rid is derived from it (shc.RID), so that all of a patient's
	// cards can be revoked together, and the ledger can be searched by it.
	PatientID string
}

// MaxPatientID bounds a patient id.
const MaxPatientID = 64

func checkPatientID(id string) error {
	if len(id) > MaxPatientID {
		return &InputError{Field: "patient", Problem: fmt.Sprintf("longer than %d characters", MaxPatientID)}
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return &InputError{Field: "patient", Problem: fmt.Sprintf("%q: use printable ASCII without spaces", id)}
		}
	}
	return nil
}

// Issue signs a record as a SMART Health Card and, for each holder key, an
// SD-JWT VC bound to it, records them in the ledger and the audit log, and
// returns the entry.
func (s *Service) Issue(by string, sub Submission) (*Entry, error) {
	return s.issue(by, sub, "", "")
}

// issue is Issue; with idemKey set, the idempotency record is written in
// the same transaction as the ledger entry.
func (s *Service) issue(by string, sub Submission, idemKey, reqHash string) (*Entry, error) {
	rec, bundle, holders := sub.Record, sub.Bundle, sub.Holders
	if err := checkPatientID(sub.PatientID); err != nil {
		return nil, err
	}
	now := s.now()
	if err := Validate(rec, now); err != nil {
		return nil, err
	}
	if len(holders) > MaxHolders {
		return nil, &InputError{Field: "holder", Problem: fmt.Sprintf("%d holder keys, at most %d", len(holders), MaxHolders)}
	}
	var keys []*jose.Key
	for i, h := range holders {
		k, err := jose.ParseDIDKey(h)
		if err != nil {
			return nil, &InputError{Field: fmt.Sprintf("holder[%d]", i), Problem: err.Error()}
		}
		keys = append(keys, k)
	}
	kf, err := s.signer()
	if err != nil {
		return nil, err
	}
	req := issuer.Request{Issuer: s.cfg.Issuer, Now: now, RIDUser: sub.PatientID}
	// The record was read and validated once: sign from it directly (the
	// card holds the bundle as the EMR sent it).
	card, err := kf.SignSHC(rec, bundle, req, 1)
	if err != nil {
		return nil, &InputError{Problem: err.Error()}
	}
	id := randomToken(12)
	e := &Entry{ID: id, Created: now.UTC(), By: by, KID: kf.Key.Public().KID(), Status: StatusValid, Doses: len(rec.Immunizations), PatientID: sub.PatientID,
		SHC: card.JWS, RID: card.RID}
	if len(keys) > 0 {
		// Indexes are drawn under the lock; signing runs outside it.
		entries := make([]issuer.StatusEntry, len(keys))
		s.mu.Lock()
		for i := range keys {
			idx, err := s.status.Allocate(id)
			if err != nil {
				s.mu.Unlock()
				return nil, err
			}
			entries[i] = issuer.StatusEntry{URI: s.status.URI, Idx: idx}
		}
		s.mu.Unlock()
		for i, k := range keys {
			sd, err := kf.SignSDJWT(rec, req, k, entries[i])
			if err != nil {
				return nil, &InputError{Problem: err.Error()}
			}
			e.SDJWT = append(e.SDJWT, SDJWTCred{SDJWT: sd.SDJWT, StatusURI: sd.StatusURI, Index: sd.Index})
		}
	}
	p := &pendingIssue{e: e, person: personOf(rec), idemKey: idemKey, reqHash: reqHash,
		detail: fmt.Sprintf("%d doses; SMART Health Card rid %s; %d SD-JWT VC; kid %s", e.Doses, e.RID, len(e.SDJWT), e.KID)}
	p.anchors = s.anchorItems(e)
	if err := s.commit(p); err != nil {
		return nil, err
	}
	e.Anchoring = AnchorNotConfigured
	if e.Anchor {
		e.Anchoring = AnchorPending
	}
	return e, nil
}

// Entry returns a ledger entry.
func (s *Service) Entry(id string) (*Entry, error) {
	var e Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketLedger), id, &e)
		if err == nil && !found {
			err = fmt.Errorf("ledger entry %q: %w", id, ErrNotFound)
		}
		if err == nil {
			e.Anchoring, _, err = anchorStateTx(tx, &e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Filter selects ledger entries; zero fields select everything.
type Filter struct {
	PatientID string
	Status    string
	Since     time.Time // issued at or after
	Until     time.Time // issued before
	Limit     int       // ≤ 0: no limit
}

// Entries lists the ledger (newest first), at most limit entries.
func (s *Service) Entries(limit int) ([]Entry, error) {
	return s.Find(Filter{Limit: limit})
}

// ErrAlreadyRevoked reports a second revocation: revocation is final.
var ErrAlreadyRevoked = errors.New("already revoked")

// Revoke revokes every credential of a ledger entry: the SD-JWT VCs' status
// entries are set to revoked in the status list and the card's rid is added
// to the signing key's CRL (and the JWKS's crlVersion bumped). The CRL file
// is written before the ledger: a crash in between leaves the card revoked
// and the entry still valid, and revoking it again finishes the job. The
// status list changes in the ledger's transaction. It is final.
func (s *Service) Revoke(by, id, reason string) (*Entry, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return nil, &InputError{Field: "reason", Problem: "longer than 500 characters"}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.Entry(id)
	if err != nil {
		return nil, err
	}
	if e.Status == StatusRevoked {
		return e, fmt.Errorf("ledger entry %q: %w", id, ErrAlreadyRevoked)
	}
	vals, undo, err := s.setStatuses(e, statusRevoked)
	if err != nil {
		return nil, err
	}
	if kf := s.keyFor(e.KID); kf != nil {
		if _, err := s.site().Revoke(kf.Key.Public(), []string{e.RID}); err != nil {
			undo()
			return nil, err
		}
	}
	e.Status, e.Reason, e.Changed, e.ChangeBy = StatusRevoked, reason, now.UTC(), by
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := putEntry(tx, e, nil); err != nil {
			return err
		}
		if err := putStatus(tx, vals); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCRL).Put([]byte(e.RID), []byte(now.UTC().Format(time.RFC3339))); err != nil {
			return err
		}
		return appendAudit(tx, now, by, "record.revoke", "ledger:"+id, reason)
	})
	if err != nil {
		undo()
		return nil, err
	}
	return e, nil
}

// RevokedRIDs returns the revoked card rids with the revocation times.
func (s *Service) RevokedRIDs() (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCRL).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out, err
}

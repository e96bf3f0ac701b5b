package service

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
)

// The ledger's secondary indexes live in clinic.db next to it and change in
// the same transactions as its entries (putEntry), so that they never
// disagree with it, even after a crash. Keys end with the entry's creation
// time (8 bytes, big-endian, ordered) and its id, so that walking a bucket
// backwards lists the newest first:
//
//	ix-created  time+id                       → ""
//	ix-patient  patientId 0x00 time+id        → ""  (entries with a patient id)
//	ix-status   status 0x00 time+id           → ""
//	ix-person   time+id                       → the patient's names, birth
//	                                            date, patient id and doses,
//	                                            for the patients search
//
// ix-meta's "version" says that they were built; a data folder made
// before them gets them once when it is opened (buildIndexes).
var (
	bucketIxCreated = []byte("ix-created")
	bucketIxPatient = []byte("ix-patient")
	bucketIxStatus  = []byte("ix-status")
	bucketIxPerson  = []byte("ix-person")
	bucketIxMeta    = []byte("ix-meta")
	indexBuckets    = [][]byte{bucketIxCreated, bucketIxPatient, bucketIxStatus, bucketIxPerson}
)

// indexVersion is the layout of the index buckets; another value in
// ix-meta rebuilds them.
const indexVersion = "1"

// timeKey orders times as bytes (UnixNano with the sign bit flipped).
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8+16), uint64(t.UnixNano())^(1<<63))
}

// person is what the patients search shows of an entry's patient.
type person struct {
	family, given, birth string
}

func personOf(rec *vax.Record) *person {
	return &person{family: rec.Patient.Family, given: strings.Join(rec.Patient.Given, " "), birth: rec.Patient.BirthDate.String()}
}

// personOfCard reads the patient from an entry's stored card (entries
// indexed without their record at hand: the upgrade). An unreadable card
// gives no names: the entry is still found by its patient id.
func personOfCard(jws string) *person {
	card, err := shc.Parse(jws)
	if err != nil {
		return &person{}
	}
	rec, err := vax.FromFHIR(card.Claims.Bundle)
	if err != nil {
		return &person{}
	}
	return personOf(rec)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// An ix-person value is the doses (uvarint), then six strings (uvarint
// length, bytes): family, given, birth date, patient id, and the two
// lowercased forms of the name that the search matches ("given family",
// "family given"), computed once here rather than on every search.
const personFields = 6

func encodePerson(p *person, patientID string, doses int) []byte {
	return encodeFields(uint64(doses), [personFields]string{p.family, p.given, p.birth, patientID,
		strings.ToLower(strings.TrimSpace(p.given + " " + p.family)), strings.ToLower(p.family + " " + p.given)})
}

func encodeFields(doses uint64, fields [personFields]string) []byte {
	b := binary.AppendUvarint(nil, doses)
	for _, s := range fields {
		b = appendString(b, s)
	}
	return b
}

var errCorruptIndex = errors.New("corrupt ledger index value")

// uvarint reads a minimally encoded uvarint (n ≤ 0: none).
func uvarint(b []byte) (uint64, int) {
	v, n := binary.Uvarint(b)
	if n > 1 && b[n-1] == 0 {
		return 0, 0
	}
	return v, n
}

// splitPerson splits an ix-person value without copying it.
func splitPerson(b []byte) (doses uint64, fields [personFields][]byte, err error) {
	doses, n := uvarint(b)
	if n <= 0 || doses > 1<<20 {
		return 0, fields, errCorruptIndex
	}
	b = b[n:]
	for i := range fields {
		l, n := uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return 0, fields, errCorruptIndex
		}
		fields[i], b = b[n:n+int(l)], b[n+int(l):]
	}
	if len(b) != 0 {
		return 0, fields, errCorruptIndex
	}
	return doses, fields, nil
}

// personRow is a decoded ix-person value.
type personRow struct {
	person
	patientID string
	doses     int
}

func decodePerson(b []byte) (personRow, error) {
	d, f, err := splitPerson(b)
	if err != nil {
		return personRow{}, err
	}
	return personRow{person: person{family: string(f[0]), given: string(f[1]), birth: string(f[2])}, patientID: string(f[3]), doses: int(d)}, nil
}

func prefixed(prefix string, tid []byte) []byte {
	return append(append([]byte(prefix), 0), tid...)
}

// putEntry stores a ledger entry and keeps the indexes in step, in the
// caller's transaction. p is the entry's patient (from the record it was
// signed from); nil keeps what the index holds, or reads it from the card
// for an entry not indexed yet.
func putEntry(tx *bolt.Tx, e *Entry, p *person) error {
	lb := tx.Bucket(bucketLedger)
	tid := append(timeKey(e.Created), e.ID...)
	if old := lb.Get([]byte(e.ID)); old != nil {
		var o Entry
		if err := json.Unmarshal(old, &o); err != nil {
			return fmt.Errorf("ledger entry %s: %w", e.ID, err)
		}
		otid := append(timeKey(o.Created), o.ID...)
		if p == nil {
			if v := tx.Bucket(bucketIxPerson).Get(otid); v != nil {
				r, err := decodePerson(v)
				if err == nil {
					p = &r.person
				}
			}
		}
		if err := deleteIndexes(tx, &o, otid); err != nil {
			return err
		}
	}
	if p == nil {
		p = personOfCard(e.SHC)
	}
	if err := putJSON(lb, e.ID, e); err != nil {
		return err
	}
	return putIndexes(tx, e, tid, p)
}

func putIndexes(tx *bolt.Tx, e *Entry, tid []byte, p *person) error {
	if err := tx.Bucket(bucketIxCreated).Put(tid, nil); err != nil {
		return err
	}
	if e.PatientID != "" {
		if err := tx.Bucket(bucketIxPatient).Put(prefixed(e.PatientID, tid), nil); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketIxStatus).Put(prefixed(e.Status, tid), nil); err != nil {
		return err
	}
	return tx.Bucket(bucketIxPerson).Put(tid, encodePerson(p, e.PatientID, e.Doses))
}

func deleteIndexes(tx *bolt.Tx, e *Entry, tid []byte) error {
	for _, d := range []struct {
		b   []byte
		key []byte
	}{
		{bucketIxCreated, tid},
		{bucketIxPatient, prefixed(e.PatientID, tid)},
		{bucketIxStatus, prefixed(e.Status, tid)},
		{bucketIxPerson, tid},
	} {
		if err := tx.Bucket(d.b).Delete(d.key); err != nil {
			return err
		}
	}
	return nil
}

// buildIndexes creates the index buckets, and fills them from the ledger
// when they were not built yet (a data folder from before them), all in
// one transaction: a crash leaves the old folder, built again next time.
func buildIndexes(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketIxMeta)
		if err != nil {
			return err
		}
		if string(meta.Get([]byte("version"))) == indexVersion {
			for _, b := range indexBuckets {
				if tx.Bucket(b) == nil {
					return fmt.Errorf("%s: ledger index %s missing", DBFileName, b)
				}
			}
			return nil
		}
		for _, b := range indexBuckets {
			if tx.Bucket(b) != nil {
				if err := tx.DeleteBucket(b); err != nil {
					return err
				}
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		err = tx.Bucket(bucketLedger).ForEach(func(k, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("ledger entry %s: %w", k, err)
			}
			return putIndexes(tx, &e, append(timeKey(e.Created), e.ID...), personOfCard(e.SHC))
		})
		if err != nil {
			return fmt.Errorf("building the ledger index: %w", err)
		}
		return meta.Put([]byte("version"), []byte(indexVersion))
	})
}

// walkIndex calls fn with the ids of the index keys under prefix whose
// time is in [since, until) (zero: unbounded), newest first (ties: the
// greater id first), until fn says stop.
func walkIndex(b *bolt.Bucket, prefix []byte, since, until time.Time, fn func(tid, id, v []byte) (more bool, err error)) error {
	c := b.Cursor()
	var seek []byte
	if until.IsZero() {
		seek = append(bytes.Clone(prefix), bytes.Repeat([]byte{0xff}, 9)...)
	} else {
		seek = append(bytes.Clone(prefix), timeKey(until)...)
	}
	var lo []byte
	if !since.IsZero() {
		lo = append(bytes.Clone(prefix), timeKey(since)...)
	}
	var k, v []byte
	if k, _ = c.Seek(seek); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		if lo != nil && bytes.Compare(k, lo) < 0 {
			return nil
		}
		tid := k[len(prefix):]
		if len(tid) < 8 {
			return fmt.Errorf("%w: key %q", errCorruptIndex, k)
		}
		more, err := fn(tid, tid[8:], v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Find lists the ledger entries that match f, newest first (entries of
// the same instant: the greater id first), through the indexes: by patient
// id, else by status, else by time; only the entries listed are decoded.
func (s *Service) Find(f Filter) ([]Entry, error) {
	var out []Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		b, prefix := tx.Bucket(bucketIxCreated), []byte(nil)
		switch {
		case f.PatientID != "":
			b, prefix = tx.Bucket(bucketIxPatient), prefixed(f.PatientID, nil)
		case f.Status != "":
			b, prefix = tx.Bucket(bucketIxStatus), prefixed(f.Status, nil)
		}
		lb := tx.Bucket(bucketLedger)
		return walkIndex(b, prefix, f.Since, f.Until, func(_, id, _ []byte) (bool, error) {
			v := lb.Get(id)
			if v == nil {
				return false, fmt.Errorf("%w: ledger entry %q missing", errCorruptIndex, id)
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return false, err
			}
			if !f.matches(&e) {
				return true, nil
			}
			var err error
			if e.Anchoring, _, err = anchorStateTx(tx, &e); err != nil {
				return false, err
			}
			out = append(out, e)
			return f.Limit <= 0 || len(out) < f.Limit, nil
		})
	})
	return out, err
}

func (f *Filter) matches(e *Entry) bool {
	return (f.PatientID == "" || e.PatientID == f.PatientID) && (f.Status == "" || e.Status == f.Status) &&
		(f.Since.IsZero() || !e.Created.Before(f.Since)) && (f.Until.IsZero() || e.Created.Before(f.Until))
}

// PatientHit is one ledger entry found by SearchPatients.
type PatientHit struct {
	EntryID   string
	Created   time.Time
	PatientID string
	Doses     int
	Family    string
	Given     string // the given names, space-separated
	BirthDate string
}

// SearchPatients lists the ledger entries whose clinic patient id is q
// (any case) or whose patient's name ("given family" or "family given")
// holds q (any case), newest first. It reads the small ix-person values,
// not the entries, and allocates only for what it finds.
func (s *Service) SearchPatients(q string) ([]PatientHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	needle := []byte(strings.ToLower(q))
	var out []PatientHit
	err := s.db.View(func(tx *bolt.Tx) error {
		return walkIndex(tx.Bucket(bucketIxPerson), nil, time.Time{}, time.Time{}, func(tid, id, v []byte) (bool, error) {
			d, f, err := splitPerson(v)
			if err != nil {
				return false, fmt.Errorf("ledger entry %s: %w", id, err)
			}
			if !bytes.EqualFold(f[3], []byte(q)) && !bytes.Contains(f[4], needle) && !bytes.Contains(f[5], needle) {
				return true, nil
			}
			out = append(out, PatientHit{EntryID: string(id), Created: time.Unix(0, int64(binary.BigEndian.Uint64(tid)^(1<<63))).UTC(),
				PatientID: string(f[3]), Doses: int(d), Family: string(f[0]), Given: string(f[1]), BirthDate: string(f[2])})
			return true, nil
		})
	})
	return out, err
}

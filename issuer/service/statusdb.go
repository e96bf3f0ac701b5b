package service

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/issuer"
)

// The status list of the SD-JWT VCs lives in clinic.db (bucket "status":
// big-endian uint32 index → one byte, the status value), written in the
// same transaction as the ledger entry that uses the index, or the
// revocation or suspension that changes it. The list is kept in memory for
// allocation (random free indexes) and for signing the served token.
//
// Earlier versions kept it in status.json, rewritten whole for every
// issuance (half the CPU time of a busy service went into encoding it):
// Open imports that file once, from the ledger's indexes, and renames it
// status.json.imported.

var bucketStatus = []byte("status")

// statusStore is the in-memory list; guarded by Service.mu.
type statusStore struct {
	URI  string
	list *status.List
}

func statusKey(idx int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(idx)) }

// openStatus loads the list from the database, importing status.json
// first if an earlier version left one.
func openStatus(db *bolt.DB, dir, uri string) (*statusStore, error) {
	l, err := status.New(2, status.MinSize)
	if err != nil {
		return nil, err
	}
	st := &statusStore{URI: uri, list: l}
	legacy := filepath.Join(dir, StatusFileName)
	if _, err := os.Stat(legacy); err == nil {
		if err := importStatusFile(db, legacy, uri); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStatus).ForEach(func(k, v []byte) error {
			if len(k) != 4 || len(v) != 1 {
				return fmt.Errorf("status list entry %x=%x: corrupt", k, v)
			}
			idx := int(binary.BigEndian.Uint32(k))
			if err := l.MarkAllocated(idx); err != nil {
				return fmt.Errorf("status list entry %d: %w", idx, err)
			}
			return l.Set(idx, v[0])
		})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DBFileName, err)
	}
	return st, nil
}

func importStatusFile(db *bolt.DB, path, uri string) error {
	ls, err := issuer.OpenLocalStatus(path, uri)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStatus)
		return tx.Bucket(bucketLedger).ForEach(func(_, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			for _, sd := range e.SDJWT {
				val, err := ls.Get(sd.Index)
				if err != nil {
					return fmt.Errorf("importing %s: ledger entry %s: %w", path, e.ID, err)
				}
				if err := b.Put(statusKey(sd.Index), []byte{val}); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	return os.Rename(path, path+".imported")
}

// Allocate takes a random free index (in memory: it is stored with the
// ledger entry that uses it).
func (st *statusStore) Allocate(string) (int, error) { return st.list.Allocate(rand.Reader) }

// Set sets one allocated index's status in memory.
func (st *statusStore) Set(idx int, v uint8) error {
	if idx < 0 || idx >= st.list.Len() || !st.list.Allocated(idx) {
		return fmt.Errorf("status index %d was never issued", idx)
	}
	return st.list.Set(idx, v)
}

// Get returns one index's status.
func (st *statusStore) Get(idx int) (uint8, error) { return st.list.Get(idx) }

// Token signs the list as a Token Status List.
func (st *statusStore) Token(key *jose.PrivateKey, now time.Time, valid time.Duration) (string, error) {
	var exp time.Time
	if valid > 0 {
		exp = now.Add(valid)
	}
	return st.list.Token(key, st.URI, now, exp, 0)
}

// putStatus stores index values in a transaction.
func putStatus(tx *bolt.Tx, values map[int]uint8) error {
	b := tx.Bucket(bucketStatus)
	for idx, v := range values {
		if err := b.Put(statusKey(idx), []byte{v}); err != nil {
			return err
		}
	}
	return nil
}

// setStatuses sets the entries' SD-JWT VC indexes to v in memory and
// returns the values to store and a function that restores the previous
// values (when the transaction fails). The caller holds s.mu.
func (s *Service) setStatuses(e *Entry, v uint8) (map[int]uint8, func(), error) {
	old := map[int]uint8{}
	vals := map[int]uint8{}
	undo := func() {
		for idx, o := range old {
			s.status.Set(idx, o)
		}
	}
	for _, sd := range e.SDJWT {
		o, err := s.status.Get(sd.Index)
		if err == nil {
			err = s.status.Set(sd.Index, v)
		}
		if err != nil {
			undo()
			return nil, nil, err
		}
		old[sd.Index], vals[sd.Index] = o, v
	}
	return vals, undo, nil
}

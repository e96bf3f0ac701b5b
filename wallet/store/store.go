// Package store is the wallet's encrypted key-value store: records named by
// a kind ("profile", "credential", "history", …) and an id, read and written
// in transactions. Bolt keeps them in one bbolt file; Mem keeps them in
// memory for tests. Both pass the same conformance test (RunConformance in
// the package tests).
//
// # What is stored where
//
// A Bolt file holds a header record and sealed records, nothing else. The
// header carries the argon2id parameters and salt and the data key wrapped by
// the key they derive from the passphrase (the KEK). Each record's kind and
// id become HMAC-SHA256 tags under a subkey of the data key, so the file holds
// no plaintext name of any kind or id; each value is sealed with
// XChaCha20-Poly1305 under another subkey, with the format version and both
// tags as additional data, so a sealed value moved to another kind or id
// fails to open. The id itself travels inside the sealed value, which is how
// ForEach lists ids in order; kind names are sealed in their own record, which
// is how Kinds lists them.
//
// # What is checked
//
// A wrong passphrase fails to unwrap the data key: ErrWrongPassphrase, and
// the file is left as it was. A value that fails to open, or that opens to an
// id that does not match its tag, is a *CorruptError. The header is parsed
// strictly (ParseHeader): exact length, known version, argon2 parameters
// within bounds, so a crafted file cannot make Open allocate gigabytes.
//
// # Transactions and durability
//
// Update runs fn in one read-write transaction: all of its writes or none,
// and when Update returns nil they are on disk (bbolt fsyncs the file on
// commit). An error or a panic in fn rolls everything back. ChangePassphrase
// rewraps the data key in one such transaction; records are not re-sealed.
//
// # Locking
//
// Lock forgets the keys (the bytes are zeroed); every call but Unlock and
// Close then returns ErrLocked. AutoLock calls Lock after a period without
// Touch, with an injectable Clock for tests.
package store

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Store is an encrypted key-value store with transactions.
type Store interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction: atomic, and durable (on
	// disk) when it returns nil. An error from fn is returned as is, after
	// the rollback.
	Update(fn func(Tx) error) error
	// ChangePassphrase rewraps the data key under new, atomically:
	// ErrWrongPassphrase (nothing changed) when old is not the passphrase.
	ChangePassphrase(old, new []byte) error
	// Lock forgets the keys; calls other than Unlock and Close then return
	// ErrLocked. Locking a locked store does nothing.
	Lock()
	// Unlock derives the keys again: ErrWrongPassphrase when passphrase is
	// not the store's. Unlocking an unlocked store only checks passphrase.
	Unlock(passphrase []byte) error
	// Close releases the store; later calls return ErrClosed.
	Close() error
}

// Tx is one transaction. It is valid only inside the function it was given
// to; afterwards its methods return ErrTxClosed. Values passed in and
// returned are copies: callers may keep and modify them.
type Tx interface {
	// Get returns the value of (kind, id): an error wrapping ErrNotFound
	// when there is none.
	Get(kind, id string) ([]byte, error)
	// Put sets the value of (kind, id). ErrReadOnly in a View.
	Put(kind, id string, value []byte) error
	// Delete removes (kind, id); deleting what is not there is not an error.
	// ErrReadOnly in a View.
	Delete(kind, id string) error
	// ForEach calls fn for every record of kind in id order (bytewise),
	// stopping at the first error, which it returns. It iterates over the
	// records as they were when ForEach started, so fn may Put and Delete.
	ForEach(kind string, fn func(id string, value []byte) error) error
	// Kinds lists the kinds that have at least one record, in order.
	Kinds() ([]string, error)
}

// Limits on names and values; larger ones are refused with ErrInvalid.
const (
	MaxKind  = 64
	MaxID    = 512
	MaxValue = 16 << 20
)

var (
	// ErrNotFound: Get found no record.
	ErrNotFound = errors.New("record not found")
	// ErrWrongPassphrase: the passphrase does not unlock the store.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrLocked: the store is locked (Lock, or AutoLock timed out); Unlock it.
	ErrLocked = errors.New("store is locked")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store is closed")
	// ErrReadOnly: a write in a View transaction.
	ErrReadOnly = errors.New("write in a read-only transaction")
	// ErrTxClosed: a Tx used after its function returned.
	ErrTxClosed = errors.New("transaction has ended")
	// ErrInvalid: a kind, id, value or passphrase that the store refuses.
	ErrInvalid = errors.New("invalid")
	// ErrExists: CreateBolt was given the path of an existing file.
	ErrExists = errors.New("store file already exists")
	// ErrBusy: another process has the store file open.
	ErrBusy = errors.New("store file is in use by another process")
)

// CorruptError reports a store file whose content does not open with the
// right key: a damaged page, or a record moved or altered outside the store.
type CorruptError struct {
	Kind    string // the kind being read, when known
	Problem string
}

func (e *CorruptError) Error() string {
	if e.Kind != "" {
		return fmt.Sprintf("store is corrupt: kind %q: %s", e.Kind, e.Problem)
	}
	return "store is corrupt: " + e.Problem
}

func checkName(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(s) > max:
		return fmt.Errorf("%w: %s longer than %d bytes: %q…", ErrInvalid, what, max, s[:32])
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s is not UTF-8: %q", ErrInvalid, what, s)
	}
	return nil
}

func checkKey(kind, id string) error {
	if err := checkName("kind", kind, MaxKind); err != nil {
		return err
	}
	return checkName("id", id, MaxID)
}

func checkValue(v []byte) error {
	if len(v) > MaxValue {
		return fmt.Errorf("%w: value of %d bytes, more than %d", ErrInvalid, len(v), MaxValue)
	}
	return nil
}

func checkPassphrase(p []byte) error {
	if len(p) == 0 {
		return fmt.Errorf("%w: empty passphrase", ErrInvalid)
	}
	return nil
}

func notFound(kind, id string) error {
	return fmt.Errorf("%w: %q %q", ErrNotFound, kind, id)
}

func clone(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return append([]byte{}, b...)
}

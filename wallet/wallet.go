// Package wallet is the holder's side of ImmunoPass without any user
// interface: a family's vaccination credentials, kept encrypted on the
// device, verified on import, shown per person and per disease, presented
// with only what a context needs, logged, backed up and printed. The Fyne
// screens in wallet/ui call it; nothing here imports Fyne.
//
// # What is stored
//
// Everything lives in one encrypted store (package wallet/store): profiles
// (one per family member, each with its own P-256 holder key), the
// credentials exactly as received (the copies of a record received from a
// clinic each with a P-256 key of its own, so that they cannot be linked:
// see DefaultCopies), the presentation history, the trust files the wallet
// verifies against, and settings. Nothing is kept in plaintext outside it.
//
// # What is trusted
//
// Imports are verified with package verifier against a trust.Store: the one
// Options.Trust returns, or else the trust files the wallet holds
// (AddTrust). The wallet keeps whatever the user chooses to keep, marked with
// the verdict: verified issuer, unknown issuer, revoked, expired, invalid, or
// not yet verifiable (EU DCC "HC1:" until the verifier reads it).
//
// # What is informational
//
// The "due" view comes from vaccination schedules embedded in assets: the
// WHO recommended routine schedule and the UAE and French national
// schedules, written from their public tables. It is a reminder, not
// medical advice; each schedule names its source and date.
//
// # Concurrency
//
// A Wallet is safe for use by several goroutines; the store serialises
// writes.
package wallet

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/wallet/store"
)

// Errors callers branch on.
var (
	// ErrWrongPassphrase: the passphrase does not open the wallet; nothing
	// was touched.
	ErrWrongPassphrase = store.ErrWrongPassphrase
	// ErrLocked: the wallet was locked; open it again.
	ErrLocked = errors.New("wallet is locked")
	// ErrNotImplemented marks API that is declared but not built yet.
	ErrNotImplemented = errors.New("not implemented yet")
)

// NotFoundError reports a profile, credential or history entry that does not
// exist.
type NotFoundError struct {
	Kind string // "profile", "credential", "history"
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("no %s %q", e.Kind, e.ID) }

// Options configure a wallet.
type Options struct {
	// Trust returns the trust store imports are verified against. Nil means
	// the trust files the wallet holds (see AddTrust); a function lets the
	// app swap in a freshly synced bundle without reopening.
	Trust func() *trust.Store
	// Now is the clock; nil means time.Now. Tests fix it.
	Now func() time.Time
	// Store, when set, is used instead of the file at path (tests use
	// store.NewMem). Create and Open then ignore path and passphrase.
	Store store.Store
	// Params are the argon2id parameters for Create; zero means
	// store.DefaultParams.
	Params store.Params
}

// Wallet is an open, unlocked wallet.
type Wallet struct {
	mu  sync.Mutex
	opt Options
	st  store.Store
	db  db

	trustCache *trust.Store
}

// Create makes a new wallet file at path, encrypted under passphrase. It
// refuses a path that exists.
func Create(path string, passphrase []byte, opt Options) (*Wallet, error) {
	if opt.Store != nil {
		return openWallet(opt.Store, opt)
	}
	if len(passphrase) == 0 {
		return nil, errors.New("a passphrase is needed")
	}
	p := opt.Params
	if p == (store.Params{}) {
		p = store.DefaultParams
	}
	b, err := store.CreateBolt(path, passphrase, p)
	if err != nil {
		return nil, err
	}
	return openWallet(b, opt)
}

// Open unlocks the wallet at path. A wrong passphrase gives
// ErrWrongPassphrase and changes nothing.
func Open(path string, passphrase []byte, opt Options) (*Wallet, error) {
	if opt.Store != nil {
		return openWallet(opt.Store, opt)
	}
	b, err := store.OpenBolt(path, passphrase)
	if err != nil {
		return nil, err
	}
	return openWallet(b, opt)
}

// openWallet wraps an unlocked store; a wallet made before the credential
// index is indexed now.
func openWallet(s store.Store, opt Options) (*Wallet, error) {
	w := &Wallet{opt: opt, st: s, db: adapter{s}}
	if err := w.ensureIndex(); err != nil {
		s.Close()
		return nil, err
	}
	return w, nil
}

// Lock closes the store and forgets the keys; every later call returns
// ErrLocked. Open the wallet again to use it.
func (w *Wallet) Lock() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.st == nil {
		return nil
	}
	w.st.Lock()
	err := w.st.Close()
	w.st, w.db, w.trustCache = nil, nil, nil
	return err
}

// ChangePassphrase re-encrypts the wallet's key under a new passphrase,
// atomically: ErrWrongPassphrase when old is wrong.
func (w *Wallet) ChangePassphrase(old, new []byte) error {
	w.mu.Lock()
	s := w.st
	w.mu.Unlock()
	if s == nil {
		return ErrLocked
	}
	if len(new) == 0 {
		return errors.New("a passphrase is needed")
	}
	return s.ChangePassphrase(old, new)
}

// adapter lets store.Store serve as db.
type adapter struct{ s store.Store }

func (a adapter) View(fn func(tx) error) error {
	return a.s.View(func(t store.Tx) error { return fn(t) })
}

func (a adapter) Update(fn func(tx) error) error {
	return a.s.Update(func(t store.Tx) error { return fn(t) })
}

func (w *Wallet) now() time.Time {
	if w.opt.Now != nil {
		return w.opt.Now()
	}
	return time.Now()
}

// db is what the wallet needs of a store; store.Store provides it.
type db interface {
	View(fn func(tx) error) error
	Update(fn func(tx) error) error
}

// tx is what the wallet needs of a transaction; store.Tx provides it.
type tx interface {
	Get(kind, id string) ([]byte, error)
	Put(kind, id string, value []byte) error
	Delete(kind, id string) error
	ForEach(kind string, fn func(id string, value []byte) error) error
	Kinds() ([]string, error)
}

func (w *Wallet) view(fn func(tx) error) error {
	w.mu.Lock()
	d := w.db
	w.mu.Unlock()
	if d == nil {
		return ErrLocked
	}
	return d.View(fn)
}

func (w *Wallet) update(fn func(tx) error) error {
	w.mu.Lock()
	d := w.db
	w.mu.Unlock()
	if d == nil {
		return ErrLocked
	}
	return d.Update(fn)
}

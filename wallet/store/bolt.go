package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/immunopass/immunopass/internal/boltcheck"
)

// Bolt is a Store in one bbolt file, sealed as the package doc describes.
type Bolt struct {
	db   *bolt.DB
	path string

	mu     sync.RWMutex // guards k and closed; transactions hold it for reading
	k      *keys        // nil when locked
	closed bool
}

var _ Store = (*Bolt)(nil)

var (
	metaBucket = []byte("meta")
	headerKey  = []byte("header")
	dataBucket = []byte("records")
	// kindNameKey holds the sealed kind name in each kind's bucket; record
	// keys are 32-byte tags, so a 1-byte key never collides with one.
	kindNameKey = []byte{0}
)

const lockTimeout = 2 * time.Second

// CreateBolt makes a new store file at path (mode 0600) for passphrase, and
// opens it. It refuses a path where a file exists (ErrExists). The file
// appears under path only once it is complete: a crash leaves at most a
// temporary file next to it.
func CreateBolt(path string, passphrase []byte, p Params) (*Bolt, error) {
	if err := checkPassphrase(passphrase); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%w: %q", ErrExists, path)
	}
	dk := make([]byte, keySize)
	if _, err := rand.Read(dk); err != nil {
		return nil, err
	}
	defer clear(dk)
	h, err := wrap(dk, passphrase, p)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return nil, err
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	db, err := bolt.Open(tmpName, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, err
	}
	if err := boltcheck.Durable(db); err != nil {
		db.Close()
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucket(metaBucket)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucket(dataBucket); err != nil {
			return err
		}
		return m.Put(headerKey, h.Format())
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	// Link, unlike rename, refuses to replace a file that appeared meanwhile.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%w: %q", ErrExists, path)
		}
		if _, serr := os.Lstat(path); serr == nil {
			return nil, fmt.Errorf("%w: %q", ErrExists, path)
		}
		if err := os.Rename(tmpName, path); err != nil {
			return nil, err
		}
	}
	syncDir(filepath.Dir(path))
	return OpenBolt(path, passphrase)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// OpenBolt opens the store file at path. A wrong passphrase gives
// ErrWrongPassphrase and leaves the file as it was; a missing file an error
// wrapping fs.ErrNotExist; a file that is not a store a *HeaderError or
// *CorruptError; a file another process holds open ErrBusy.
func OpenBolt(path string, passphrase []byte) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: lockTimeout,
		// Never create: a missing file is an error, not an empty store.
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			return os.OpenFile(name, flag&^os.O_CREATE, mode)
		},
	})
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("%w: %q", ErrBusy, path)
		case errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		return nil, &CorruptError{Problem: fmt.Sprintf("%q is not a readable store file: %v", path, err)}
	}
	if err := boltcheck.Durable(db); err != nil {
		db.Close()
		return nil, err
	}
	b := &Bolt{db: db, path: path}
	if err := b.Unlock(passphrase); err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

func (b *Bolt) header(tx *bolt.Tx) (*Header, error) {
	m := tx.Bucket(metaBucket)
	if m == nil || tx.Bucket(dataBucket) == nil {
		return nil, &CorruptError{Problem: "no header record: not a wallet store"}
	}
	raw := m.Get(headerKey)
	if raw == nil {
		return nil, &CorruptError{Problem: "no header record: not a wallet store"}
	}
	return ParseHeader(raw)
}

// Unlock implements Store.
func (b *Bolt) Unlock(passphrase []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	var h *Header
	if err := b.db.View(func(tx *bolt.Tx) (err error) {
		h, err = b.header(tx)
		return err
	}); err != nil {
		return err
	}
	dk, err := h.unwrap(passphrase)
	if err != nil {
		return err
	}
	defer clear(dk)
	k, err := deriveKeys(dk)
	if err != nil {
		return err
	}
	if b.k != nil {
		b.k.zero()
	}
	b.k = k
	return nil
}

// Lock implements Store.
func (b *Bolt) Lock() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.k != nil {
		b.k.zero()
		b.k = nil
	}
}

// Close implements Store.
func (b *Bolt) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.closed = true
	if b.k != nil {
		b.k.zero()
		b.k = nil
	}
	return b.db.Close()
}

// Path is the store file's path.
func (b *Bolt) Path() string { return b.path }

// Params returns the argon2id parameters in the header.
func (b *Bolt) Params() (Params, error) {
	var p Params
	err := b.db.View(func(tx *bolt.Tx) error {
		h, err := b.header(tx)
		if err == nil {
			p = h.Params
		}
		return err
	})
	return p, err
}

// begin takes the read lock and checks the state; the caller must
// b.mu.RUnlock when it returns nil.
func (b *Bolt) begin() (*sealer, error) {
	b.mu.RLock()
	switch {
	case b.closed:
		b.mu.RUnlock()
		return nil, ErrClosed
	case b.k == nil:
		b.mu.RUnlock()
		return nil, ErrLocked
	}
	s, err := b.k.sealer()
	if err != nil {
		b.mu.RUnlock()
		return nil, err
	}
	return s, nil
}

// View implements Store.
func (b *Bolt) View(fn func(Tx) error) error {
	s, err := b.begin()
	if err != nil {
		return err
	}
	defer b.mu.RUnlock()
	return b.db.View(func(btx *bolt.Tx) error {
		t := &boltTx{tx: btx, s: s}
		defer func() { t.done = true }()
		return fn(t)
	})
}

// Update implements Store.
func (b *Bolt) Update(fn func(Tx) error) error {
	s, err := b.begin()
	if err != nil {
		return err
	}
	defer b.mu.RUnlock()
	return b.db.Update(func(btx *bolt.Tx) error {
		t := &boltTx{tx: btx, s: s, writable: true}
		defer func() { t.done = true }()
		return fn(t)
	})
}

// ChangePassphrase implements Store. The argon2id parameters stay those of
// the header; the salt is new.
func (b *Bolt) ChangePassphrase(old, new []byte) error {
	if err := checkPassphrase(new); err != nil {
		return err
	}
	if _, err := b.begin(); err != nil {
		return err
	}
	defer b.mu.RUnlock()
	return b.db.Update(func(tx *bolt.Tx) error {
		h, err := b.header(tx)
		if err != nil {
			return err
		}
		dk, err := h.unwrap(old)
		if err != nil {
			return err
		}
		defer clear(dk)
		nh, err := wrap(dk, new, h.Params)
		if err != nil {
			return err
		}
		return tx.Bucket(metaBucket).Put(headerKey, nh.Format())
	})
}

type boltTx struct {
	tx       *bolt.Tx
	s        *sealer
	writable bool
	done     bool
}

func (t *boltTx) check(kind, id string) error {
	if t.done {
		return ErrTxClosed
	}
	return checkKey(kind, id)
}

func (t *boltTx) kindBucket(kind string) (*bolt.Bucket, []byte) {
	kt := t.s.kindTag(kind)
	return t.tx.Bucket(dataBucket).Bucket(kt), kt
}

func (t *boltTx) Get(kind, id string) ([]byte, error) {
	if err := t.check(kind, id); err != nil {
		return nil, err
	}
	kb, kt := t.kindBucket(kind)
	if kb == nil {
		return nil, notFound(kind, id)
	}
	it := t.s.idTag(kind, id)
	sealed := kb.Get(it)
	if sealed == nil {
		return nil, notFound(kind, id)
	}
	return t.openRecord(kind, kt, it, sealed, id)
}

// openRecord opens a sealed record and checks that it holds id (when want
// is not empty) or an id whose tag is it.
func (t *boltTx) openRecord(kind string, kt, it, sealed []byte, want string) ([]byte, error) {
	plain, err := t.s.open(recordAD(kt, it), sealed)
	if err != nil {
		return nil, &CorruptError{Kind: kind, Problem: "a record does not open with the store key"}
	}
	id, v, ok := parseRecordPlain(plain)
	if !ok {
		return nil, &CorruptError{Kind: kind, Problem: "a record's plaintext is malformed"}
	}
	if want != "" && id != want || want == "" && !bytes.Equal(t.s.idTag(kind, id), it) {
		return nil, &CorruptError{Kind: kind, Problem: "a record holds another id than its tag"}
	}
	return v, nil
}

func (t *boltTx) Put(kind, id string, value []byte) error {
	if err := t.check(kind, id); err != nil {
		return err
	}
	if !t.writable {
		return ErrReadOnly
	}
	if err := checkValue(value); err != nil {
		return err
	}
	kb, kt := t.kindBucket(kind)
	if kb == nil {
		var err error
		if kb, err = t.tx.Bucket(dataBucket).CreateBucket(kt); err != nil {
			return err
		}
		name, err := t.s.seal(kindAD(kt), []byte(kind))
		if err != nil {
			return err
		}
		if err := kb.Put(kindNameKey, name); err != nil {
			return err
		}
	}
	it := t.s.idTag(kind, id)
	sealed, err := t.s.seal(recordAD(kt, it), sealRecordPlain(id, value))
	if err != nil {
		return err
	}
	return kb.Put(it, sealed)
}

func (t *boltTx) Delete(kind, id string) error {
	if err := t.check(kind, id); err != nil {
		return err
	}
	if !t.writable {
		return ErrReadOnly
	}
	kb, kt := t.kindBucket(kind)
	if kb == nil {
		return nil
	}
	if err := kb.Delete(t.s.idTag(kind, id)); err != nil {
		return err
	}
	// A kind with no record left goes, name and all.
	c := kb.Cursor()
	k, _ := c.First()
	if bytes.Equal(k, kindNameKey) {
		k, _ = c.Next()
	}
	if k == nil {
		return t.tx.Bucket(dataBucket).DeleteBucket(kt)
	}
	return nil
}

type record struct {
	id string
	v  []byte
}

func (t *boltTx) ForEach(kind string, fn func(id string, value []byte) error) error {
	if t.done {
		return ErrTxClosed
	}
	if err := checkName("kind", kind, MaxKind); err != nil {
		return err
	}
	kb, kt := t.kindBucket(kind)
	if kb == nil {
		return nil
	}
	var recs []record
	err := kb.ForEach(func(k, sealed []byte) error {
		if bytes.Equal(k, kindNameKey) {
			return nil
		}
		plain, err := t.s.open(recordAD(kt, k), sealed)
		if err != nil {
			return &CorruptError{Kind: kind, Problem: "a record does not open with the store key"}
		}
		id, v, ok := parseRecordPlain(plain)
		if !ok || !bytes.Equal(t.s.idTag(kind, id), k) {
			return &CorruptError{Kind: kind, Problem: "a record holds another id than its tag"}
		}
		recs = append(recs, record{id, v})
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(recs, func(a, b record) int { return strings.Compare(a.id, b.id) })
	for _, r := range recs {
		if err := fn(r.id, r.v); err != nil {
			return err
		}
	}
	return nil
}

func (t *boltTx) Kinds() ([]string, error) {
	if t.done {
		return nil, ErrTxClosed
	}
	var kinds []string
	err := t.tx.Bucket(dataBucket).ForEachBucket(func(kt []byte) error {
		kb := t.tx.Bucket(dataBucket).Bucket(kt)
		plain, err := t.s.open(kindAD(kt), kb.Get(kindNameKey))
		if err != nil {
			return &CorruptError{Problem: "a kind name does not open with the store key"}
		}
		kind := string(plain)
		if !bytes.Equal(t.s.kindTag(kind), kt) {
			return &CorruptError{Kind: kind, Problem: "a kind name does not match its tag"}
		}
		kinds = append(kinds, kind)
		return nil
	})
	slices.Sort(kinds)
	return kinds, err
}

package store

import (
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"strings"
	"sync"
)

// Mem is a Store in memory, for tests: the same behaviour as Bolt (locking,
// passphrase checks, transactions), nothing on disk, nothing encrypted.
type Mem struct {
	mu     sync.RWMutex
	data   map[string]map[string][]byte
	pass   [32]byte // SHA-256 of the passphrase, to check it
	locked bool
	closed bool
}

var _ Store = (*Mem)(nil)

// NewMem returns an empty unlocked store with that passphrase.
func NewMem(passphrase []byte) *Mem {
	return &Mem{data: map[string]map[string][]byte{}, pass: sha256.Sum256(passphrase)}
}

func (m *Mem) state() error {
	switch {
	case m.closed:
		return ErrClosed
	case m.locked:
		return ErrLocked
	}
	return nil
}

// View implements Store.
func (m *Mem) View(fn func(Tx) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.state(); err != nil {
		return err
	}
	tx := &memTx{m: m}
	defer func() { tx.done = true }()
	return fn(tx)
}

// Update implements Store.
func (m *Mem) Update(fn func(Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.state(); err != nil {
		return err
	}
	tx := &memTx{m: m, writable: true, changes: map[string]map[string][]byte{}}
	defer func() { tx.done = true }()
	if err := fn(tx); err != nil {
		return err
	}
	for kind, ids := range tx.changes {
		for id, v := range ids {
			if v == nil {
				delete(m.data[kind], id)
				if len(m.data[kind]) == 0 {
					delete(m.data, kind)
				}
				continue
			}
			if m.data[kind] == nil {
				m.data[kind] = map[string][]byte{}
			}
			m.data[kind][id] = v
		}
	}
	return nil
}

// ChangePassphrase implements Store.
func (m *Mem) ChangePassphrase(old, new []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.state(); err != nil {
		return err
	}
	if err := checkPassphrase(new); err != nil {
		return err
	}
	if h := sha256.Sum256(old); subtle.ConstantTimeCompare(h[:], m.pass[:]) != 1 {
		return ErrWrongPassphrase
	}
	m.pass = sha256.Sum256(new)
	return nil
}

// Lock implements Store.
func (m *Mem) Lock() {
	m.mu.Lock()
	m.locked = true
	m.mu.Unlock()
}

// Unlock implements Store.
func (m *Mem) Unlock(passphrase []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if h := sha256.Sum256(passphrase); subtle.ConstantTimeCompare(h[:], m.pass[:]) != 1 {
		return ErrWrongPassphrase
	}
	m.locked = false
	return nil
}

// Close implements Store.
func (m *Mem) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	m.data = nil
	return nil
}

type memTx struct {
	m        *Mem
	writable bool
	done     bool
	changes  map[string]map[string][]byte // nil value: deleted
}

func (t *memTx) lookup(kind, id string) ([]byte, bool) {
	if v, ok := t.changes[kind][id]; ok {
		return v, v != nil
	}
	v, ok := t.m.data[kind][id]
	return v, ok
}

func (t *memTx) Get(kind, id string) ([]byte, error) {
	if t.done {
		return nil, ErrTxClosed
	}
	if err := checkKey(kind, id); err != nil {
		return nil, err
	}
	v, ok := t.lookup(kind, id)
	if !ok {
		return nil, notFound(kind, id)
	}
	return clone(v), nil
}

func (t *memTx) set(kind, id string, v []byte) {
	if t.changes[kind] == nil {
		t.changes[kind] = map[string][]byte{}
	}
	t.changes[kind][id] = v
}

func (t *memTx) Put(kind, id string, value []byte) error {
	if t.done {
		return ErrTxClosed
	}
	if !t.writable {
		return ErrReadOnly
	}
	if err := checkKey(kind, id); err != nil {
		return err
	}
	if err := checkValue(value); err != nil {
		return err
	}
	t.set(kind, id, clone(value))
	return nil
}

func (t *memTx) Delete(kind, id string) error {
	if t.done {
		return ErrTxClosed
	}
	if !t.writable {
		return ErrReadOnly
	}
	if err := checkKey(kind, id); err != nil {
		return err
	}
	t.set(kind, id, nil)
	return nil
}

func (t *memTx) ForEach(kind string, fn func(id string, value []byte) error) error {
	if t.done {
		return ErrTxClosed
	}
	if err := checkName("kind", kind, MaxKind); err != nil {
		return err
	}
	type rec struct {
		id string
		v  []byte
	}
	var recs []rec
	for id := range t.m.data[kind] {
		if v, ok := t.lookup(kind, id); ok {
			recs = append(recs, rec{id, clone(v)})
		}
	}
	for id, v := range t.changes[kind] {
		if _, old := t.m.data[kind][id]; !old && v != nil {
			recs = append(recs, rec{id, clone(v)})
		}
	}
	slices.SortFunc(recs, func(a, b rec) int { return strings.Compare(a.id, b.id) })
	for _, r := range recs {
		if err := fn(r.id, r.v); err != nil {
			return err
		}
	}
	return nil
}

func (t *memTx) Kinds() ([]string, error) {
	if t.done {
		return nil, ErrTxClosed
	}
	var kinds []string
	seen := map[string]bool{}
	add := func(kind string, ids map[string][]byte) {
		if seen[kind] {
			return
		}
		for id := range ids {
			if _, ok := t.lookup(kind, id); ok {
				seen[kind] = true
				kinds = append(kinds, kind)
				return
			}
		}
	}
	for kind, ids := range t.m.data {
		add(kind, ids)
	}
	for kind, ids := range t.changes {
		add(kind, ids)
	}
	slices.Sort(kinds)
	return kinds, nil
}

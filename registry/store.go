package registry

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Issuer is an accredited issuer as the registry keeps it.
type Issuer struct {
	Slug        string    `json:"slug"`
	ID          string    `json:"id"` // the "iss" its credentials carry
	Name        string    `json:"name"`
	Country     string    `json:"country,omitempty"`
	Scope       []string  `json:"scope,omitempty"`
	ValidFrom   time.Time `json:"validFrom,omitzero"`
	ValidUntil  time.Time `json:"validUntil,omitzero"`
	Suspended   bool      `json:"suspended,omitempty"`
	SuspendedAt time.Time `json:"suspendedAt,omitzero"`
	Keys        []Key     `json:"keys"`
	Lists       int       `json:"lists"`   // status lists allocated, numbered 1..Lists
	Version     int       `json:"version"` // bumped on every change
	Updated     time.Time `json:"updated"`
}

// Key is one of an issuer's keys.
type Key struct {
	KID                string          `json:"kid"`
	JWK                json.RawMessage `json:"jwk"`
	ValidFrom          time.Time       `json:"validFrom,omitzero"`
	ValidUntil         time.Time       `json:"validUntil,omitzero"`
	CompromisedAt      time.Time       `json:"compromisedAt,omitzero"`
	CompromisedLogSize uint64          `json:"compromisedLogSize,omitempty"`
}

// listRec is a status list in the store.
type listRec struct {
	URI     string `json:"uri"`
	Slug    string `json:"slug"`
	Bits    int    `json:"bits"`
	Lst     string `json:"lst"`
	Changed uint64 `json:"changed"` // state version of the last change
}

var (
	bMeta       = []byte("meta")
	bIssuers    = []byte("issuers")
	bKeys       = []byte("keys")
	bNonces     = []byte("nonces")
	bLists      = []byte("lists")
	bAlloc      = []byte("alloc")
	bCRLs       = []byte("crls")
	bStats      = []byte("stats")
	bAdvisories = []byte("advisories")
	bDirectory  = []byte("directory")
	bBundles    = []byte("bundles")
	bCosigned   = []byte("cosigned")
	allBuckets  = [][]byte{bMeta, bIssuers, bKeys, bNonces, bLists, bAlloc, bCRLs, bStats, bAdvisories, bDirectory, bBundles, bCosigned}

	kState     = []byte("state")
	kDirectory = []byte("directory")
	kBundle    = []byte("bundle")
)

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func getU64(b *bolt.Bucket, k []byte) uint64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// bump increments a counter in meta and returns the new value.
func bump(tx *bolt.Tx, k []byte) (uint64, error) {
	m := tx.Bucket(bMeta)
	n := getU64(m, k) + 1
	return n, m.Put(k, u64(n))
}

func getJSON(b *bolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	return true, json.Unmarshal(data, v)
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

func loadIssuer(tx *bolt.Tx, slug string) (*Issuer, error) {
	var is Issuer
	ok, err := getJSON(tx.Bucket(bIssuers), []byte(slug), &is)
	if err != nil || !ok {
		return nil, err
	}
	return &is, nil
}

func loadIssuers(tx *bolt.Tx) ([]*Issuer, error) {
	var out []*Issuer
	err := tx.Bucket(bIssuers).ForEach(func(k, v []byte) error {
		var is Issuer
		if err := json.Unmarshal(v, &is); err != nil {
			return err
		}
		out = append(out, &is)
		return nil
	})
	return out, err
}

// errReplay is returned inside a write transaction for a nonce seen before.
var errReplay = errors.New("replay")

// seenNonce reports whether a nonce was used and may still be replayed.
func seenNonce(tx *bolt.Tx, nonce string, now time.Time) bool {
	v := tx.Bucket(bNonces).Get([]byte(nonce))
	return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now.Unix()
}

// useNonce records a request nonce until expiry, or fails if it was seen.
// Expired nonces are dropped as they are met.
func useNonce(tx *bolt.Tx, nonce string, now time.Time) error {
	b := tx.Bucket(bNonces)
	if seenNonce(tx, nonce, now) {
		return errReplay
	}
	return b.Put([]byte(nonce), u64(uint64(now.Add(2*Skew).Unix())))
}

// pruneNonces deletes nonces that can no longer be replayed (their iat
// window is over).
func pruneNonces(tx *bolt.Tx, now time.Time) error {
	b := tx.Bucket(bNonces)
	var dead [][]byte
	_ = b.ForEach(func(k, v []byte) error {
		if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) <= now.Unix() {
			dead = append(dead, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

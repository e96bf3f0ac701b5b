package wallet

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/immunopass/immunopass/wallet/store"
)

// Kinds of records in the store.
const (
	kindProfile = "profile" // id → profileRecord (with the holder key)
	kindCred    = "cred"    // credential ID → Credential
	kindHistory = "history" // time-ordered id → HistoryEntry
	kindTrust   = "trust"   // name → trust file bytes
	kindMeta    = "meta"    // setting → JSON value
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func getJSON(t tx, kind, id string, v any) error {
	b, err := t.Get(kind, id)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("stored %s %q is corrupt: %w", kind, id, err)
	}
	return nil
}

func putJSON(t tx, kind, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.Put(kind, id, b)
}

// forEachJSON decodes every record of a kind into a fresh T.
func forEachJSON[T any](t tx, kind string, fn func(id string, v *T) error) error {
	return t.ForEach(kind, func(id string, b []byte) error {
		v := new(T)
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("stored %s %q is corrupt: %w", kind, id, err)
		}
		return fn(id, v)
	})
}

func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

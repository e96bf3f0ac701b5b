package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/internal/atomicfile"
	"github.com/immunopass/immunopass/issuer"
)

// # Signing keys and their rotation
//
// The clinic's keys are listed in clinic.db (bucket "keys"); each is an
// age-encrypted key file in the data folder (key.age for the first one,
// keys/<kid>.age for the others), sealed with the service's passphrase.
// A key is in one of four states:
//
//	pending      created and published in the JWKS, not signing yet
//	active       signing (exactly one key at a time, or none after a compromise)
//	retired      no longer signing; still in the JWKS, so that what it signed verifies
//	compromised  reported compromised: never signs again, and leaves the JWKS
//
// Rotation without downtime: CreateKey makes a pending key, which the JWKS
// serves at once; the registry's administrator registers it (registry
// issuer rotate-key --jwks … --retire-at a time after the switch);
// ActivateKey switches signing to it only once the registry lists it as
// valid now (when a registry is configured), so that nothing is ever signed
// by a key verifiers cannot know yet. In-flight issuances finish with the
// key they started with; every ledger entry records its kid; the old key
// keeps verifying.

// Key states.
const (
	KeyPending     = "pending"
	KeyActive      = "active"
	KeyRetired     = "retired"
	KeyCompromised = "compromised"
)

var bucketKeys = []byte("keys")

// KeysDirName holds the key files of rotated-in keys.
const KeysDirName = "keys"

// KeyInfo is one signing key of the clinic.
type KeyInfo struct {
	KID         string    `json:"kid"`
	State       string    `json:"state"`
	File        string    `json:"file"` // relative to the data folder
	Created     time.Time `json:"created"`
	Activated   time.Time `json:"activated,omitzero"`
	Retired     time.Time `json:"retired,omitzero"`
	Compromised time.Time `json:"compromised,omitzero"` // as reported: from when it is not to be trusted
}

// Key errors.
var (
	ErrNoActiveKey   = errors.New("no active signing key: the last one was reported compromised; create and activate a new key")
	ErrKeyState      = errors.New("wrong key state")
	ErrNotRegistered = errors.New("not registered with the registry")
)

// loadKeys reads the key list, registering the first key (key.age) as
// active in a folder of an earlier version, and decrypts every key file.
func (s *Service) loadKeys(first *issuer.KeyFile, passphrase string) error {
	var infos []KeyInfo
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		if k, _ := b.Cursor().First(); k == nil {
			info := KeyInfo{KID: first.Key.Public().KID(), State: KeyActive, File: KeyFileName, Created: first.Created, Activated: first.Created}
			if err := putJSON(b, info.KID, info); err != nil {
				return err
			}
		}
		return b.ForEach(func(_, v []byte) error {
			var ki KeyInfo
			if err := json.Unmarshal(v, &ki); err != nil {
				return err
			}
			infos = append(infos, ki)
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.keys = map[string]*issuer.KeyFile{}
	for _, ki := range infos {
		kf := first
		if ki.File != KeyFileName {
			sealed, err := os.ReadFile(filepath.Join(s.dir, ki.File))
			if err != nil {
				return fmt.Errorf("key %s: %w", ki.KID, err)
			}
			k, err := keyfile.Open(sealed, passphrase)
			if err != nil {
				return fmt.Errorf("%s: %w", filepath.Join(s.dir, ki.File), err)
			}
			kf = &issuer.KeyFile{KeyFile: k}
		}
		if kf.Key.Public().KID() != ki.KID {
			return fmt.Errorf("%s holds key %s, the key list says %s", ki.File, kf.Key.Public().KID(), ki.KID)
		}
		s.keys[ki.KID] = kf
		if ki.State == KeyActive {
			s.key = kf
		}
	}
	return nil
}

// signer is the active key, or ErrNoActiveKey.
func (s *Service) signer() (*issuer.KeyFile, error) {
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	if s.key == nil {
		return nil, ErrNoActiveKey
	}
	return s.key, nil
}

// keyFor returns the key file of kid (nil if it is not the clinic's).
func (s *Service) keyFor(kid string) *issuer.KeyFile {
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	return s.keys[kid]
}

// Keys lists the clinic's keys, oldest first.
func (s *Service) Keys() ([]KeyInfo, error) {
	var out []KeyInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeys).ForEach(func(_, v []byte) error {
			var ki KeyInfo
			if err := json.Unmarshal(v, &ki); err != nil {
				return err
			}
			out = append(out, ki)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b KeyInfo) int { return a.Created.Compare(b.Created) })
	return out, err
}

func (s *Service) keyInfo(tx *bolt.Tx, kid string) (KeyInfo, error) {
	var ki KeyInfo
	found, err := getJSON(tx.Bucket(bucketKeys), kid, &ki)
	if err == nil && !found {
		err = fmt.Errorf("key %q: %w", kid, ErrNotFound)
	}
	return ki, err
}

// CreateKey makes a new pending key: sealed like key.age into
// keys/<kid>.age, listed, and published in the JWKS at once. It signs
// nothing until ActivateKey.
func (s *Service) CreateKey(by string) (*KeyInfo, error) {
	now := s.now()
	kf, err := keyfile.New(now)
	if err != nil {
		return nil, err
	}
	sealed, err := kf.Seal(s.passphrase, s.workFactor)
	if err != nil {
		return nil, err
	}
	kid := kf.Key.Public().KID()
	rel := filepath.Join(KeysDirName, kid+".age")
	if err := os.MkdirAll(filepath.Join(s.dir, KeysDirName), 0o700); err != nil {
		return nil, err
	}
	if err := atomicfile.Create(filepath.Join(s.dir, rel), sealed, 0o600); err != nil {
		return nil, err
	}
	ki := KeyInfo{KID: kid, State: KeyPending, File: rel, Created: now.UTC()}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketKeys), kid, ki); err != nil {
			return err
		}
		return appendAudit(tx, now, by, "key.create", "key:"+kid, "pending: published in the JWKS, not signing until activated")
	})
	if err != nil {
		return nil, err
	}
	s.keys[kid] = &issuer.KeyFile{KeyFile: kf}
	return &ki, nil
}

// RegisteredKey is a key as the registry lists it for this issuer.
type RegisteredKey = issuer.RegisteredKey

// ActivateKey makes a pending key the signing key; the active one is
// retired (it stops signing and keeps verifying). With a registry
// configured, the registry must list the key as valid now, and the
// current key as valid until after now: otherwise ErrNotRegistered, which
// says what the registry's administrator has to run. Issuances already
// signing finish with the old key; every later one uses the new key.
func (s *Service) ActivateKey(ctx context.Context, by, kid string) (*KeyInfo, error) {
	now := s.now()
	var ki KeyInfo
	if err := s.db.View(func(tx *bolt.Tx) (err error) { ki, err = s.keyInfo(tx, kid); return err }); err != nil {
		return nil, err
	}
	if ki.State != KeyPending {
		return nil, fmt.Errorf("key %s is %s, only a pending key can be activated: %w", kid, ki.State, ErrKeyState)
	}
	detail := "no registry configured: published in the JWKS since " + ki.Created.Format(time.RFC3339)
	if s.reg != nil {
		keys, err := s.reg.IssuerKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("asking the registry whether key %s is registered: %w", kid, err)
		}
		i := slices.IndexFunc(keys, func(k RegisteredKey) bool { return k.KID == kid })
		if i < 0 || !keys[i].ValidAt(now) {
			return nil, fmt.Errorf("key %s: the registry %s does not list it as valid now for %s; its administrator registers it with: registry issuer rotate-key --id SLUG --jwks FILE --retire-at TIME (TIME after the switch, so that the current key stays valid until then): %w",
				kid, s.reg.Base, s.cfg.Issuer, ErrNotRegistered)
		}
		detail = "registered with the registry " + s.reg.Base.String()
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	old := ""
	if s.key != nil {
		old = s.key.Key.Public().KID()
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		// Again under the lock: another activation may have won meanwhile.
		cur, err := s.keyInfo(tx, kid)
		if err != nil {
			return err
		}
		if cur.State != KeyPending {
			return fmt.Errorf("key %s is %s, only a pending key can be activated: %w", kid, cur.State, ErrKeyState)
		}
		if old != "" {
			prev, err := s.keyInfo(tx, old)
			if err != nil {
				return err
			}
			prev.State, prev.Retired = KeyRetired, now.UTC()
			if err := putJSON(b, old, prev); err != nil {
				return err
			}
			if err := appendAudit(tx, now, by, "key.retire", "key:"+old, "replaced by "+kid+"; keeps verifying what it signed"); err != nil {
				return err
			}
		}
		ki.State, ki.Activated = KeyActive, now.UTC()
		if err := putJSON(b, kid, ki); err != nil {
			return err
		}
		return appendAudit(tx, now, by, "key.activate", "key:"+kid, detail)
	})
	if err != nil {
		return nil, err
	}
	s.key = s.keys[kid]
	if s.reg != nil {
		s.anchorMu.Lock()
		s.reg.Key = s.key.Key // registry requests are signed with the active key
		s.anchorMu.Unlock()
	}
	return &ki, nil
}

// CompromiseKey records that a key is compromised as of at (zero: now): it
// never signs again (if it was the active key, issuance stops until another
// key is activated) and leaves the JWKS. The registry decides what stays
// valid by its log: CompromiseKey returns the command its administrator
// runs to record it (the registry takes compromise reports from its
// administrator only).
func (s *Service) CompromiseKey(by, kid string, at time.Time) (*KeyInfo, string, error) {
	now := s.now()
	if at.IsZero() {
		at = now
	}
	if at.After(now) {
		return nil, "", &InputError{Field: "at", Problem: "in the future"}
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	var ki KeyInfo
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if ki, err = s.keyInfo(tx, kid); err != nil {
			return err
		}
		if ki.State == KeyCompromised {
			return fmt.Errorf("key %s was already reported compromised: %w", kid, ErrKeyState)
		}
		ki.State, ki.Compromised = KeyCompromised, at.UTC()
		if err := putJSON(tx.Bucket(bucketKeys), kid, ki); err != nil {
			return err
		}
		return appendAudit(tx, now, by, "key.compromise", "key:"+kid, "compromised as of "+at.UTC().Format(time.RFC3339))
	})
	if err != nil {
		return nil, "", err
	}
	if s.key != nil && s.key.Key.Public().KID() == kid {
		s.key = nil
	}
	report := fmt.Sprintf("registry issuer compromise --id SLUG --kid %s --at %s", kid, at.UTC().Format(time.RFC3339))
	return &ki, report, nil
}

// jwksKeys are the keys the JWKS publishes: all but compromised ones.
func (s *Service) jwksKeys() ([]*jose.Key, error) {
	infos, err := s.Keys()
	if err != nil {
		return nil, err
	}
	var out []*jose.Key
	for _, ki := range infos {
		if ki.State == KeyCompromised {
			continue
		}
		if kf := s.keyFor(ki.KID); kf != nil {
			out = append(out, kf.Key.Public())
		}
	}
	return out, nil
}

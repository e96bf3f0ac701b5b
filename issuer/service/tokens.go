package service

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// API token scopes.
const (
	ScopeRecordsWrite  = "records:write"  // submit records (issue)
	ScopeRecordsRead   = "records:read"   // read ledger entries
	ScopeRecordsRevoke = "records:revoke" // revoke ledger entries
	ScopeKeys          = "keys:manage"    // create, activate and report compromised signing keys
)

// Scopes lists every scope.
var Scopes = []string{ScopeRecordsWrite, ScopeRecordsRead, ScopeRecordsRevoke, ScopeKeys}

// TokenPrefix starts every API token, so that a leaked one is easy to find
// in logs and code.
const TokenPrefix = "ipt_"

// Token is an EMR client's API token, as stored: its hash, never itself.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"createdBy"`
	Revoked   time.Time `json:"revoked,omitzero"`
}

func tokenKey(secret string) string {
	h := sha256.Sum256([]byte("api-token\x00" + secret))
	return hex.EncodeToString(h[:])
}

// CreateToken makes an API token with the given scopes. The secret is
// returned once and stored only as its SHA-256.
func (s *Service) CreateToken(by, name string, scopes []string) (secret string, t Token, err error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, fmt.Errorf("token name: want 1 to 100 characters")
	}
	if len(scopes) == 0 {
		return "", Token{}, fmt.Errorf("token scopes: give at least one of %s", strings.Join(Scopes, ", "))
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return "", Token{}, fmt.Errorf("token scope %q: want one of %s", sc, strings.Join(Scopes, ", "))
		}
	}
	now := s.now()
	secret = TokenPrefix + randomToken(32)
	t = Token{ID: randomToken(9), Name: name, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))), Created: now.UTC(), CreatedBy: by}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketTokens), tokenKey(secret), t); err != nil {
			return err
		}
		return appendAudit(tx, now, by, "token.create", "token:"+t.ID, fmt.Sprintf("%q scopes %s", name, strings.Join(t.Scopes, " ")))
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// CheckToken returns the token if secret is a live token with scope.
func (s *Service) CheckToken(secret, scope string) (*Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, ErrBadToken
	}
	var t Token
	err := s.db.View(func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketTokens), tokenKey(secret), &t)
		if err != nil || !found || !t.Revoked.IsZero() {
			return ErrBadToken
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !slices.Contains(t.Scopes, scope) {
		return &t, ErrScope
	}
	return &t, nil
}

// Tokens lists the API tokens.
func (s *Service) Tokens() ([]Token, error) {
	var out []Token
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		return b.ForEach(func(k, _ []byte) error {
			var t Token
			if _, err := getJSON(b, string(k), &t); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// RevokeToken revokes the token with this id, for good.
func (s *Service) RevokeToken(by, id string) error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var t Token
			if _, err := getJSON(b, string(k), &t); err != nil {
				return err
			}
			if t.ID != id {
				continue
			}
			if !t.Revoked.IsZero() {
				return nil
			}
			t.Revoked = now.UTC()
			if err := putJSON(b, string(k), t); err != nil {
				return err
			}
			return appendAudit(tx, now, by, "token.revoke", "token:"+id, "")
		}
		return fmt.Errorf("API token %q: %w", id, ErrNotFound)
	})
}

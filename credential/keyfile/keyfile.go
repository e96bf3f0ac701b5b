// Package keyfile seals a role's private ES256 key, with any secrets that
// go with it, into an age-encrypted file (passphrase, scrypt): the stock
// `age -d` tool opens it, so nobody is ever locked out by this software.
// It works on bytes only; callers write the files (0600, atomically).
// Nothing here prints or logs the private key.
package keyfile

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/immunopass/immunopass/credential/jose"
)

// ErrWrongPassphrase reports a key file that the passphrase does not open.
var ErrWrongPassphrase = errors.New("wrong passphrase for the key file")

// KeyFileError reports a key file that is not one: not age-encrypted, or
// not holding an ImmunoPass issuer key.
type KeyFileError struct{ Problem string }

func (e *KeyFileError) Error() string { return "key file: " + e.Problem }

// KeyFile is what a key file holds.
type KeyFile struct {
	Key *jose.PrivateKey
	// RIDSecret derives SMART Health Cards revocation ids (shc.RID); every
	// key file has one, used or not.
	RIDSecret string
	Created   time.Time
}

type keyFileJSON struct {
	Version   int             `json:"version"`
	JWK       json.RawMessage `json:"jwk"`
	RIDSecret string          `json:"ridSecret"`
	Created   time.Time       `json:"created"`
}

// WorkFactor is the scrypt work factor (log2 N) of new key files: about a
// second on a laptop, the age tool's own default.
const WorkFactor = 18

// New makes a fresh P-256 key and rid secret.
func New(now time.Time) (*KeyFile, error) {
	k, err := jose.GenerateKey()
	if err != nil {
		return nil, err
	}
	secret, err := randomB64(32)
	if err != nil {
		return nil, err
	}
	return &KeyFile{Key: k, RIDSecret: secret, Created: now.UTC().Truncate(time.Second)}, nil
}

// Seal encrypts the key file with a passphrase.
func (kf *KeyFile) Seal(passphrase string, workFactor int) ([]byte, error) {
	if strings.TrimSpace(passphrase) == "" {
		return nil, &KeyFileError{Problem: "empty passphrase"}
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(workFactor)
	plain, _ := json.Marshal(keyFileJSON{Version: 1, JWK: kf.Key.MarshalPrivateJWK(), RIDSecret: kf.RIDSecret, Created: kf.Created})
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, err
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Open decrypts a key file.
func Open(data []byte, passphrase string) (*KeyFile, error) {
	if !bytes.HasPrefix(data, []byte("age-encryption.org/v1\n")) {
		return nil, &KeyFileError{Problem: "not an age-encrypted file"}
	}
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongPassphrase
		}
		return nil, &KeyFileError{Problem: err.Error()}
	}
	plain, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return nil, &KeyFileError{Problem: "corrupt: " + err.Error()}
	}
	var kj keyFileJSON
	if err := json.Unmarshal(plain, &kj); err != nil || kj.Version != 1 {
		return nil, &KeyFileError{Problem: "not an ImmunoPass key file (version 1)"}
	}
	k, err := jose.ParsePrivateJWK(kj.JWK)
	if err != nil {
		return nil, &KeyFileError{Problem: err.Error()}
	}
	if kj.RIDSecret == "" {
		return nil, &KeyFileError{Problem: "no rid secret"}
	}
	return &KeyFile{Key: k, RIDSecret: kj.RIDSecret, Created: kj.Created}, nil
}

func (kf *KeyFile) String() string {
	return fmt.Sprintf("keyfile.KeyFile{kid: %s}", kf.Key.Public().KID())
}

func randomB64(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

package issuer

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/atomicfile"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
)

// Site is a self-hosted SMART Health Cards issuer's static files, laid out as
// verifiers fetch them below the issuer URL:
// .well-known/jwks.json and .well-known/crl/{kid}.json.
type Site struct{ Dir string }

func (s Site) jwksPath() string { return filepath.Join(s.Dir, ".well-known", "jwks.json") }
func (s Site) crlPath(kid string) string {
	return filepath.Join(s.Dir, ".well-known", "crl", kid+".json")
}

// CRL returns the key's current CRL, or nil if it has never revoked anything.
func (s Site) CRL(kid string) (*shc.CRL, error) {
	data, err := os.ReadFile(s.crlPath(kid))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return shc.ParseCRL(data)
}

// Revoke adds rids to the key's CRL (each as "rid" or, with a timestamp,
// "rid.unix": revoking only cards issued before then), bumps its ctr and
// rewrites the CRL and the JWKS with the matching crlVersion. Files are
// replaced atomically; on error nothing changes.
func (s Site) Revoke(key *jose.Key, rids []string) (*shc.CRL, error) {
	crl, err := s.CRL(key.KID())
	if err != nil {
		return nil, err
	}
	if crl == nil {
		crl = &shc.CRL{KID: key.KID(), Method: "rid"}
	}
	have := map[string]bool{}
	for _, r := range crl.RIDs {
		have[r] = true
	}
	for _, r := range rids {
		if have[r] {
			continue
		}
		have[r] = true
		crl.RIDs = append(crl.RIDs, r)
	}
	crl.Ctr++
	next, err := shc.ParseCRL(crl.Format()) // validates every entry
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(s.crlPath(key.KID()), next.Format(), 0o644); err != nil {
		return nil, err
	}
	if err := s.WriteJWKS(key); err != nil {
		return nil, err
	}
	return next, nil
}

// WriteJWKS writes the public JWKS, with crlVersion when the key has a CRL.
func (s Site) WriteJWKS(key *jose.Key) error {
	b, err := s.JWKS(key)
	if err != nil {
		return err
	}
	return writeAtomic(s.jwksPath(), b, 0o644)
}

// JWKS returns the public JWKS as WriteJWKS would write it.
func (s Site) JWKS(key *jose.Key) ([]byte, error) {
	extra := map[string]map[string]any{}
	crl, err := s.CRL(key.KID())
	if err != nil {
		return nil, err
	}
	if crl != nil {
		extra[key.KID()] = map[string]any{"crlVersion": crl.Ctr}
	}
	return jose.JWKS([]*jose.Key{key}, extra), nil
}

// Snapshot returns a VCI directory snapshot that trusts this issuer: its key
// and current CRL. Verifiers install it with --trust.
func (s Site) Snapshot(iss, name string, key *jose.Key, now time.Time) ([]byte, error) {
	if err := shc.CheckIssuerURL(iss); err != nil {
		return nil, err
	}
	ik := &shc.IssuerKey{Key: key, IssuerName: name}
	crl, err := s.CRL(key.KID())
	if err != nil {
		return nil, err
	}
	if crl != nil {
		ik.CRL, ik.CRLVersion = crl, crl.Ctr
	}
	st := trust.New()
	st.AddSHCKey(iss, name, ik)
	return st.Snapshot(iss, now.UTC().Format(time.RFC3339)), nil
}

// ParseRevocation checks a command-line revocation: "RID" or "RID@RFC3339"
// (revoke only cards issued before that instant), returned as a CRL entry.
func ParseRevocation(s string) (string, error) {
	rid, at, hasAt := strings.Cut(s, "@")
	entry := rid
	if hasAt {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return "", fmt.Errorf("revocation %q: %q is not an RFC 3339 time", s, at)
		}
		entry = rid + "." + strconv.FormatInt(t.Unix(), 10)
	}
	probe := &shc.CRL{KID: "k", Method: "rid", Ctr: 1, RIDs: []string{entry}}
	if _, err := shc.ParseCRL(probe.Format()); err != nil || len(rid) < 4 {
		return "", fmt.Errorf("revocation %q: not a rid (base64url, as printed when the card was issued)", s)
	}
	return entry, nil
}

// writeAtomic writes data to a temporary file beside path, syncs it and
// renames it into place, so readers see the old or the new file, never half.
func writeAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, data, perm)
}

// WriteFileAtomic is writeAtomic for callers outside the package (the CLI's
// outputs and key files).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeAtomic(path, data, perm)
}

func randomB64(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Package spectest gives tests the official SMART Health Cards examples that
// the repository holds in testdata/shc (at its root): paths, the spec's
// published test keys, and a VCI directory snapshot of its issuer.
package spectest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/immunopass/immunopass/credential/jose"
)

// Iss is the spec examples' issuer.
const Iss = "https://spec.smarthealth.cards/examples/issuer"

// KID0 is the kid of the spec key that signs examples 00, 02 and 03.
const KID0 = "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"

// Dir returns the absolute path of the repository's testdata/shc.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "shc")
}

// Path joins elements under Dir.
func Path(elem ...string) string { return filepath.Join(append([]string{Dir()}, elem...)...) }

// Read reads a file under Dir or fails the test.
func Read(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Snapshot returns a VCI directory snapshot trusting the spec issuer with
// its JWKS and CRL, exactly as published.
func Snapshot(t testing.TB) []byte {
	t.Helper()
	b, err := SnapshotJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SnapshotJSON is Snapshot for callers without a testing.TB.
func SnapshotJSON() ([]byte, error) {
	var set struct{ Keys []json.RawMessage }
	jwks, err := os.ReadFile(Path("issuer", ".well-known", "jwks.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, err
	}
	crl, err := os.ReadFile(Path("issuer", ".well-known", "crl", KID0+".json"))
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"directory": "spec-examples", "time": "2026-11-21T00:00:00Z",
		"issuerInfo": []any{map[string]any{
			"issuer": map[string]any{"iss": Iss, "name": "SMART Health Card example issuer", "website": "https://spec.smarthealth.cards"},
			"keys":   set.Keys, "crls": []json.RawMessage{crl},
		}},
	})
}

// PrivateKey returns the spec's published test private key number i.
func PrivateKey(t testing.TB, i int) *jose.PrivateKey {
	t.Helper()
	var set struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(Read(t, "issuer-private", "issuer.jwks.private.json"), &set); err != nil {
		t.Fatal(err)
	}
	k, err := jose.ParsePrivateJWK(set.Keys[i])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// HMACSecret returns the spec's rid derivation secret.
func HMACSecret(t testing.TB) string {
	var s struct{ Secret string }
	if err := json.Unmarshal(Read(t, "issuer-private", "issuer.hmac.private.json"), &s); err != nil {
		t.Fatal(err)
	}
	return s.Secret
}

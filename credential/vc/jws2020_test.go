package vc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/ld"
)

// Test keys of the committed JsonWebSignature2020 vectors (made here,
// from these fixed seeds; not anyone's real keys).
func jwsTestKeys(t testing.TB) (ed25519.PrivateKey, *ecdsa.PrivateKey) {
	ed := ed25519.NewKeyFromSeed([]byte("immunopass jws2020 test key ed25"))
	scalar := sha256.Sum256([]byte("immunopass jws2020 test key p256"))
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	if err != nil {
		t.Fatal(err)
	}
	return ed, ec
}

// jwsDoc is a VC 1.1 vaccination certificate with a JsonWebSignature2020
// proof config (jws to be filled).
func jwsDoc(issuer string) map[string]any {
	m := diDoc(issuer, "")
	m["@context"] = []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1", "https://w3id.org/security/suites/jws-2020/v1"}
	m["proof"] = map[string]any{"type": "JsonWebSignature2020", "created": "2021-04-09T00:00:00Z",
		"verificationMethod": issuer + "#" + strings.TrimPrefix(issuer, "did:key:"), "proofPurpose": "assertionMethod"}
	return m
}

// signJWS fills proof.jws: a detached JWS with header alg, over what
// ParseDI says the proof covers, signed with key (whatever alg says).
func signJWS(t testing.TB, m map[string]any, alg string, key any) []byte {
	t.Helper()
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","b64":false,"crit":["b64"]}`))
	pr := m["proof"].(map[string]any)
	pr["jws"] = hdr + "..AA"
	b, _ := json.Marshal(m)
	_, p, err := ParseDI(b)
	if err != nil {
		t.Fatal(err)
	}
	var sig []byte
	switch k := key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, p.hashData)
	case *ecdsa.PrivateKey:
		h := sha256.Sum256(p.hashData)
		r, s, _ := ecdsa.Sign(rand.Reader, k, h[:])
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	pr["jws"] = hdr + ".." + base64.RawURLEncoding.EncodeToString(sig)
	b, _ = json.MarshalIndent(m, "", " ")
	return b
}

func verifyDIDKey(data []byte) (*Credential, error) {
	c, p, err := ParseDI(data)
	if err != nil {
		return nil, err
	}
	pub, err := DIKey(p.VerificationMethod)
	if err != nil {
		return nil, err
	}
	return c, p.Verify(c, pub)
}

// TestJWS2020Vectors: the committed credentials (testdata/jws2020, signed
// by signJWS with the fixed test keys; -update rewrites them) verify.
func TestJWS2020Vectors(t *testing.T) {
	ed, ec := jwsTestKeys(t)
	edDID := didKeyEd(ed.Public().(ed25519.PublicKey))
	ecDID, _ := ecdsaDIDKey(&ec.PublicKey)
	for _, v := range []struct {
		file, alg string
		did       string
		key       any
	}{{"ed25519.json", "EdDSA", edDID, ed}, {"p256.json", "ES256", ecDID, ec}} {
		path := "testdata/jws2020/" + v.file
		if *update {
			if err := os.WriteFile(path, signJWS(t, jwsDoc(v.did), v.alg, v.key), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := verifyDIDKey(data)
		if err != nil || c.Issuer != v.did || c.Recipient.Name() != "JOHN SMITH" || len(c.Events) != 1 || c.Events[0].Batch != "1183738569" {
			t.Errorf("%s: %v %+v", v.file, err, c)
		}
	}
}

// TestJWS2020: JsonWebSignature2020 on credentials — both key types, and
// the refusals: the key's type fixes the alg (alg confusion), edits of the
// credential or of the proof options, another key, an unencoded-payload
// header that is not, an empty recipient id (not covered).
func TestJWS2020(t *testing.T) {
	ed, ec := jwsTestKeys(t)
	edDID := didKeyEd(ed.Public().(ed25519.PublicKey))
	ecDID, _ := ecdsaDIDKey(&ec.PublicKey)
	_, otherEd, _ := ed25519.GenerateKey(rand.Reader)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edit := func(data []byte, f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(data, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	goodEd := signJWS(t, jwsDoc(edDID), "EdDSA", ed)
	goodEC := signJWS(t, jwsDoc(ecDID), "ES256", ec)
	emptyID := jwsDoc(edDID)
	emptyID["credentialSubject"].(map[string]any)["recipient"].(map[string]any)["id"] = ""
	var (
		ae *AlgError
		ke *KeyTypeError
		pe *ld.ProofError
		ce *ld.CoverageError
	)
	for _, tc := range []struct {
		name string
		data []byte
		ok   func(error) bool
	}{
		{"Ed25519, EdDSA", goodEd, func(err error) bool { return err == nil }},
		{"P-256, ES256", goodEC, func(err error) bool { return err == nil }},
		{"ES256 header, Ed25519 key", signJWS(t, jwsDoc(edDID), "ES256", ed), func(err error) bool { return errors.As(err, &ae) && ae.Want == "EdDSA" }},
		{"EdDSA header, P-256 key", signJWS(t, jwsDoc(ecDID), "EdDSA", ec), func(err error) bool { return errors.As(err, &ae) && ae.Want == "ES256" }},
		{"RS256 header, P-256 key", signJWS(t, jwsDoc(ecDID), "RS256", ec), func(err error) bool { return errors.As(err, &ae) }},
		{"none", signJWS(t, jwsDoc(edDID), "none", ed), func(err error) bool { return errors.As(err, &ae) }},
		{"edited name", edit(goodEd, func(m map[string]any) {
			m["credentialSubject"].(map[string]any)["recipient"].(map[string]any)["familyName"] = "SMYTH"
		}), func(err error) bool { return errors.Is(err, ErrDISignature) }},
		{"edited created", edit(goodEC, func(m map[string]any) { m["proof"].(map[string]any)["created"] = "2022-01-01T00:00:00Z" }),
			func(err error) bool { return errors.Is(err, ErrDISignature) }},
		{"another Ed25519 key", signJWS(t, jwsDoc(edDID), "EdDSA", otherEd), func(err error) bool { return errors.Is(err, ErrDISignature) }},
		{"another P-256 key", signJWS(t, jwsDoc(ecDID), "ES256", otherEC), func(err error) bool { return errors.Is(err, ErrDISignature) }},
		{"b64 payload", edit(goodEd, func(m map[string]any) {
			pr := m["proof"].(map[string]any)
			_, sig, _ := strings.Cut(pr["jws"].(string), "..")
			pr["jws"] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA"}`)) + ".." + sig
		}), func(err error) bool { return errors.As(err, &pe) }},
		{"empty recipient id", signJWS(t, emptyID, "EdDSA", ed), func(err error) bool { return errors.As(err, &ce) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := verifyDIDKey(tc.data); !tc.ok(err) {
				t.Fatalf("got %v", err)
			}
		})
	}
	// An RSA key (a did:web issuer's, from trust) signs only PS256.
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaSigned := func(alg string) (*Credential, *DIProof) {
		m := jwsDoc("did:web:health.example")
		m["proof"].(map[string]any)["verificationMethod"] = "did:web:health.example#key-1"
		b := signJWS(t, m, alg, ed) // placeholder signature, replaced below
		c, p, err := ParseDI(b)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(p.hashData)
		p.Signature, _ = rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, h[:], nil)
		return c, p
	}
	if c, p := rsaSigned("PS256"); p.Verify(c, &rsaKey.PublicKey) != nil {
		t.Fatalf("PS256 with RSA: %v", p.Verify(c, &rsaKey.PublicKey))
	}
	if c, p := rsaSigned("RS256"); !errors.As(p.Verify(c, &rsaKey.PublicKey), &ae) || ae.Want != "PS256" {
		t.Fatalf("RS256 with RSA: %v", p.Verify(c, &rsaKey.PublicKey))
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if c, p := rsaSigned("PS256"); !errors.As(p.Verify(c, &small.PublicKey), &ke) {
		t.Fatalf("PS256 with RSA-1024: %v", p.Verify(c, &small.PublicKey))
	}
	// The key type decides, not the suite: a P-384 key or a non-key is refused.
	_, p, err := ParseDI(goodEC)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	c, _, _ := ParseDI(goodEC)
	if err := p.Verify(c, &p384.PublicKey); !errors.As(err, &ke) {
		t.Fatalf("P-384 key: %v", err)
	}
	if err := p.Verify(c, "not a key"); !errors.As(err, &ke) {
		t.Fatalf("string key: %v", err)
	}
}

package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"sync"

	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/credential/qr"
)

// writeDIVOC writes DIVOC test files: trust.json (a VCI snapshot trusting
// "https://cowin.gov.in/" with an RSA key "did:india" and an Ed25519 key
// "did:india:ed", as JWKs), and certificates it signed: qr.b64 ("B64:" text),
// qr.zip (the raw archive), certificate.json, ed25519.json (naming a wrong
// verificationMethod), edited.json (the name changed after signing),
// empty-id.json (signed with an empty credentialSubject.id, so that JSON-LD
// drops the name from the signed data) and two-entries.zip.
func writeDIVOC(dir string) error {
	divocOnce.Do(func() { divocFiles, divocErr = divocWorld() })
	if divocErr != nil {
		return divocErr
	}
	return writeAll(dir, divocFiles)
}

// The DIVOC files are made once per test binary (an RSA key per script
// would slow every script down).
var (
	divocOnce  sync.Once
	divocFiles map[string][]byte
	divocErr   error
)

func writeAll(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func divocWorld() (map[string][]byte, error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	_, ek, _ := ed25519.GenerateKey(rand.Reader)
	enc := base64.RawURLEncoding.EncodeToString
	snap, _ := json.Marshal(map[string]any{"directory": "test", "time": "2021-08-01T00:00:00Z", "issuerInfo": []any{map[string]any{
		"issuer": map[string]any{"iss": "https://cowin.gov.in/", "name": "CoWIN (test keys)"},
		"keys": []any{
			map[string]any{"kty": "RSA", "kid": "did:india", "n": enc(rk.N.Bytes()), "e": enc(big.NewInt(int64(rk.E)).Bytes())},
			map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "did:india:ed", "x": enc(ek.Public().(ed25519.PublicKey))},
		},
	}}})
	files := map[string][]byte{"trust.json": snap}
	js := func(m map[string]any) []byte { b, _ := json.MarshalIndent(m, "", " "); return b }
	good, err := divoctest.Sign(divoctest.Certificate(), rk, "did:india", "")
	if err != nil {
		return nil, err
	}
	zip := divoctest.Payload(good)
	files["qr.zip"], files["certificate.json"] = zip, js(good)
	files["qr.b64"] = []byte("B64:" + base64.StdEncoding.EncodeToString(zip) + "\n")
	sym, err := qr.Encode(string(zip), qr.L)
	if err != nil {
		return nil, err
	}
	if files["qr.png"], err = sym.PNG(4); err != nil {
		return nil, err
	}
	ed, err := divoctest.Sign(divoctest.Certificate(), ek, "did:wrong", "")
	if err != nil {
		return nil, err
	}
	files["ed25519.json"] = js(ed)
	edited, _ := divoctest.Sign(divoctest.Certificate(), rk, "did:india", "")
	edited["credentialSubject"].(map[string]any)["name"] = "Someone Else"
	files["edited.json"] = js(edited)
	m := divoctest.Certificate()
	m["credentialSubject"].(map[string]any)["id"] = ""
	empty, err := divoctest.Sign(m, rk, "did:india", "")
	if err != nil {
		return nil, err
	}
	files["empty-id.json"] = js(empty)
	files["two-entries.zip"] = divoctest.Zip([]string{"certificate.json", "extra.json"}, [][]byte{js(good), js(good)})
	return files, nil
}

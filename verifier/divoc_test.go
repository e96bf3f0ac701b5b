package verifier_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/verifier"
)

// divocWorld returns a verifier trusting CoWIN's (test) RSA and Ed25519
// keys through a VCI snapshot, as DESIGN-level docs say: JWKs whose kid is
// the verificationMethod id.
func divocWorld(t testing.TB) (*verifier.Verifier, *rsa.PrivateKey, ed25519.PrivateKey) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, ek, _ := ed25519.GenerateKey(rand.Reader)
	enc := base64.RawURLEncoding.EncodeToString
	snap := map[string]any{"directory": "test", "time": "2021-08-01T00:00:00Z", "issuerInfo": []any{map[string]any{
		"issuer": map[string]any{"iss": "https://cowin.gov.in/", "name": "CoWIN (test key)"},
		"keys": []any{
			map[string]any{"kty": "RSA", "kid": "did:india", "n": enc(rk.N.Bytes()), "e": enc(big.NewInt(int64(rk.E)).Bytes())},
			map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "did:india:ed", "x": enc(ek.Public().(ed25519.PublicKey))},
		},
	}}}
	b, _ := json.Marshal(snap)
	v := &verifier.Verifier{Trust: trust.New(), At: time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC)}
	if err := v.Trust.Load("snapshot.json", b); err != nil {
		t.Fatal(err)
	}
	return v, rk, ek
}

func TestDIVOC(t *testing.T) {
	v, rk, ek := divocWorld(t)
	signed := func(edit func(m map[string]any), key any, vm string) map[string]any {
		m := divoctest.Certificate()
		if edit != nil {
			edit(m)
		}
		var s map[string]any
		var err error
		switch k := key.(type) {
		case *rsa.PrivateKey:
			s, err = divoctest.Sign(m, k, vm, "")
		case ed25519.PrivateKey:
			s, err = divoctest.Sign(m, k, vm, "")
		}
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	js := func(m map[string]any) []byte { b, _ := json.Marshal(m); return b }
	good := signed(nil, rk, "did:india")
	zip := divoctest.Payload(good)
	tampered := signed(nil, rk, "did:india")
	tampered["credentialSubject"].(map[string]any)["name"] = "Someone Else"
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	tests := []struct {
		name   string
		input  verifier.Input
		valid  bool
		reason string
		msg    string
	}{
		{"raw ZIP", verifier.Input{Name: "qr.bin", Data: zip}, true, "ok", ""},
		{"B64: text", verifier.Input{Name: "qr.txt", Data: []byte("B64:" + base64.StdEncoding.EncodeToString(zip) + "\n")}, true, "ok", ""},
		{"certificate.json", verifier.Input{Name: "certificate.json", Data: js(good)}, true, "ok", ""},
		{"Ed25519, wrong verificationMethod", verifier.Input{Name: "c.json", Data: js(signed(nil, ek, "did:sl"))}, true, "ok", ""},
		{"edited after signing", verifier.Input{Name: "c.json", Data: js(tampered)}, false, "bad-signature", "does not verify"},
		{"signed by another key", verifier.Input{Name: "c.json", Data: js(signed(nil, other, "did:india"))}, false, "bad-signature", ""},
		{"empty subject id", verifier.Input{Name: "c.json", Data: js(signed(func(m map[string]any) {
			m["credentialSubject"].(map[string]any)["id"] = ""
		}, rk, "did:india"))}, false, "bad-payload", `name "Asha Verma" is not covered by the signature`},
		{"unknown issuer", verifier.Input{Name: "c.json", Data: js(signed(func(m map[string]any) { m["issuer"] = "https://divoc.example/" }, rk, "did:india"))}, false, "unknown-issuer", ""},
		{"two entries", verifier.Input{Name: "qr.bin", Data: divoctest.Zip([]string{"certificate.json", "x"}, [][]byte{js(good), js(good)})}, false, "bad-compression", "2 entries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Verify([]verifier.Input{tc.input})
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			r := res[0]
			if r.Format != "divoc" || r.Valid != tc.valid || r.Reasons[0] != tc.reason || !strings.Contains(strings.Join(r.Messages, "; "), tc.msg) {
				t.Fatalf("%+v", r)
			}
			if tc.valid {
				if r.Subject.Name != "Asha Verma" || r.Subject.BirthDate != "1990-04-12" || len(r.Immunizations) != 1 ||
					r.Immunizations[0].Dose != 2 || r.Immunizations[0].Date != "2021-07-30" || r.Immunizations[0].Country != "IN" ||
					r.Issuer.Name != "CoWIN (test key)" {
					t.Fatalf("%+v", r)
				}
			} else if r.Subject.Name != "" || len(r.Immunizations) != 0 {
				t.Fatalf("an invalid certificate shows data: %+v", r)
			}
		})
	}
}

// BenchmarkVerifyDIVOC: a DIVOC certificate as "B64:" text → the
// verifier's verdict (detection, ZIP, JSON-LD, RSA-PSS, signed-field check,
// report), over 32 certificates of different people in turn, interleaved
// with a bare RSA-PSS verify (ratiobench).
func BenchmarkVerifyDIVOC(b *testing.B) {
	v, rk, _ := divocWorld(b)
	var ins [][]verifier.Input
	for i := range 32 {
		m := divoctest.Certificate()
		s := m["credentialSubject"].(map[string]any)
		s["name"] = fmt.Sprintf("Person %d Rao", i)
		s["id"] = fmt.Sprintf("did:Passport:K%07d", i)
		ev := m["evidence"].([]any)[0].(map[string]any)
		ev["id"] = fmt.Sprintf("https://cowin.gov.in/vaccine/%d", 7000+i)
		ev["batch"] = fmt.Sprintf("B%04d", i)
		signed, err := divoctest.Sign(m, rk, "did:india", "")
		if err != nil {
			b.Fatal(err)
		}
		text := "B64:" + base64.StdEncoding.EncodeToString(divoctest.Payload(signed))
		ins = append(ins, []verifier.Input{{Name: "divoc.txt", Data: []byte(text)}})
	}
	if r := v.Verify(ins[0])[0]; !r.Valid {
		b.Fatal(r.Reasons, r.Messages)
	}
	sum := sha256.Sum256([]byte("bench"))
	sig, _ := rsa.SignPSS(rand.Reader, rk, crypto.SHA256, sum[:], nil)
	n := 0
	ours := func() error {
		n++
		if r := v.Verify(ins[n%len(ins)])[0]; !r.Valid {
			return fmt.Errorf("invalid: %v", r.Reasons)
		}
		return nil
	}
	bare := func() error {
		return rsa.VerifyPSS(&rk.PublicKey, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	ratiobench.Run(b, ours, bare)
}

package divoc_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/credential/ld"
)

var (
	keysOnce         sync.Once
	rsaKey, otherRSA *rsa.PrivateKey
	edKey            ed25519.PrivateKey
)

func keys(t testing.TB) {
	keysOnce.Do(func() {
		rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		otherRSA, _ = rsa.GenerateKey(rand.Reader, 2048)
		_, edKey, _ = ed25519.GenerateKey(rand.Reader)
	})
}

func sign(t testing.TB, doc map[string]any, key crypto.Signer, vm, alg string) []byte {
	t.Helper()
	s, err := divoctest.Sign(doc, key, vm, alg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	return b
}

func trusted() []divoc.Key {
	return []divoc.Key{{KID: "did:india", Public: &rsaKey.PublicKey}, {KID: "did:india:ed", Public: edKey.Public()}}
}

func verify(t testing.TB, data []byte, ks []divoc.Key) (*divoc.Certificate, string, error) {
	t.Helper()
	c, err := divoc.Parse(data)
	if err != nil {
		return nil, "", err
	}
	kid, err := divoc.Verify(c, ks)
	return c, kid, err
}

func TestVerify(t *testing.T) {
	keys(t)
	for _, tc := range []struct {
		name    string
		key     crypto.Signer
		vm, kid string
	}{
		{"RsaSignature2018", rsaKey, "did:india", "did:india"},
		{"Ed25519Signature2018", edKey, "did:india:ed", "did:india:ed"},
		{"a wrong verificationMethod: the issuer's keys are tried", rsaKey, "did:srilanka", "did:india"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := sign(t, divoctest.Certificate(), tc.key, tc.vm, "")
			// Through the QR payload forms too.
			for _, payload := range [][]byte{divoctest.Zip([]string{"certificate.json"}, [][]byte{data}),
				[]byte("B64:" + base64.StdEncoding.EncodeToString(divoctest.Zip([]string{"certificate.json"}, [][]byte{data})))} {
				got, err := divoc.Unpack(payload)
				if err != nil || string(got) != string(data) {
					t.Fatalf("unpack: %v", err)
				}
			}
			c, kid, err := verify(t, data, trusted())
			if err != nil {
				t.Fatal(err)
			}
			if kid != tc.kid || c.Subject.Name != "Asha Verma" || c.Subject.BirthDate != "1990-04-12" || len(c.Doses) != 1 {
				t.Fatalf("kid %q %+v", kid, c)
			}
			d := c.Doses[0]
			if d.Vaccine != "COVISHIELD" || d.Number != 2 || d.Total != 2 || d.Batch != "4121Z025" || d.Country != "IN" || d.Facility != "District Hospital Pune" || d.ICD11 != "XM9QW8" {
				t.Fatalf("dose %+v", d)
			}
		})
	}
}

// TestRefuses is the negative table: each case is a certificate whose
// verdict must not be valid, with the typed error that explains it.
func TestRefuses(t *testing.T) {
	keys(t)
	signed := func(edit func(m map[string]any)) []byte {
		m := divoctest.Certificate()
		if edit != nil {
			edit(m)
		}
		return sign(t, m, rsaKey, "did:india", "")
	}
	after := func(edit func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(signed(nil), &m)
		edit(m)
		b, _ := json.Marshal(m)
		return b
	}
	subj := func(m map[string]any) map[string]any { return m["credentialSubject"].(map[string]any) }
	ev := func(m map[string]any) map[string]any { return m["evidence"].([]any)[0].(map[string]any) }
	isCover := func(field string) func(error) bool {
		return func(err error) bool {
			var ce *ld.CoverageError
			return errors.As(err, &ce) && ce.Field == field
		}
	}
	isBadSig := func(err error) bool { return errors.Is(err, divoc.ErrBadSignature) }
	tests := []struct {
		name  string
		data  []byte
		keys  []divoc.Key
		check func(error) bool
	}{
		{"name edited after signing", after(func(m map[string]any) { subj(m)["name"] = "Someone Else" }), trusted(), isBadSig},
		{"dose date edited after signing", after(func(m map[string]any) { ev(m)["date"] = "2021-06-30T09:15:00.000Z" }), trusted(), isBadSig},
		{"birth date added after signing", after(func(m map[string]any) { delete(subj(m), "dob") }), trusted(), isBadSig},
		{"an undefined term added after signing, shown nowhere", after(func(m map[string]any) { subj(m)["fullName"] = "X" }), trusted(), nil},
		{"name signed under an empty subject id", signed(func(m map[string]any) { subj(m)["id"] = "" }), trusted(), isCover("name")},
		{"key of another issuer", signed(nil), []divoc.Key{{KID: "did:india", Public: &otherRSA.PublicKey}}, isBadSig},
		{"alg RS256 where PS256 is required", func() []byte {
			m, _ := divoctest.Sign(divoctest.Certificate(), rsaKey, "did:india", "RS256")
			b, _ := json.Marshal(m)
			return b
		}(), trusted(), func(err error) bool { var he *divoc.HeaderError; return errors.As(err, &he) && he.Alg == "RS256" }},
		{"EdDSA suite with only an RSA key", sign(t, divoctest.Certificate(), edKey, "did:india", ""), []divoc.Key{{KID: "did:india", Public: &rsaKey.PublicKey}},
			func(err error) bool { var ke *divoc.KeyError; return errors.As(err, &ke) }},
		{"unknown context", after(func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/2018/credentials/v1", "https://example.org/vaccination/v9"}
		}), trusted(), func(err error) bool { var ue *ld.UnknownContextError; return errors.As(err, &ue) }},
		{"proof set", after(func(m map[string]any) { m["proof"] = []any{m["proof"]} }), trusted(),
			func(err error) bool { var fe *divoc.FormatError; return errors.As(err, &fe) }},
		{"other suite", after(func(m map[string]any) { m["proof"].(map[string]any)["type"] = "JsonWebSignature2020" }), trusted(),
			func(err error) bool { var ue *divoc.UnsupportedSuiteError; return errors.As(err, &ue) }},
		{"not a vaccination credential", signed(func(m map[string]any) { m["type"] = []any{"VerifiableCredential"} }), trusted(),
			func(err error) bool { var fe *divoc.FormatError; return errors.As(err, &fe) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := verify(t, tc.data, tc.keys)
			if tc.check == nil {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(mustJSON(c.Subject)), "X") && c.Subject.Name != "Asha Verma" {
					t.Fatalf("shown %+v", c.Subject)
				}
				return
			}
			if err == nil || !tc.check(err) {
				t.Fatalf("got %T %v", err, err)
			}
		})
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// lying rewrites the archive's central directory to declare 100 bytes for
// its entry, so that only the bound on inflating stops it.
func lying(z []byte) []byte {
	z = append([]byte(nil), z...)
	i := strings.Index(string(z), "PK\x01\x02")
	z[i+24], z[i+25], z[i+26], z[i+27] = 100, 0, 0, 0
	return z
}

func TestUnpackRefuses(t *testing.T) {
	cert := []byte(`{"a":1}`)
	bomb := divoctest.Zip([]string{"certificate.json"}, [][]byte{[]byte(strings.Repeat(" ", 10<<20))})
	prefixed := append([]byte("PK\x03\x04junk"), divoctest.Zip([]string{"certificate.json"}, [][]byte{cert})...)
	for name, tc := range map[string]struct {
		payload []byte
		want    string
	}{
		"two entries":      {divoctest.Zip([]string{"certificate.json", "extra.json"}, [][]byte{cert, cert}), "2 entries"},
		"two certificates": {divoctest.Zip([]string{"certificate.json", "certificate.json"}, [][]byte{cert, cert}), "2 entries"},
		"other name":       {divoctest.Zip([]string{"cert.json"}, [][]byte{cert}), `"cert.json", not certificate.json`},
		"zip bomb":         {bomb, "declares 10485760 bytes"},
		"zip bomb, lying":  {lying(bomb), "does not inflate"}, // archive/zip stops at the declared size
		"not a zip":        {[]byte("PK\x03\x04 not really"), "damaged ZIP"},
		"no magic":         {[]byte(`{"a":1}`), "not a ZIP archive"},
		"bad base64":       {[]byte("B64:***"), "not standard base64"},
		"junk before":      {prefixed, "not the one at its start"},
		"huge":             {append([]byte("PK\x03\x04"), make([]byte, 20<<10)...), "more than the"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := divoc.Unpack(tc.payload)
			var ze *divoc.ZipError
			if !errors.As(err, &ze) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if len(bomb) > divoc.MaxZip {
		t.Fatalf("the bomb (%d bytes) is refused for its size, not for inflating", len(bomb))
	}
}

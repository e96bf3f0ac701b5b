package divoc_test

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"

	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/divoc/divoctest"
)

func FuzzUnpack(f *testing.F) {
	cert := []byte(`{"a":1}`)
	f.Add(divoctest.Zip([]string{"certificate.json"}, [][]byte{cert}))
	f.Add(divoctest.Zip([]string{"certificate.json", "x"}, [][]byte{cert, cert}))
	f.Add([]byte("B64:UEsDBA=="))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := divoc.Unpack(data)
		if err == nil && len(out) > divoc.MaxCert {
			t.Fatalf("%d bytes out", len(out))
		}
	})
}

// FuzzParseVerify runs the mapper and the verifier on arbitrary
// certificate.json: typed errors only, and nothing is ever valid under a
// key that signed nothing.
func FuzzParseVerify(f *testing.F) {
	_, k, _ := ed25519.GenerateKey(nil)
	s, _ := divoctest.Sign(divoctest.Certificate(), k, "did:x", "")
	b, _ := json.Marshal(s)
	f.Add(b)
	f.Add([]byte(`{"type":"ProofOfVaccinationCredential","issuer":"x","credentialSubject":{"name":"a"},"evidence":[{"type":"Vaccination","vaccine":"v","date":"d"}],"proof":{"type":"Ed25519Signature2018"}}`))
	pub, _, _ := ed25519.GenerateKey(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := divoc.Parse(data)
		if err != nil {
			return
		}
		if _, err := divoc.Verify(c, []divoc.Key{{KID: "k", Public: pub}}); err == nil {
			t.Fatalf("verified with a key that signed nothing: %s", data)
		}
	})
}

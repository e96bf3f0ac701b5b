package verifier_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vc"
	"github.com/immunopass/immunopass/verifier"
)

func TestVCDataIntegrity(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mb, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, pub...))
	did := "did:key:" + mb
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": did, "name": "Clinic (did:key)"}, "keys": []any{}}}})
	v := &verifier.Verifier{Trust: trust.New(), At: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}
	if err := v.Trust.Load("snap.json", snap); err != nil {
		t.Fatal(err)
	}
	doc := func(iss string) map[string]any {
		return map[string]any{"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1", "https://w3id.org/security/data-integrity/v2"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": iss, "validFrom": "2021-04-08T23:41:41Z",
			"credentialSubject": ccgEvent(),
			"proof": map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2021-04-09T00:00:00Z",
				"verificationMethod": iss + "#" + iss[len("did:key:"):], "proofPurpose": "assertionMethod", "proofValue": "z1"}}
	}
	sign := func(m map[string]any, k ed25519.PrivateKey) []byte {
		b, _ := json.Marshal(m)
		_, p, err := vc.ParseDI(b)
		if err != nil {
			t.Fatal(err)
		}
		pv, _ := multibase.Encode(multibase.Base58BTC, ed25519.Sign(k, p.HashData()))
		m["proof"].(map[string]any)["proofValue"] = pv
		b, _ = json.Marshal(m)
		return b
	}
	good := sign(doc(did), priv)
	var edited map[string]any
	json.Unmarshal(good, &edited)
	edited["credentialSubject"].(map[string]any)["batchNumber"] = "999"
	eb, _ := json.Marshal(edited)
	opub, opriv, _ := ed25519.GenerateKey(rand.Reader)
	omb, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, opub...))
	for _, tc := range []struct {
		name   string
		data   []byte
		valid  bool
		reason string
	}{
		{"eddsa-rdfc-2022, did:key in trust", good, true, "ok"},
		{"edited after signing", eb, false, "bad-signature"},
		{"issuer not in trust", sign(doc("did:key:"+omb), opriv), false, "unknown-issuer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := v.Verify([]verifier.Input{{Name: "vc.json", Data: tc.data}})[0]
			if r.Format != "vc-di" || r.Valid != tc.valid || r.Reasons[0] != tc.reason {
				t.Fatalf("%+v", r)
			}
			if tc.valid && (r.Subject.Name != "JOHN SMITH" || len(r.Immunizations) != 1 || r.Immunizations[0].Lot != "1183738569") {
				t.Fatalf("%+v", r)
			}
		})
	}
}

// TestVCJsonWebSignature2020: a credential with a JsonWebSignature2020
// proof (did:key issuer in trust) is read as vc-di; a JWS alg the key's
// type does not fix is bad-header, an edit bad-signature.
func TestVCJsonWebSignature2020(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mb, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, pub...))
	did := "did:key:" + mb
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": did, "name": "Clinic (did:key)"}, "keys": []any{}}}})
	v := &verifier.Verifier{Trust: trust.New(), At: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}
	if err := v.Trust.Load("snap.json", snap); err != nil {
		t.Fatal(err)
	}
	sign := func(alg string, edit func(map[string]any)) []byte {
		m := map[string]any{"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1", "https://w3id.org/security/suites/jws-2020/v1"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": did, "validFrom": "2021-04-08T23:41:41Z",
			"credentialSubject": ccgEvent(),
			"proof": map[string]any{"type": "JsonWebSignature2020", "created": "2021-04-09T00:00:00Z",
				"verificationMethod": did + "#" + mb, "proofPurpose": "assertionMethod"}}
		hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","b64":false,"crit":["b64"]}`))
		m["proof"].(map[string]any)["jws"] = hdr + "..AA"
		b, _ := json.Marshal(m)
		_, p, err := vc.ParseDI(b)
		if err != nil {
			t.Fatal(err)
		}
		m["proof"].(map[string]any)["jws"] = hdr + ".." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, p.HashData()))
		if edit != nil {
			edit(m)
		}
		b, _ = json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		valid  bool
		reason string
	}{
		{"EdDSA, Ed25519 did:key", sign("EdDSA", nil), true, "ok"},
		{"ES256 header on an Ed25519 key", sign("ES256", nil), false, "bad-header"},
		{"edited after signing", sign("EdDSA", func(m map[string]any) { m["credentialSubject"].(map[string]any)["batchNumber"] = "999" }), false, "bad-signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := v.Verify([]verifier.Input{{Name: "vc.json", Data: tc.data}})[0]
			if r.Format != "vc-di" || r.Valid != tc.valid || r.Reasons[0] != tc.reason {
				t.Fatalf("%+v", r)
			}
			if tc.valid && (r.Subject.Name != "JOHN SMITH" || len(r.Immunizations) != 1 || r.Issuer.KID != did+"#"+mb) {
				t.Fatalf("%+v", r)
			}
		})
	}
}

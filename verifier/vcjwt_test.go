package verifier_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/verifier"
)

// ccgEvent is a VaccinationEvent in the W3C CCG vocabulary.
func ccgEvent() map[string]any {
	return map[string]any{"type": "VaccinationEvent", "batchNumber": "1183738569", "administeringCentre": "MoH",
		"countryOfVaccination": "NZ", "dateOfVaccination": "2021-04-01T10:00:00Z", "order": "2",
		"recipient": map[string]any{"type": "VaccineRecipient", "givenName": "JOHN", "familyName": "SMITH", "birthDate": "1958-07-17"},
		"vaccine":   map[string]any{"type": "Vaccine", "disease": "COVID-19", "atcCode": "J07BX03", "medicinalProductName": "COVID-19 Vaccine Moderna"}}
}

func TestVCJWT(t *testing.T) {
	keyK, _ := jose.GenerateKey()
	keyW, _ := jose.GenerateKey()
	other, _ := jose.GenerateKey()
	didKey := keyK.Public().DIDKey()
	const didWeb = "did:web:health.example"
	jwk := map[string]any{}
	json.Unmarshal(keyW.Public().JWK(), &jwk)
	jwk["kid"] = "key-1"
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{
		map[string]any{"issuer": map[string]any{"iss": didKey, "name": "Clinic (did:key)"}, "keys": []any{}},
		map[string]any{"issuer": map[string]any{"iss": didWeb, "name": "Ministry (did:web)"}, "keys": []any{jwk}},
	}})
	v := &verifier.Verifier{Trust: trust.New(), At: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}
	if err := v.Trust.Load("snap.json", snap); err != nil {
		t.Fatal(err)
	}
	v11 := func(iss string, exp int64, status bool) []byte {
		cred := map[string]any{"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "credentialSubject": ccgEvent()}
		if status {
			cred["credentialStatus"] = map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "7", "statusListCredential": "https://health.example/status/1"}
		}
		p := map[string]any{"iss": iss, "nbf": 1617271200, "jti": "urn:uuid:1", "vc": cred}
		if exp != 0 {
			p["exp"] = exp
		}
		b, _ := json.Marshal(p)
		return b
	}
	v20 := func(iss string) []byte {
		b, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2", "https://w3id.org/vaccination/v1"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": iss, "validFrom": "2021-04-01T10:00:00Z",
			"credentialSubject": ccgEvent()})
		return b
	}
	sign := func(k *jose.PrivateKey, h jose.Header, payload []byte) string {
		s, err := k.Sign(h, payload)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good11 := sign(keyK, jose.Header{Typ: "JWT", OmitKid: true}, v11(didKey, 0, false))
	parts := strings.Split(good11, ".")
	tamperedPayload := strings.Replace(string(v11(didKey, 0, false)), "SMITH", "SMYTH", 1)
	tampered := parts[0] + "." + b64(tamperedPayload) + "." + parts[2]
	tests := []struct {
		name, jws, reason string
		valid             bool
	}{
		{"VC-JWT 1.1, did:key", good11, "ok", true},
		{"VC 2.0 vc+jwt, did:web key from trust", sign(keyW, jose.Header{Typ: "vc+jwt", Kid: didWeb + "#key-1"}, v20(didWeb)), "ok", true},
		{"edited after signing", tampered, "bad-signature", false},
		{"did:key issuer not in trust", sign(other, jose.Header{Typ: "JWT", OmitKid: true}, v11(other.Public().DIDKey(), 0, false)), "unknown-issuer", false},
		{"did:key of one issuer, signed by another key", sign(other, jose.Header{Typ: "JWT", OmitKid: true}, v11(didKey, 0, false)), "bad-signature", false},
		{"did:web, unknown kid", sign(keyW, jose.Header{Typ: "vc+jwt", Kid: didWeb + "#key-9"}, v20(didWeb)), "unknown-kid", false},
		{"expired", sign(keyK, jose.Header{Typ: "JWT", OmitKid: true}, v11(didKey, 1619863200, false)), "expired", false},
		{"status not checkable: never silently valid", sign(keyK, jose.Header{Typ: "JWT", OmitKid: true}, v11(didKey, 0, true)), "bad-crl", false},
		{"vc+jwt with a vc claim", sign(keyK, jose.Header{Typ: "vc+jwt", OmitKid: true}, v11(didKey, 0, false)), "bad-payload", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Verify([]verifier.Input{{Name: "vc.txt", Data: []byte(tc.jws)}})
			r := res[0]
			if r.Format != "vc-jwt" || r.Valid != tc.valid || r.Reasons[0] != tc.reason {
				t.Fatalf("%+v", r)
			}
			if tc.valid && (r.Subject.Name != "JOHN SMITH" || r.Subject.BirthDate != "1958-07-17" || len(r.Immunizations) != 1 ||
				r.Immunizations[0].Dose != 2 || r.Immunizations[0].Vaccine.Code != "J07BX03" || r.Immunizations[0].Country != "NZ") {
				t.Fatalf("%+v", r)
			}
		})
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// BenchmarkVCJWT: a VC-JWT 1.1 (did:key issuer in trust) → verdict,
// interleaved with a bare ES256 verify of the same JWS (ratiobench; goal
// ≤ 1.3×).
func BenchmarkVCJWT(b *testing.B) {
	k, _ := jose.GenerateKey()
	did := k.Public().DIDKey()
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": did, "name": "Clinic"}, "keys": []any{}}}})
	v := &verifier.Verifier{Trust: trust.New(), At: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}
	if err := v.Trust.Load("snap.json", snap); err != nil {
		b.Fatal(err)
	}
	p, _ := json.Marshal(map[string]any{"iss": did, "nbf": 1617271200, "vc": map[string]any{
		"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1"},
		"type":     []any{"VerifiableCredential", "VaccinationCertificate"}, "credentialSubject": ccgEvent()}})
	text, err := k.Sign(jose.Header{Typ: "JWT", OmitKid: true}, p)
	if err != nil {
		b.Fatal(err)
	}
	in := []verifier.Input{{Name: "vc.txt", Data: []byte(text)}}
	if r := v.Verify(in)[0]; !r.Valid {
		b.Fatal(r.Reasons, r.Messages)
	}
	j, _ := jose.Parse(text)
	ours := func() error {
		if r := v.Verify(in)[0]; !r.Valid {
			return errors.New("invalid")
		}
		return nil
	}
	bare := func() error { return j.Verify(k.Public()) }
	ratiobench.Run(b, ours, bare)
}

// TestVCJWTStatus: a BitstringStatusListEntry is checked against a W3C
// Bitstring Status List credential given with --status (LoadStatus),
// signed by the credential's issuer.
func TestVCJWTStatus(t *testing.T) {
	k, _ := jose.GenerateKey()
	const iss = "did:web:health.example"
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": iss, "name": "Ministry"},
		"keys": []any{json.RawMessage(k.Public().JWK())}}}})
	at := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	const listURI = "https://health.example/status/1"
	l, err := status.New(1, 131072)
	if err != nil {
		t.Fatal(err)
	}
	l.Set(7, 1)
	listVC, err := l.BitstringCredential(k, listURI, "revocation", iss, at.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cred := func(idx string) []byte {
		p, _ := json.Marshal(map[string]any{"iss": iss, "nbf": 1617271200, "vc": map[string]any{
			"@context": []any{"https://www.w3.org/2018/credentials/v1"}, "type": []any{"VerifiableCredential"}, "credentialSubject": ccgEvent(),
			"credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": idx, "statusListCredential": listURI}}})
		s, _ := k.Sign(jose.Header{Typ: "JWT", Kid: iss + "#" + k.Public().KID()}, p)
		return []byte(s)
	}
	v := &verifier.Verifier{Trust: trust.New(), At: at}
	if err := v.Trust.Load("snap.json", snap); err != nil {
		t.Fatal(err)
	}
	// Without the list: never silently valid.
	if r := v.Verify([]verifier.Input{{Name: "a", Data: cred("3")}})[0]; r.Valid || r.Reasons[0] != "bad-crl" {
		t.Fatalf("no list: %+v", r)
	}
	if err := v.Trust.LoadStatus("list.jwt", []byte(listVC)); err != nil {
		t.Fatal(err)
	}
	if r := v.Verify([]verifier.Input{{Name: "a", Data: cred("3")}})[0]; !r.Valid {
		t.Fatalf("entry 3: %+v", r)
	}
	if r := v.Verify([]verifier.Input{{Name: "a", Data: cred("7")}})[0]; r.Valid || r.Reasons[0] != "revoked" {
		t.Fatalf("entry 7: %+v", r)
	}
}

// FuzzDoseNumber: doseNumber reads what fmt.Sscanf("%d") read.
func FuzzDoseNumber(f *testing.F) {
	for _, s := range []string{"1", " 2", "+3", "-4", "2nd", "1_0", "", "x", "99999999999999999999", "0x10", "٣", "+", "-0", "\t7", "\v1", "\n7", "\r\n7", "\r7", "\u00a07", "\u200b7", "\u2028 7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want int
		fmt.Sscanf(s, "%d", &want)
		if got := verifier.DoseNumber(s); got != want {
			t.Fatalf("doseNumber(%q) = %d, Sscanf %d", s, got, want)
		}
	})
}

// FuzzVCJWTHeader: the in-place reading of a JWS header for format
// detection answers as encoding/json's did.
func FuzzVCJWTHeader(f *testing.F) {
	for _, s := range []string{`{"alg":"ES256"}`, `{"alg":"ES256","zip":"DEF"}`, `{"ALG":"ES256"}`, `{"alg":"ES256","Alg":""}`,
		`{"alg":null}`, `{"alg":"ES256","alg":"x"}`, `{"alg":1}`, `{"zip":"DEF","alg":"RS256","kid":{"a":[1]}}`, `[]`, `{"alg":"\ud800"}`,
		`{"alg":"ES256","zIp":"DEF"}`, ` {"alg" : "x" } `, `{"alg":"x"} x`, `{"alg":"x","zip":null}`, `{"alg":"\u0041"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := verifier.VCJWTHeader(b), verifier.VCJWTHeaderJSON(b); got != want {
			t.Fatalf("%q: %t, encoding/json %t", b, got, want)
		}
	})
}

package verifier_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/multiformats/go-multibase"

	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vc"
	"github.com/immunopass/immunopass/verifier"
)

// The context policies apply unchanged to DIVOC certificates, VC-JWTs and
// Data Integrity VCs (issue 11 item 7): the rules read the person and the
// doses that the report shows (what the signature covers), so the same
// yellow-fever, school-entry and traveller contexts answer for them as for
// an SHC or an EU DCC.

func shipped(t *testing.T, name string) *policy.Context {
	t.Helper()
	s, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantPolicy checks a result's context verdict: the outcome and, for one
// that does not meet, that some failing rule's id starts with rulePrefix.
func wantPolicy(t *testing.T, what string, r verifier.Result, want policy.Outcome, rulePrefix string) {
	t.Helper()
	if !r.Valid {
		t.Fatalf("%s: the credential itself is not valid: %v %v", what, r.Reasons, r.Messages)
	}
	if r.Policy == nil {
		t.Fatalf("%s: no context verdict", what)
	}
	if r.Policy.Result != want {
		t.Fatalf("%s: %s (%+v), want %s", what, r.Policy.Result, r.Policy.Failed(), want)
	}
	if rulePrefix == "" || want != policy.Fails {
		return
	}
	for _, f := range r.Policy.Failed() {
		if strings.HasPrefix(f.ID, rulePrefix) && f.Description != "" {
			return
		}
	}
	t.Fatalf("%s: no failing rule %s… with a description among %+v", what, rulePrefix, r.Policy.Failed())
}

func TestContextDIVOC(t *testing.T) {
	v, rk, ek := divocWorld(t)
	sign := func(m map[string]any, key any, vm string) []byte {
		t.Helper()
		var s map[string]any
		var err error
		switch k := key.(type) {
		case ed25519.PrivateKey:
			s, err = divoctest.Sign(m, k, vm, "")
		default:
			s, err = divoctest.Sign(m, rk, vm, "")
		}
		if err != nil {
			t.Fatal(err)
		}
		return divoctest.Payload(s)
	}
	covid := sign(divoctest.Certificate(), rk, "did:india")
	// The same certificate shape for a yellow fever vaccination (ICD-11
	// XM3418), given on 2021-07-30.
	yfDoc := divoctest.Certificate()
	ev := yfDoc["evidence"].([]any)[0].(map[string]any)
	ev["icd11Code"], ev["vaccine"], ev["dose"], ev["totalDoses"] = "XM3418", "STAMARIL", "1", 1
	yf := sign(yfDoc, ek, "did:india:ed")

	// yellow-fever: valid from the 10th day after the vaccination.
	v.Context = shipped(t, "yellow-fever")
	for _, tc := range []struct {
		at   time.Time
		want policy.Outcome
	}{
		{time.Date(2021, 8, 8, 23, 0, 0, 0, time.UTC), policy.Fails}, // 9 days after
		{time.Date(2021, 8, 9, 0, 0, 0, 0, time.UTC), policy.Meets},
	} {
		v.At = tc.at
		r := v.Verify([]verifier.Input{{Name: "yf.zip", Data: yf}})[0]
		if r.Format != "divoc" {
			t.Fatalf("format %q", r.Format)
		}
		wantPolicy(t, "DIVOC yellow fever at "+tc.at.Format(time.RFC3339), r, tc.want, "YF-")
	}
	// A COVID-19 certificate does not answer the yellow fever question.
	r := v.Verify([]verifier.Input{{Name: "covid.zip", Data: covid}})[0]
	wantPolicy(t, "DIVOC COVID-19 at a yellow fever check", r, policy.Fails, "YF-")

	// traveller-eu reads the EU DCC shape of the view: Covishield is not
	// authorised in the EU, so the EU rule on the product is the one not
	// met.
	v.Context, v.At = shipped(t, "traveller-eu"), time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC)
	r = v.Verify([]verifier.Input{{Name: "covid.zip", Data: covid}})[0]
	wantPolicy(t, "DIVOC Covishield at traveller-eu", r, policy.Fails, "TR-EU-0002")
	// DIVOC states the series size (totalDoses): the series rules read it
	// (dose 2 of 2: complete), rather than answer "cannot tell".
	for _, rv := range r.Policy.Rules {
		if rv.ID == "TR-EU-0003" && rv.Result != "pass" {
			t.Errorf("DIVOC dose 2 of 2 at the EU series rule: %s, want pass", rv.Result)
		}
	}

	// An invalid certificate: "cannot tell", whatever it says.
	var m map[string]any
	json.Unmarshal(mustUnzip(t, yf), &m)
	m["credentialSubject"].(map[string]any)["name"] = "Someone Else"
	b, _ := json.Marshal(m)
	v.Context, v.At = shipped(t, "yellow-fever"), time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC)
	r = v.Verify([]verifier.Input{{Name: "edited.json", Data: b}})[0]
	if r.Valid || r.Policy == nil || r.Policy.Result != policy.CannotTell {
		t.Fatalf("edited DIVOC: %v %+v", r.Reasons, r.Policy)
	}
}

func mustUnzip(t *testing.T, payload []byte) []byte {
	t.Helper()
	b, err := divoc.Unpack(payload)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ccgYellowFever is a VaccinationEvent for a yellow fever vaccination (ATC
// J07BL01) on 2021-04-01 of a person born 2016-04-12.
func ccgYellowFever() map[string]any {
	e := ccgEvent()
	e["dateOfVaccination"], e["order"] = "2021-04-01T10:00:00Z", "1"
	e["recipient"].(map[string]any)["birthDate"] = "2016-04-12"
	e["vaccine"] = map[string]any{"type": "Vaccine", "disease": "Yellow fever", "atcCode": "J07BL01", "medicinalProductName": "Stamaril"}
	return e
}

func TestContextVCJWT(t *testing.T) {
	key, _ := jose.GenerateKey()
	did := key.Public().DIDKey()
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{
		map[string]any{"issuer": map[string]any{"iss": did, "name": "Clinic (did:key)"}, "keys": []any{}}}})
	st := trust.New()
	if err := st.Load("snap.json", snap); err != nil {
		t.Fatal(err)
	}
	payload := func(subject map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2", "https://w3id.org/vaccination/v1"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": did, "validFrom": "2021-04-01T10:00:00Z",
			"credentialSubject": subject})
		return b
	}
	sign := func(p []byte) []byte {
		s, err := key.Sign(jose.Header{Typ: "vc+jwt", OmitKid: true}, p)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(s)
	}
	yf, covid := sign(payload(ccgYellowFever())), sign(payload(ccgEvent()))
	v := &verifier.Verifier{Trust: st, Context: shipped(t, "yellow-fever")}
	for _, tc := range []struct {
		name string
		jwt  []byte
		at   time.Time
		want policy.Outcome
	}{
		{"yellow fever, 9 days after", yf, time.Date(2021, 4, 10, 23, 0, 0, 0, time.UTC), policy.Fails},
		{"yellow fever, 10th day", yf, time.Date(2021, 4, 11, 0, 0, 0, 0, time.UTC), policy.Meets},
		{"COVID-19 only", covid, time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), policy.Fails},
	} {
		v.At = tc.at
		r := v.Verify([]verifier.Input{{Name: "vc.jwt", Data: tc.jwt}})[0]
		if r.Format != "vc-jwt" {
			t.Fatalf("%s: format %q", tc.name, r.Format)
		}
		wantPolicy(t, "VC-JWT "+tc.name, r, tc.want, "YF-")
	}
}

func TestContextVCDI(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mb, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x01}, pub...))
	did := "did:key:" + mb
	snap, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": did, "name": "Clinic (did:key)"}, "keys": []any{}}}})
	st := trust.New()
	if err := st.Load("snap.json", snap); err != nil {
		t.Fatal(err)
	}
	signed := func(subject map[string]any) []byte {
		m := map[string]any{"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vaccination/v1", "https://w3id.org/security/data-integrity/v2"},
			"type": []any{"VerifiableCredential", "VaccinationCertificate"}, "issuer": did, "validFrom": "2021-04-01T10:00:00Z",
			"credentialSubject": subject,
			"proof": map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2021-04-09T00:00:00Z",
				"verificationMethod": did + "#" + mb, "proofPurpose": "assertionMethod", "proofValue": "z1"}}
		b, _ := json.Marshal(m)
		_, p, err := vc.ParseDI(b)
		if err != nil {
			t.Fatal(err)
		}
		pv, _ := multibase.Encode(multibase.Base58BTC, ed25519.Sign(priv, p.HashData()))
		m["proof"].(map[string]any)["proofValue"] = pv
		b, _ = json.Marshal(m)
		return b
	}
	yf := signed(ccgYellowFever())
	v := &verifier.Verifier{Trust: st, Context: shipped(t, "yellow-fever")}
	for _, tc := range []struct {
		at   time.Time
		want policy.Outcome
	}{
		{time.Date(2021, 4, 10, 23, 0, 0, 0, time.UTC), policy.Fails},
		{time.Date(2021, 4, 11, 0, 0, 0, 0, time.UTC), policy.Meets},
	} {
		v.At = tc.at
		r := v.Verify([]verifier.Input{{Name: "vc.json", Data: yf}})[0]
		if r.Format != "vc-di" {
			t.Fatalf("format %q", r.Format)
		}
		wantPolicy(t, "vc-di yellow fever at "+tc.at.Format(time.RFC3339), r, tc.want, "YF-")
	}
	// School entry in the UAE: a five-year-old with one yellow fever dose
	// does not meet it, and the rules not met name the school vaccines.
	v.Context, v.At = shipped(t, "school-entry-ae"), time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC)
	r := v.Verify([]verifier.Input{{Name: "vc.json", Data: yf}})[0]
	wantPolicy(t, "vc-di at school-entry-ae", r, policy.Fails, "")
	measles := false
	for _, f := range r.Policy.Failed() {
		if strings.Contains(strings.ToLower(f.Description), "measles") {
			measles = true
		}
	}
	if !measles {
		t.Fatalf("school-entry-ae: no failing rule about measles among %+v", r.Policy.Failed())
	}
}

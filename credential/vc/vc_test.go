package vc

import (
	"errors"
	"strings"
	"testing"
)

const v11 = `{"iss":"did:key:z1","nbf":1617271200,"vc":{"type":["VerifiableCredential","VaccinationCertificate"],"credentialSubject":{"type":"VaccinationEvent","order":"1","dateOfVaccination":"2021-04-01","recipient":{"givenName":"A","familyName":"B"},"vaccine":{"atcCode":"J07BX03"}}}}`

func TestParseJWT(t *testing.T) {
	c, err := ParseJWT("JWT", []byte(v11))
	if err != nil || c.Form != FormJWT11 || c.Recipient.Name() != "A B" || len(c.Events) != 1 || c.Events[0].ATC != "J07BX03" {
		t.Fatalf("%+v %v", c, err)
	}
	for name, tc := range map[string]struct{ typ, payload, want string }{
		"no vc claim":          {"JWT", `{"iss":"did:x"}`, `no "vc" claim`},
		"iss not a DID":        {"JWT", strings.Replace(v11, "did:key:z1", "https://x", 1), "not a DID"},
		"iss and issuer":       {"JWT", strings.Replace(v11, `"vc":{`, `"vc":{"issuer":"did:other",`, 1), "differ"},
		"nbf a string":         {"JWT", strings.Replace(v11, "1617271200", `"1617271200"`, 1), "NumericDate"},
		"not a vaccination":    {"JWT", strings.Replace(v11, "VaccinationEvent", "Person", 1), "not a VaccinationEvent"},
		"no recipient name":    {"JWT", strings.Replace(strings.Replace(v11, `"givenName":"A",`, "", 1), `"familyName":"B"`, "", 1), "no recipient name"},
		"duplicate member":     {"JWT", `{"iss":"did:a","iss":"did:b"}`, "duplicate"},
		"vc+jwt with vc claim": {"vc+jwt", v11, "VC 2.0 payload is the credential itself"},
		"bad validFrom":        {"vc+jwt", `{"issuer":"did:x","validFrom":"yesterday"}`, "RFC 3339"},
		"empty subject array":  {"JWT", `{"iss":"did:x","vc":{"type":"VerifiableCredential","credentialSubject":[]}}`, "empty array"},
		"bad status index":     {"JWT", strings.Replace(v11, `"vc":{`, `"vc":{"credentialStatus":{"type":"BitstringStatusListEntry","statusListIndex":"x"},`, 1), "statusListIndex"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseJWT(tc.typ, []byte(tc.payload))
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParseJWT(f *testing.F) {
	f.Add("JWT", []byte(v11))
	f.Add("vc+jwt", []byte(`{"issuer":{"id":"did:web:x"},"type":"VerifiableCredential","validFrom":"2021-01-01T00:00:00Z","credentialSubject":[{"type":"VaccinationEvent"}]}`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		c, err := ParseJWT(typ, data)
		if err == nil && (!strings.HasPrefix(c.Issuer, "did:") || len(c.Events) == 0 || c.Recipient.Name() == "") {
			t.Fatalf("accepted %+v", c)
		}
	})
}

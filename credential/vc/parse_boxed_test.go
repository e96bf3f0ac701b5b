package vc

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// parseJWTBoxed is ParseJWT as it read the payload before, through boxed
// maps: FuzzParseJWTMatchesBoxed holds the reading over the parsed
// document to it.
func parseJWTBoxed(typ string, payload []byte) (*Credential, error) {
	obj, err := strictjson.ParseObject(payload, 32)
	if err != nil {
		return nil, &FormatError{Problem: err.Error()}
	}
	m, _ := strictjson.Plain(obj).(map[string]any)
	c := &Credential{}
	var v map[string]any
	switch typ {
	case "vc+jwt", "vc+ld+jwt":
		c.Form, v = FormJOSE2, m
		if _, ok := m["vc"]; ok {
			return nil, &FormatError{Problem: `typ vc+jwt with a "vc" claim: a VC 2.0 payload is the credential itself`}
		}
		if c.NotBefore, err = rfc3339(v["validFrom"], "validFrom"); err != nil {
			return nil, err
		}
		if c.Expires, err = rfc3339(v["validUntil"], "validUntil"); err != nil {
			return nil, err
		}
		c.Issuer = issuerID(v["issuer"])
	default:
		c.Form = FormJWT11
		var ok bool
		if v, ok = m["vc"].(map[string]any); !ok {
			return nil, &FormatError{Problem: `no "vc" claim (a VC-JWT 1.1 carries the credential there; VC 2.0 needs typ vc+jwt)`}
		}
		c.Issuer, _ = m["iss"].(string)
		if id := issuerID(v["issuer"]); id != "" && id != c.Issuer {
			return nil, &FormatError{Problem: fmt.Sprintf("iss %q and vc.issuer %q differ", c.Issuer, id)}
		}
		if c.NotBefore, err = numericDate(m["nbf"], "nbf"); err != nil {
			return nil, err
		}
		if c.Expires, err = numericDate(m["exp"], "exp"); err != nil {
			return nil, err
		}
	}
	if !strings.HasPrefix(c.Issuer, "did:") {
		return nil, &FormatError{Problem: fmt.Sprintf("issuer %q is not a DID", c.Issuer)}
	}
	if !hasType(v["type"], "VerifiableCredential") {
		return nil, &FormatError{Problem: "type does not include VerifiableCredential"}
	}
	if st, ok := v["credentialStatus"].(map[string]any); ok {
		s := &Status{}
		s.Type, _ = st["type"].(string)
		s.Purpose, _ = st["statusPurpose"].(string)
		s.ListCredential, _ = st["statusListCredential"].(string)
		switch x := st["statusListIndex"].(type) {
		case string:
			s.Index, err = strconv.Atoi(x)
		case json.Number:
			var n int64
			n, err = x.Int64()
			s.Index = int(n)
		default:
			err = fmt.Errorf("no statusListIndex")
		}
		if err != nil || s.Index < 0 {
			return nil, &FormatError{Problem: "credentialStatus.statusListIndex is not a non-negative integer"}
		}
		c.Status = s
	}
	subjects, ok := v["credentialSubject"].([]any)
	if !ok {
		subjects = []any{v["credentialSubject"]}
	} else if len(subjects) == 0 {
		return nil, &FormatError{Problem: "credentialSubject is an empty array: no vaccination event, no person"}
	}
	for i, s := range subjects {
		ev, ok := s.(map[string]any)
		if !ok || !hasType(ev["type"], "VaccinationEvent") {
			return nil, &FormatError{Problem: fmt.Sprintf("credentialSubject[%d] is not a VaccinationEvent", i)}
		}
		r, _ := ev["recipient"].(map[string]any)
		rec := Recipient{GivenName: str(r["givenName"]), FamilyName: str(r["familyName"]), BirthDate: str(r["birthDate"]), Gender: str(r["gender"])}
		if rec.Name() == "" {
			return nil, &FormatError{Problem: fmt.Sprintf("credentialSubject[%d] has no recipient name", i)}
		}
		if i == 0 {
			c.Recipient = rec
		} else if rec != c.Recipient {
			return nil, &FormatError{Problem: "the events name different recipients"}
		}
		vac, _ := ev["vaccine"].(map[string]any)
		e := Event{Date: str(ev["dateOfVaccination"]), Dose: str(ev["order"]), Batch: str(ev["batchNumber"]),
			Centre: str(ev["administeringCentre"]), Country: str(ev["countryOfVaccination"]),
			Product: str(vac["medicinalProductName"]), ATC: str(vac["atcCode"]), Disease: str(vac["disease"]), Holder: str(vac["marketingAuthorizationHolder"])}
		if e.Date == "" || (e.Product == "" && e.ATC == "") {
			return nil, &FormatError{Problem: fmt.Sprintf("credentialSubject[%d] has no dateOfVaccination or no vaccine", i)}
		}
		c.Events = append(c.Events, e)
	}
	return c, nil
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case json.Number:
		return t.String()
	}
	return ""
}

func issuerID(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		s, _ := t["id"].(string)
		return s
	}
	return ""
}

func hasType(v any, want string) bool {
	switch t := v.(type) {
	case string:
		return t == want
	case []any:
		for _, x := range t {
			if x == want {
				return true
			}
		}
	}
	return false
}

// FuzzParseJWTMatchesBoxed: ParseJWT gives what the boxed reading gave,
// credential or error message.
func FuzzParseJWTMatchesBoxed(f *testing.F) {
	f.Add("JWT", []byte(v11))
	f.Add("vc+jwt", []byte(`{"issuer":{"id":"did:web:x"},"type":"VerifiableCredential","validFrom":"2021-01-01T00:00:00Z","credentialSubject":[{"type":"VaccinationEvent"}]}`))
	f.Add("JWT", []byte(strings.Replace(v11, `"vc":{`, `"vc":{"credentialStatus":{"type":"BitstringStatusListEntry","statusListIndex":7,"statusPurpose":"revocation","statusListCredential":"https://x"},`, 1)))
	f.Add("vc+jwt", []byte(`{"issuer":"did:x","validFrom":{"a":1},"validUntil":null}`))
	f.Add("JWT", []byte(`[1]`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		a, errA := ParseJWT(typ, data)
		b, errB := parseJWTBoxed(typ, data)
		if fmt.Sprint(errA) != fmt.Sprint(errB) {
			t.Fatalf("errors differ: %v / boxed %v", errA, errB)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("credentials differ: %+v / boxed %+v", a, b)
		}
	})
}

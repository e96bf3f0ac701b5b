// Package vc reads W3C Verifiable Credentials secured with JOSE: VC-JWT 1.1
// (the credential in the "vc" claim) and VC 2.0 secured with JOSE
// (typ "vc+jwt", the payload is the credential), holding vaccinations in
// the W3C CCG vocabulary (https://w3id.org/vaccination/v1:
// VaccinationCertificate, VaccinationEvent).
//
// # What is checked here
//
// Structure only: the JWT payload's form, the issuer, the validity times
// and the vaccination fields. The signature, the issuer's trust and the
// status are the verifier's (package verifier), because they need trust.
// A JWT payload is signed whole, so every field read here is signed.
package vc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// Forms of a JOSE-secured credential.
const (
	FormJWT11 = "vc-jwt-1.1"
	FormJOSE2 = "vc-2.0-jose"
)

// FormatError reports a payload that is not a vaccination credential.
type FormatError struct{ Problem string }

func (e *FormatError) Error() string { return "verifiable credential: " + e.Problem }

// Credential is a parsed vaccination credential.
type Credential struct {
	Form      string
	Issuer    string // a DID
	NotBefore time.Time
	Expires   time.Time // zero: no expiry
	Recipient Recipient
	Events    []Event
	// Status is the credentialStatus entry, if any (its type and the
	// status list credential it names).
	Status *Status
	doc    map[string]any // a Data Integrity credential's document, for the coverage check
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// Status is a BitstringStatusListEntry (or an older StatusList2021Entry).
type Status struct {
	Type, Purpose, ListCredential string
	Index                         int
}

// Recipient is the vaccinated person.
type Recipient struct {
	GivenName, FamilyName, BirthDate, Gender string
}

// Name is the recipient's name as shown.
func (r Recipient) Name() string { return strings.TrimSpace(r.GivenName + " " + r.FamilyName) }

// Event is one VaccinationEvent.
type Event struct {
	Date, Dose, Batch, Centre, Country string
	Product, ATC, Disease, Holder      string
}

// ParseJWT reads the payload of a JOSE-secured credential; typ is the JWS
// header's typ ("vc+jwt" selects VC 2.0).
func ParseJWT(typ string, payload []byte) (*Credential, error) {
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

func rfc3339(v any, name string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	s, ok := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if !ok || err != nil {
		return time.Time{}, &FormatError{Problem: fmt.Sprintf("%s %v is not an RFC 3339 date-time", name, v)}
	}
	return t, nil
}

func numericDate(v any, name string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, &FormatError{Problem: fmt.Sprintf("%s is not a NumericDate", name)}
	}
	i, err := n.Int64()
	if err != nil {
		return time.Time{}, &FormatError{Problem: fmt.Sprintf("%s %s is not an integer NumericDate", name, n)}
	}
	return time.Unix(i, 0).UTC(), nil
}

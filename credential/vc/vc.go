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
	// Read over the parsed document in place (strictjson.Value): boxing the
	// payload into maps first was a third of a VC-JWT verdict's cost past
	// the signature. parseJWTBoxed in the tests is the former reading,
	// held to this one by FuzzParseJWTMatchesBoxed.
	m, err := strictjson.ParseDoc(payload, 32)
	if err != nil {
		return nil, &FormatError{Problem: err.Error()}
	}
	if m.Kind() != strictjson.ObjectKind {
		return nil, &FormatError{Problem: (&strictjson.Error{Problem: "not a JSON object"}).Error()}
	}
	c := &Credential{}
	var v strictjson.Value
	switch typ {
	case "vc+jwt", "vc+ld+jwt":
		c.Form, v = FormJOSE2, m
		if m.Get("vc").Exists() {
			return nil, &FormatError{Problem: `typ vc+jwt with a "vc" claim: a VC 2.0 payload is the credential itself`}
		}
		if c.NotBefore, err = rfc3339(boxScalar(v.Get("validFrom")), "validFrom"); err != nil {
			return nil, err
		}
		if c.Expires, err = rfc3339(boxScalar(v.Get("validUntil")), "validUntil"); err != nil {
			return nil, err
		}
		c.Issuer = issuerIDDoc(v.Get("issuer"))
	default:
		c.Form = FormJWT11
		if v = m.Get("vc"); v.Kind() != strictjson.ObjectKind {
			return nil, &FormatError{Problem: `no "vc" claim (a VC-JWT 1.1 carries the credential there; VC 2.0 needs typ vc+jwt)`}
		}
		c.Issuer, _ = m.Get("iss").Str()
		if id := issuerIDDoc(v.Get("issuer")); id != "" && id != c.Issuer {
			return nil, &FormatError{Problem: fmt.Sprintf("iss %q and vc.issuer %q differ", c.Issuer, id)}
		}
		if c.NotBefore, err = numericDate(boxScalar(m.Get("nbf")), "nbf"); err != nil {
			return nil, err
		}
		if c.Expires, err = numericDate(boxScalar(m.Get("exp")), "exp"); err != nil {
			return nil, err
		}
	}
	if !strings.HasPrefix(c.Issuer, "did:") {
		return nil, &FormatError{Problem: fmt.Sprintf("issuer %q is not a DID", c.Issuer)}
	}
	if !hasTypeDoc(v.Get("type"), "VerifiableCredential") {
		return nil, &FormatError{Problem: "type does not include VerifiableCredential"}
	}
	if st := v.Get("credentialStatus"); st.Kind() == strictjson.ObjectKind {
		s := &Status{}
		s.Type, _ = st.Get("type").Str()
		s.Purpose, _ = st.Get("statusPurpose").Str()
		s.ListCredential, _ = st.Get("statusListCredential").Str()
		switch x := st.Get("statusListIndex"); x.Kind() {
		case strictjson.String:
			t, _ := x.Str()
			s.Index, err = strconv.Atoi(t)
		case strictjson.Number:
			n, _ := x.Num()
			var i int64
			i, err = n.Int64()
			s.Index = int(i)
		default:
			err = fmt.Errorf("no statusListIndex")
		}
		if err != nil || s.Index < 0 {
			return nil, &FormatError{Problem: "credentialStatus.statusListIndex is not a non-negative integer"}
		}
		c.Status = s
	}
	subjects := v.Get("credentialSubject")
	one := subjects.Kind() != strictjson.Array
	if !one && subjects.Len() == 0 {
		return nil, &FormatError{Problem: "credentialSubject is an empty array: no vaccination event, no person"}
	}
	next := subjects.First()
	for i := 0; ; i++ {
		var ev strictjson.Value
		if one {
			if i > 0 {
				break
			}
			ev = subjects
		} else {
			if !next.Exists() {
				break
			}
			ev, next = next, next.Next()
		}
		if ev.Kind() != strictjson.ObjectKind || !hasTypeDoc(ev.Get("type"), "VaccinationEvent") {
			return nil, &FormatError{Problem: fmt.Sprintf("credentialSubject[%d] is not a VaccinationEvent", i)}
		}
		r := ev.Get("recipient")
		if r.Kind() != strictjson.ObjectKind {
			r = strictjson.Value{}
		}
		rec := Recipient{GivenName: strDoc(r.Get("givenName")), FamilyName: strDoc(r.Get("familyName")), BirthDate: strDoc(r.Get("birthDate")), Gender: strDoc(r.Get("gender"))}
		if rec.Name() == "" {
			return nil, &FormatError{Problem: fmt.Sprintf("credentialSubject[%d] has no recipient name", i)}
		}
		if i == 0 {
			c.Recipient = rec
		} else if rec != c.Recipient {
			return nil, &FormatError{Problem: "the events name different recipients"}
		}
		vac := ev.Get("vaccine")
		if vac.Kind() != strictjson.ObjectKind {
			vac = strictjson.Value{}
		}
		e := Event{Date: strDoc(ev.Get("dateOfVaccination")), Dose: strDoc(ev.Get("order")), Batch: strDoc(ev.Get("batchNumber")),
			Centre: strDoc(ev.Get("administeringCentre")), Country: strDoc(ev.Get("countryOfVaccination")),
			Product: strDoc(vac.Get("medicinalProductName")), ATC: strDoc(vac.Get("atcCode")), Disease: strDoc(vac.Get("disease")), Holder: strDoc(vac.Get("marketingAuthorizationHolder"))}
		if e.Date == "" || (e.Product == "" && e.ATC == "") {
			return nil, &FormatError{Problem: fmt.Sprintf("credentialSubject[%d] has no dateOfVaccination or no vaccine", i)}
		}
		c.Events = append(c.Events, e)
	}
	return c, nil
}

// boxScalar is v as the boxed reading had it: nil when absent or null, a
// string or json.Number as such, anything else boxed (only for messages).
func boxScalar(v strictjson.Value) any {
	switch v.Kind() {
	case strictjson.Absent, strictjson.Null:
		return nil
	case strictjson.String:
		s, _ := v.Str()
		return s
	case strictjson.Number:
		n, _ := v.Num()
		return n
	}
	return strictjson.Plain(v.Any())
}

func strDoc(v strictjson.Value) string {
	switch v.Kind() {
	case strictjson.String:
		s, _ := v.Str()
		return strings.TrimSpace(s)
	case strictjson.Number:
		n, _ := v.Num()
		return n.String()
	}
	return ""
}

func issuerIDDoc(v strictjson.Value) string {
	switch v.Kind() {
	case strictjson.String:
		s, _ := v.Str()
		return s
	case strictjson.ObjectKind:
		s, _ := v.Get("id").Str()
		return s
	}
	return ""
}

func hasTypeDoc(v strictjson.Value, want string) bool {
	switch v.Kind() {
	case strictjson.String:
		s, _ := v.Str()
		return s == want
	case strictjson.Array:
		for x := v.First(); x.Exists(); x = x.Next() {
			if s, ok := x.Str(); ok && s == want {
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

package service

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// The SMART Health Cards $health-cards-issue operation
// (POST [base]/Patient/[id]/$health-cards-issue, SMART Health Cards and
// Links IG 1.0.0, OperationDefinition patient-i-health-cards-issue): a
// FHIR Parameters body asks for the patient's cards by resource type, value
// set, identity claims and date; the answer is a Parameters resource with
// one verifiableCredential per card. Here the patient id is the clinic's
// patient id of the ledger, and the cards are those the clinic issued and
// has not revoked or suspended.

// MaxParametersSize bounds a $health-cards-issue request body.
const MaxParametersSize = 16 << 10

// HealthCardsRequest is a parsed $health-cards-issue request.
type HealthCardsRequest struct {
	// CredentialTypes are FHIR resource types every card must hold (AND);
	// the initial release's "https://smarthealth.cards#immunization" is
	// read as "Immunization", "#laboratory" as "Observation".
	CredentialTypes []string
	// ValueSets every card's Immunization.vaccineCode must draw from (AND).
	ValueSets []string
	// IdentityClaims, if any, are the identity claims the wallet accepts
	// ("Patient.name", "Patient.birthDate").
	IdentityClaims []string
	// Since, if set: only cards issued at or after it.
	Since time.Time
}

// Value sets this issuer can evaluate: "any vaccine code of this code
// system" (terminology.smarthealth.cards). A value set it cannot evaluate is
// refused rather than ignored, so that a wallet never gets cards it did not
// ask for.
var healthCardsValueSets = map[string]string{
	"https://terminology.smarthealth.cards/ValueSet/immunization-all-cvx":    vax.SystemCVX,
	"https://terminology.smarthealth.cards/ValueSet/immunization-all-snomed": vax.SystemSNOMED,
	"https://terminology.smarthealth.cards/ValueSet/immunization-all-icd11":  vax.SystemICD11,
}

// HealthCardsValueSets lists the value sets a request may name.
func HealthCardsValueSets() []string {
	out := make([]string, 0, len(healthCardsValueSets))
	for k := range healthCardsValueSets {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// identityClaims are the identity claims of every card this issuer signs:
// a verifier matches the card to an identity document by both.
var identityClaims = []string{"Patient.name", "Patient.birthDate"}

var legacyTypes = map[string]string{
	"https://smarthealth.cards#immunization": "Immunization",
	"https://smarthealth.cards#laboratory":   "Observation",
}

// ParseHealthCardsRequest reads a $health-cards-issue Parameters body.
// Every problem is an *InputError whose Field is a FHIRPath into the body
// ("Parameters.parameter[2].valueUri").
func ParseHealthCardsRequest(body []byte) (*HealthCardsRequest, error) {
	if len(body) > MaxParametersSize {
		return nil, &InputError{Problem: fmt.Sprintf("body of %d bytes is larger than %d", len(body), MaxParametersSize)}
	}
	root, err := strictjson.ParseDoc(body, 16)
	if err != nil {
		return nil, &InputError{Problem: "not a JSON object: " + err.Error()}
	}
	if root.Kind() != strictjson.ObjectKind {
		return nil, &InputError{Problem: "want a FHIR Parameters resource (a JSON object)"}
	}
	if rt, _ := root.Get("resourceType").Str(); rt != "Parameters" {
		return nil, &InputError{Field: "resourceType", Problem: fmt.Sprintf("want \"Parameters\", got %s", orAbsent(root.Get("resourceType")))}
	}
	for name := range root.Members() {
		switch name {
		case "resourceType", "parameter", "id", "meta":
		default:
			return nil, &InputError{Field: "Parameters." + name, Problem: "unknown member of a Parameters resource"}
		}
	}
	req := &HealthCardsRequest{}
	params := root.Get("parameter")
	if params.Exists() && params.Kind() != strictjson.Array {
		return nil, &InputError{Field: "Parameters.parameter", Problem: "want an array"}
	}
	sinceSeen := false
	for i, p := range params.Items() {
		at := fmt.Sprintf("Parameters.parameter[%d]", i)
		if p.Kind() != strictjson.ObjectKind {
			return nil, &InputError{Field: at, Problem: "want an object with name and a value"}
		}
		name, ok := p.Get("name").Str()
		if !ok {
			return nil, &InputError{Field: at + ".name", Problem: "missing (want a string)"}
		}
		var valueKey string
		for k := range p.Members() {
			switch {
			case k == "name":
			case strings.HasPrefix(k, "value") && len(k) > 5:
				if valueKey != "" {
					return nil, &InputError{Field: at + "." + k, Problem: "a parameter has one value[x]"}
				}
				valueKey = k
			default:
				return nil, &InputError{Field: at + "." + k, Problem: "unknown member of a parameter"}
			}
		}
		want := map[string]string{"credentialType": "valueUri", "credentialValueSet": "valueUri", "includeIdentityClaim": "valueString", "_since": "valueDateTime"}[name]
		if want == "" {
			return nil, &InputError{Field: at + ".name", Problem: fmt.Sprintf("%q: unknown parameter (want credentialType, credentialValueSet, includeIdentityClaim or _since)", name)}
		}
		if valueKey != want {
			got := "none"
			if valueKey != "" {
				got = valueKey
			}
			return nil, &InputError{Field: at + "." + want, Problem: fmt.Sprintf("%s takes %s, got %s", name, want, got)}
		}
		v, ok := p.Get(want).Str()
		if !ok || strings.TrimSpace(v) == "" || len(v) > 512 {
			return nil, &InputError{Field: at + "." + want, Problem: "want a non-empty string of at most 512 characters"}
		}
		switch name {
		case "credentialType":
			if t, ok := legacyTypes[v]; ok {
				v = t
			}
			if !isResourceType(v) {
				return nil, &InputError{Field: at + ".valueUri", Problem: fmt.Sprintf("%q: want a FHIR resource type such as \"Immunization\"", v)}
			}
			req.CredentialTypes = append(req.CredentialTypes, v)
		case "credentialValueSet":
			if _, ok := healthCardsValueSets[v]; !ok {
				return nil, &InputError{Field: at + ".valueUri", Problem: fmt.Sprintf("%q: value set not supported by this issuer (supported: %s)", v, strings.Join(HealthCardsValueSets(), ", "))}
			}
			req.ValueSets = append(req.ValueSets, v)
		case "includeIdentityClaim":
			if !strings.HasPrefix(v, "Patient.") {
				return nil, &InputError{Field: at + ".valueString", Problem: fmt.Sprintf("%q: want a Patient element such as \"Patient.name\"", v)}
			}
			req.IdentityClaims = append(req.IdentityClaims, v)
		case "_since":
			if sinceSeen {
				return nil, &InputError{Field: at, Problem: "_since given twice (0..1)"}
			}
			sinceSeen = true
			t, err := parseFHIRDateTime(v)
			if err != nil {
				return nil, &InputError{Field: at + ".valueDateTime", Problem: fmt.Sprintf("%q: %v", v, err)}
			}
			req.Since = t
		}
	}
	if len(req.CredentialTypes) == 0 {
		return nil, &InputError{Field: "Parameters.parameter", Problem: "credentialType is required (1..*), e.g. {\"name\":\"credentialType\",\"valueUri\":\"Immunization\"}"}
	}
	if len(req.IdentityClaims) > 0 {
		for _, c := range identityClaims {
			if !slices.Contains(req.IdentityClaims, c) {
				return nil, &InputError{Field: "Parameters.parameter", Problem: fmt.Sprintf("includeIdentityClaim leaves out %s, which every card of this issuer holds (%s): a verifier matches the card to an identity document by them; include both, or leave includeIdentityClaim out",
					c, strings.Join(identityClaims, " and "))}
			}
		}
	}
	return req, nil
}

func orAbsent(v strictjson.Value) string {
	if !v.Exists() {
		return "nothing"
	}
	return v.Raw()
}

func isResourceType(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// parseFHIRDateTime reads a FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD (taken
// as the start of that period in UTC) or a time with seconds and a zone.
func parseFHIRDateTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if len(s) == len(layout) {
			t, err := time.Parse(layout, s)
			if err != nil {
				return time.Time{}, fmt.Errorf("want a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)")
			}
			return t, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)")
	}
	return t, nil
}

// HealthCards answers $health-cards-issue for a clinic patient id: the
// valid cards of its ledger entries that match the request, newest first.
// A patient id with no ledger entry at all is ErrNotFound.
func (s *Service) HealthCards(patientID string, req *HealthCardsRequest) ([]string, error) {
	if patientID == "" {
		return nil, &InputError{Field: "id", Problem: "missing patient id"}
	}
	if err := checkPatientID(patientID); err != nil {
		return nil, &InputError{Field: "id", Problem: err.(*InputError).Problem}
	}
	entries, err := s.Find(Filter{PatientID: patientID})
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("patient %q: no credential was issued for this clinic patient id: %w", patientID, ErrNotFound)
	}
	out := []string{}
	for _, e := range entries {
		if e.Status != StatusValid || !req.Since.IsZero() && e.Created.Before(req.Since) {
			continue
		}
		card, err := shc.Parse(e.SHC)
		if err != nil {
			return nil, fmt.Errorf("ledger entry %s: stored card unreadable: %w", e.ID, err)
		}
		if ok, err := cardMatches(card, req); err != nil {
			return nil, fmt.Errorf("ledger entry %s: %w", e.ID, err)
		} else if ok {
			out = append(out, e.SHC)
		}
	}
	return out, nil
}

func cardMatches(card *shc.Card, req *HealthCardsRequest) (bool, error) {
	types := card.ResourceTypes()
	for _, t := range req.CredentialTypes {
		if !slices.Contains(types, t) {
			return false, nil
		}
	}
	if len(req.ValueSets) == 0 {
		return true, nil
	}
	rec, _, err := card.Record()
	if err != nil {
		return false, err
	}
	for _, vs := range req.ValueSets {
		system := healthCardsValueSets[vs]
		found := false
		for _, im := range rec.Immunizations {
			if im.Vaccine.System == system {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

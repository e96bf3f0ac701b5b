package vax

import (
	"slices"
	"strings"
)

// Code systems for [Coding.System].
const (
	// SystemCVX is the CDC's CVX vaccine code set, as FHIR and SMART Health
	// Cards name it.
	SystemCVX = "http://hl7.org/fhir/sid/cvx"
	// SystemSNOMED is SNOMED CT, used by the EU DCC for vaccine types
	// (e.g. 1119349007 "SARS-CoV-2 mRNA vaccine").
	SystemSNOMED = "http://snomed.info/sct"
	// SystemICD11 is ICD-11 MMS, used by the WHO DDCC (e.g. XM0GQ8).
	SystemICD11 = "http://id.who.int/icd/release/11/mms"
	// SystemEUDCC is the system of EU DCC medicinal products authorised in the
	// EU (codes "EU/1/20/1528" Comirnaty, "EU/1/20/1507" Spikevax …): the
	// Union Register of medicinal products. It is the URI that the EU DCC
	// value set "vaccines-covid-19-names" (eu-dcc-valuesets,
	// vaccine-medicinal-product.json) gives for those codes, so a DCC "mp"
	// maps to a Coding without translation.
	SystemEUDCC = "https://ec.europa.eu/health/documents/community-register/html/"
	// SystemEUDCCTemp is the system the same EU DCC value set gives to
	// products without an EU authorisation ("Covishield", "CoronaVac",
	// "BBIBP-CorV" …).
	SystemEUDCCTemp = "http://ec.europa.eu/temp/vaccineproductname"
)

// Immunization statuses (FHIR R4 Immunization.status).
const (
	StatusCompleted      = "completed"
	StatusEnteredInError = "entered-in-error"
	StatusNotDone        = "not-done"
)

// Coding is a code from a code system, as in FHIR.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Patient identifies the person vaccinated.
type Patient struct {
	Family    string   `json:"family,omitempty"`
	Given     []string `json:"given,omitempty"`
	BirthDate Date     `json:"birthDate"`
}

// Name returns the display form of the name: given names, then the family
// name, separated by single spaces ("John B. Anyperson").
func (p Patient) Name() string {
	var parts []string
	for _, s := range append(slices.Clip(p.Given), p.Family) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// Immunization is one vaccination event.
type Immunization struct {
	Vaccine     Coding `json:"vaccine"`
	Date        Date   `json:"date"`                // occurrence
	Status      string `json:"status"`              // "completed" | "entered-in-error" | "not-done"
	DoseNumber  int    `json:"dose,omitempty"`      // 0 = unknown
	SeriesDoses int    `json:"series,omitempty"`    // 0 = unknown
	Lot         string `json:"lot,omitempty"`       // lot number
	Performer   string `json:"performer,omitempty"` // clinic / organisation display name
	Country     string `json:"country,omitempty"`   // ISO 3166-1 alpha-2, "" if unknown
}

// Record is one person's vaccination record.
//
// Records that this package returns use nil, never empty, slices, so two
// of them can be compared with reflect.DeepEqual; [Record.Equal] also treats
// nil and empty slices alike.
type Record struct {
	Patient       Patient        `json:"patient"`
	Immunizations []Immunization `json:"immunizations"`
}

// Equal reports whether r and o hold the same data. A nil slice equals an
// empty one; two nil Records are equal.
func (r *Record) Equal(o *Record) bool {
	if r == nil || o == nil {
		return r == o
	}
	p, q := r.Patient, o.Patient
	return p.Family == q.Family && p.BirthDate == q.BirthDate &&
		slices.Equal(p.Given, q.Given) &&
		slices.Equal(r.Immunizations, o.Immunizations)
}

package forecast

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// MaxBundle bounds a FHIR Bundle given to [FromFHIR].
const MaxBundle = 4 << 20

// InputError says what is wrong in a FHIR Bundle given to [FromFHIR].
type InputError struct {
	Path    string // e.g. "entry[2].resource.occurrenceDateTime"
	Problem string
	Value   string
	Err     error
}

func (e *InputError) Error() string {
	s := "forecast input"
	if e.Path != "" {
		s += ": " + e.Path
	}
	s += ": " + e.Problem
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *InputError) Unwrap() error { return e.Err }

type fBundle struct {
	ResourceType string `json:"resourceType"`
	Entry        []struct {
		Resource *fResource `json:"resource"`
	} `json:"entry"`
}

type fResource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	// Patient
	BirthDate string `json:"birthDate"`
	Gender    string `json:"gender"`
	// Immunization
	Status      string `json:"status"`
	VaccineCode *struct {
		Coding []vax.Coding `json:"coding"`
	} `json:"vaccineCode"`
	Occurrence string `json:"occurrenceDateTime"`
}

// FromFHIR reads a FHIR R4 Bundle: one Patient (birth date, gender) and its
// Immunization resources (id, status, vaccine code, occurrence date).
// Immunizations whose status is entered-in-error or not-done are left out.
// A CVX coding is preferred; a vaccine coded only in another system (SNOMED
// CT, ICD-11, ATC, EU products) is mapped to its antigens through the code
// table in assets ([AntigensFor]); one the table does not know is reported
// as not in the schedule.
func FromFHIR(data []byte) (Patient, []Dose, error) {
	var p Patient
	if len(data) > MaxBundle {
		return p, nil, &InputError{Problem: fmt.Sprintf("larger than %d bytes", MaxBundle)}
	}
	var b fBundle
	if err := strictjson.Unmarshal(data, &b); err != nil {
		return p, nil, &InputError{Problem: "not a FHIR JSON Bundle", Err: err}
	}
	if b.ResourceType != "Bundle" {
		return p, nil, &InputError{Path: "resourceType", Problem: "want \"Bundle\", got", Value: b.ResourceType}
	}
	var doses []Dose
	patients := 0
	for i, e := range b.Entry {
		path := fmt.Sprintf("entry[%d].resource", i)
		r := e.Resource
		if r == nil {
			return p, nil, &InputError{Path: path, Problem: "missing"}
		}
		switch r.ResourceType {
		case "Patient":
			patients++
			if patients > 1 {
				return p, nil, &InputError{Path: path, Problem: "a second Patient: a forecast is for one person"}
			}
			if r.BirthDate == "" {
				return p, nil, &InputError{Path: path + ".birthDate", Problem: "missing"}
			}
			d, err := vax.ParseDate(r.BirthDate)
			if err != nil || d.Precision() != "day" {
				return p, nil, &InputError{Path: path + ".birthDate", Problem: "not a full date (YYYY-MM-DD)", Value: r.BirthDate}
			}
			p.BirthDate = d
			switch g := strings.ToLower(r.Gender); g {
			case "", "female", "male", "other", "unknown":
				p.Gender = g
			default:
				return p, nil, &InputError{Path: path + ".gender", Problem: "not a FHIR gender", Value: r.Gender}
			}
		case "Immunization":
			switch r.Status {
			case vax.StatusEnteredInError, vax.StatusNotDone:
				continue
			case "", vax.StatusCompleted:
			default:
				return p, nil, &InputError{Path: path + ".status", Problem: "not a FHIR Immunization status", Value: r.Status}
			}
			if r.VaccineCode == nil || len(r.VaccineCode.Coding) == 0 {
				return p, nil, &InputError{Path: path + ".vaccineCode.coding", Problem: "missing"}
			}
			coding := r.VaccineCode.Coding[0]
			for _, c := range r.VaccineCode.Coding {
				if c.System == vax.SystemCVX && strings.TrimSpace(c.Code) != "" {
					coding = c
					break
				}
			}
			if r.Occurrence == "" {
				return p, nil, &InputError{Path: path + ".occurrenceDateTime", Problem: "missing"}
			}
			d, err := vax.ParseDate(r.Occurrence)
			if err != nil || d.Precision() != "day" {
				// a dateTime with a time: keep its date
				if len(r.Occurrence) > 10 && r.Occurrence[10] == 'T' {
					d, err = vax.ParseDate(r.Occurrence[:10])
				}
				if err != nil || d.Precision() != "day" {
					return p, nil, &InputError{Path: path + ".occurrenceDateTime", Problem: "not a full date", Value: r.Occurrence}
				}
			}
			id := r.ID
			if id == "" {
				id = fmt.Sprintf("dose%d", len(doses)+1)
			}
			doses = append(doses, dose(id, coding.System, strings.TrimSpace(coding.Code), d))
			if len(doses) > MaxDoses {
				return p, nil, &InputError{Path: path, Problem: fmt.Sprintf("more than %d doses", MaxDoses)}
			}
		}
	}
	if patients == 0 {
		return p, nil, &InputError{Path: "entry", Problem: "no Patient"}
	}
	return p, doses, nil
}

// FromRecord maps a vax.Record (what a credential carries) to forecast
// input; doses get ids "dose1", "dose2"… in record order. A record has no
// gender: series that require one are not used.
func FromRecord(rec *vax.Record) (Patient, []Dose) {
	p := Patient{BirthDate: rec.Patient.BirthDate}
	var doses []Dose
	for i, im := range rec.Immunizations {
		if im.Status == vax.StatusEnteredInError || im.Status == vax.StatusNotDone {
			continue
		}
		doses = append(doses, dose(fmt.Sprintf("dose%d", i+1), im.Vaccine.System, im.Vaccine.Code, im.Date))
	}
	return p, doses
}

// CVXFor returns the CVX code of a vaccine coded in CVX, "" for another
// system.
func CVXFor(system, code string) string {
	if system == vax.SystemCVX {
		return normCVX(code)
	}
	return ""
}

// AntigensFor returns the antigens (as the schedules name them: "HepB",
// "Measles", …) that a vaccine code protects against, from the target
// diseases the code table in assets gives it: how doses coded in SNOMED
// CT, ICD-11, ATC or as EU products are evaluated.
func AntigensFor(system, code string) []string {
	var out []string
	for _, dis := range vax.Diseases(system, code) {
		if a, ok := diseaseAntigen[dis]; ok {
			dis = a
		}
		out = append(out, dis)
	}
	return out
}

// diseaseAntigen maps the code table's disease names to antigen names where
// they differ.
var diseaseAntigen = map[string]string{
	"Hepatitis B": "HepB", "Hepatitis A": "HepA", "Yellow fever": "Yellow Fever",
	"Japanese encephalitis": "Japanese Encephalitis",
}

// DoseOf builds a Dose from a vaccine code in any system: a CVX code as
// it is, another through its antigens ([AntigensFor]).
func DoseOf(id, system, code string, date vax.Date) Dose { return dose(id, system, code, date) }

// dose builds a Dose from a code.
func dose(id, system, code string, date vax.Date) Dose {
	if c := CVXFor(system, code); c != "" {
		return Dose{ID: id, CVX: c, Date: date}
	}
	return Dose{ID: id, CVX: system + "|" + code, Date: date, Antigens: AntigensFor(system, code)}
}

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
// A vaccine coded in another system than CVX is mapped to a CVX code
// through [CVXFor] (SNOMED CT, ICD-11, ATC and EU product codes from the
// code table in assets); one with no mapping keeps its code, and the
// forecast reports it as not in the schedule.
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
			cvx := ""
			for _, c := range r.VaccineCode.Coding {
				if c.System == vax.SystemCVX && strings.TrimSpace(c.Code) != "" {
					cvx = normCVX(c.Code)
					break
				}
			}
			if cvx == "" {
				c := r.VaccineCode.Coding[0]
				if cvx = CVXFor(c.System, c.Code); cvx == "" {
					cvx = c.System + "|" + c.Code
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
			doses = append(doses, Dose{ID: id, CVX: cvx, Date: d})
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
		cvx := CVXFor(im.Vaccine.System, im.Vaccine.Code)
		if cvx == "" {
			cvx = im.Vaccine.System + "|" + im.Vaccine.Code
		}
		doses = append(doses, Dose{ID: fmt.Sprintf("dose%d", i+1), CVX: cvx, Date: im.Date})
	}
	return p, doses
}

// CVXFor maps a vaccine code to the CVX code the schedules use: CVX codes
// as they are; other systems through the diseases the code table in assets
// gives them (a COVID-19 product → CVX 213 "SARS-COV-2, unspecified"; MMR
// → 03 …). "" when there is no mapping.
func CVXFor(system, code string) string {
	code = strings.TrimSpace(code)
	if code == "" {
		return ""
	}
	if system == vax.SystemCVX {
		return normCVX(code)
	}
	ds := vax.Diseases(system, code)
	if len(ds) == 0 {
		return ""
	}
	key := strings.ToLower(strings.Join(ds, ";"))
	if c, ok := diseaseCVX[key]; ok {
		return c
	}
	if c, ok := diseaseCVX[strings.ToLower(ds[0])]; ok && len(ds) == 1 {
		return c
	}
	return ""
}

// diseaseCVX maps the target diseases of a non-CVX code (as the code table
// lists them) to the CVX code of the unspecified formulation.
var diseaseCVX = map[string]string{
	"covid-19":                        "213",
	"measles;mumps;rubella":           "03",
	"measles;mumps;rubella;varicella": "94",
	"measles;rubella":                 "04",
	"varicella":                       "21",
	"hepatitis b":                     "45",
	"hepatitis a":                     "85",
	"polio":                           "89",
	"hib":                             "17",
	"pneumococcal":                    "109",
	"rotavirus":                       "122",
	"hpv":                             "137",
	"influenza":                       "88",
	"yellow fever":                    "37",
	"diphtheria;tetanus;pertussis":    "107",
	"tetanus;diphtheria":              "139",
	"diphtheria;tetanus":              "139",
	"meningococcal":                   "108",
}

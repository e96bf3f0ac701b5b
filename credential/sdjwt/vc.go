package sdjwt

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// The immunization record layout (vct VCT). Each line is one disclosure:
//
//	given_name   "Amira"                      (object property)
//	family_name  "Haddad"                     (object property)
//	birthdate    "2016-04-12"                 (object property)
//	doses[i]     {"vaccine":{"system","code"},"date","dose","lot","clinic","country"}
//	             (array element; empty members omitted)
//
// Names follow OpenID Connect's standard claims, so generic SD-JWT VC
// wallets and verifiers display them.

// Dose is one dose as the credential carries it.
type Dose struct {
	Vaccine struct {
		System string `json:"system"`
		Code   string `json:"code"`
	} `json:"vaccine"`
	Date    string `json:"date"`
	Dose    int    `json:"dose,omitempty"`
	Lot     string `json:"lot,omitempty"`
	Clinic  string `json:"clinic,omitempty"`
	Country string `json:"country,omitempty"`
}

// FromRecord lays out a record as claims, every one selectively disclosable.
func FromRecord(rec *vax.Record) []Claim {
	var doses []any
	for _, im := range rec.Immunizations {
		var d Dose
		d.Vaccine.System, d.Vaccine.Code = im.Vaccine.System, im.Vaccine.Code
		d.Date, d.Dose, d.Lot, d.Clinic, d.Country = im.Date.String(), im.DoseNumber, im.Lot, im.Performer, im.Country
		doses = append(doses, d)
	}
	return []Claim{
		{Name: "given_name", Value: strings.Join(rec.Patient.Given, " "), SD: true},
		{Name: "family_name", Value: rec.Patient.Family, SD: true},
		{Name: "birthdate", Value: rec.Patient.BirthDate.String(), SD: true},
		{Name: "doses", Value: doses, SDElements: true},
	}
}

// ToRecord reads what was disclosed back into a record; withheld claims
// stay empty. It never fails on a missing claim, only on malformed ones.
func ToRecord(claims strictjson.Object) (*vax.Record, error) {
	rec := &vax.Record{}
	if g, _ := str(claims, "given_name", false); g != "" {
		rec.Patient.Given = strings.Fields(g)
	}
	rec.Patient.Family, _ = str(claims, "family_name", false)
	if b, _ := str(claims, "birthdate", false); b != "" {
		d, err := vax.ParseDate(b)
		if err != nil {
			return nil, &FormatError{Part: "birthdate", Problem: err.Error()}
		}
		rec.Patient.BirthDate = d
	}
	dv, _ := claims.Get("doses")
	doses, _ := dv.([]any)
	for i, x := range doses {
		o, ok := x.(strictjson.Object)
		if !ok {
			return nil, &FormatError{Part: "doses[" + strconv.Itoa(i) + "]", Problem: "not an object"}
		}
		d, err := readDose(o)
		if err != nil {
			return nil, &FormatError{Part: "doses[" + strconv.Itoa(i) + "]", Problem: err.Error()}
		}
		date, err := vax.ParseDate(d.Date)
		if err != nil {
			return nil, &FormatError{Part: "doses[" + strconv.Itoa(i) + "].date", Problem: err.Error()}
		}
		rec.Immunizations = append(rec.Immunizations, vax.Immunization{
			Vaccine: vax.Coding{System: d.Vaccine.System, Code: d.Vaccine.Code},
			Date:    date, Status: vax.StatusCompleted, DoseNumber: d.Dose,
			Lot: d.Lot, Performer: d.Clinic, Country: d.Country,
		})
	}
	return rec, nil
}

// readDose reads a dose object without a JSON round trip.
func readDose(o strictjson.Object) (Dose, error) {
	var d Dose
	get := func(obj strictjson.Object, name string) (string, error) {
		v, ok := obj.Get(name)
		if !ok {
			return "", nil
		}
		s, isStr := v.(string)
		if !isStr {
			return "", fmt.Errorf("%s is not a string", name)
		}
		return s, nil
	}
	vv, _ := o.Get("vaccine")
	vac, ok := vv.(strictjson.Object)
	if !ok {
		return d, fmt.Errorf("no vaccine object")
	}
	var err error
	if d.Vaccine.System, err = get(vac, "system"); err != nil {
		return d, err
	}
	if d.Vaccine.Code, err = get(vac, "code"); err != nil {
		return d, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"date", &d.Date}, {"lot", &d.Lot}, {"clinic", &d.Clinic}, {"country", &d.Country}} {
		if *f.dst, err = get(o, f.name); err != nil {
			return d, err
		}
	}
	if nv, ok := o.Get("dose"); ok {
		n, isNum := nv.(json.Number)
		i, perr := strconv.Atoi(string(n))
		if !isNum || perr != nil || i < 0 {
			return d, fmt.Errorf("dose is not a non-negative integer")
		}
		d.Dose = i
	}
	return d, nil
}

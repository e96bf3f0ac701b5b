package vax

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ValidationError is one problem [Record.Validate] found. Field names the
// field in a path form, with immunizations counted from 0:
// "patient.name", "patient.birthDate", "immunizations",
// "immunization[1].date", "immunization[1].status",
// "immunization[1].vaccine.system", "immunization[1].vaccine.code",
// "immunization[1].dose", "immunization[1].series", "immunization[1].country".
type ValidationError struct {
	Field   string
	Problem string
	Value   string // the offending value, if any
}

func (e *ValidationError) Error() string {
	if e.Value == "" {
		return e.Field + ": " + e.Problem
	}
	return fmt.Sprintf("%s: %s %q", e.Field, e.Problem, e.Value)
}

// ValidationErrors returns every *ValidationError in err, which may be a
// single one or an errors.Join of several (as [Record.Validate] returns).
func ValidationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *ValidationError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, e := range e.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// clockSlack is how far a date may lie after now and still count as not in
// the future: a date is written in the local calendar of the place, which
// can be up to 14 hours ahead of UTC (UTC+14:00).
const clockSlack = 14 * time.Hour

// Validate checks that r makes sense as a vaccination record as of now
// (pass time.Now()). It returns nil, one *[ValidationError], or an
// errors.Join of several, in field order. It checks:
//
//   - the patient has a name (family or given);
//   - the birth date is present, valid and not in the future;
//   - there is at least one immunization;
//   - each occurrence date is present, valid, not in the future and not
//     before the birth date (partial dates count if they may overlap);
//   - each status is "completed", "entered-in-error" or "not-done";
//   - each vaccine has a code and a system, not just one of them;
//   - dose and series are not negative and the dose is not past the series;
//   - each country is empty or two upper-case letters (ISO 3166-1 alpha-2).
//
// Dates count as in the future only if they start more than 14 hours after
// now, the largest time-zone offset, so a vaccination given early today in
// UTC+14:00 is valid. Validate does not check that codes are in the
// embedded code table: unknown codes are allowed.
func (r *Record) Validate(now time.Time) error {
	var errs []error
	add := func(field, problem, value string) {
		errs = append(errs, &ValidationError{Field: field, Problem: problem, Value: value})
	}
	future := now.Add(clockSlack)

	p := r.Patient
	if p.Name() == "" {
		add("patient.name", "missing", "")
	}
	birthOK := false
	switch err := p.BirthDate.check(); {
	case p.BirthDate.IsZero():
		add("patient.birthDate", "missing", "")
	case err != nil:
		add("patient.birthDate", "invalid: "+err.Error(), p.BirthDate.String())
	case p.BirthDate.Earliest().After(future):
		add("patient.birthDate", "in the future", p.BirthDate.String())
	default:
		birthOK = true
	}

	if len(r.Immunizations) == 0 {
		add("immunizations", "none", "")
	}
	for i, im := range r.Immunizations {
		f := "immunization[" + strconv.Itoa(i) + "]."
		switch err := im.Date.check(); {
		case im.Date.IsZero():
			add(f+"date", "missing", "")
		case err != nil:
			add(f+"date", "invalid: "+err.Error(), im.Date.String())
		case im.Date.Earliest().After(future):
			add(f+"date", "in the future", im.Date.String())
		case birthOK && !im.Date.latest().After(p.BirthDate.Earliest()):
			add(f+"date", "before birth date "+p.BirthDate.String(), im.Date.String())
		}

		switch im.Status {
		case StatusCompleted, StatusEnteredInError, StatusNotDone:
		case "":
			add(f+"status", "missing", "")
		default:
			add(f+"status", "unknown", im.Status)
		}

		v := im.Vaccine
		switch {
		case v.Code == "" && v.System == "":
			add(f+"vaccine.code", "missing", "")
		case v.System == "":
			add(f+"vaccine.system", "missing for code", v.Code)
		case v.Code == "":
			add(f+"vaccine.code", "missing for system", v.System)
		}

		switch {
		case im.DoseNumber < 0:
			add(f+"dose", "negative", strconv.Itoa(im.DoseNumber))
		case im.SeriesDoses < 0:
			add(f+"series", "negative", strconv.Itoa(im.SeriesDoses))
		case im.SeriesDoses > 0 && im.DoseNumber > im.SeriesDoses:
			add(f+"dose", "greater than series of "+strconv.Itoa(im.SeriesDoses), strconv.Itoa(im.DoseNumber))
		}

		if im.Country != "" && !isAlpha2(im.Country) {
			add(f+"country", "not an ISO 3166-1 alpha-2 code (two upper-case letters)", im.Country)
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func isAlpha2(s string) bool {
	return len(s) == 2 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

package vax

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)

func validRecord() *Record {
	return &Record{
		Patient: Patient{Family: "Haddad", Given: []string{"Amira"}, BirthDate: Date{2016, 4, 12}},
		Immunizations: []Immunization{
			{Vaccine: Coding{System: SystemCVX, Code: "03"}, Date: Date{2017, 4, 15}, Status: "completed", DoseNumber: 1, SeriesDoses: 2, Lot: "MMR7731A", Performer: "Al Noor Family Clinic", Country: "AE"},
			{Vaccine: Coding{System: SystemCVX, Code: "03"}, Date: Date{2017, 10, 17}, Status: "completed", DoseNumber: 2, SeriesDoses: 2},
		},
	}
}

func TestValidateOK(t *testing.T) {
	for name, mod := range map[string]func(r *Record){
		"full":             func(r *Record) {},
		"given only":       func(r *Record) { r.Patient.Family = "" },
		"family only":      func(r *Record) { r.Patient.Given = nil },
		"partial birth":    func(r *Record) { r.Patient.BirthDate = Date{2016, 0, 0} },
		"same day birth":   func(r *Record) { r.Immunizations[0].Date = Date{2016, 4, 12} },
		"overlapping year": func(r *Record) { r.Immunizations[0].Date = Date{2016, 0, 0} },
		"unknown dose":     func(r *Record) { r.Immunizations[0].DoseNumber, r.Immunizations[0].SeriesDoses = 0, 0 },
		"dose, no series":  func(r *Record) { r.Immunizations[0].DoseNumber, r.Immunizations[0].SeriesDoses = 4, 0 },
		"not-done":         func(r *Record) { r.Immunizations[0].Status = "not-done" },
		"entered-in-error": func(r *Record) { r.Immunizations[0].Status = "entered-in-error" },
		"today in UTC+14":  func(r *Record) { r.Immunizations[0].Date = Date{2026, 11, 21} }, // testNow is 06:00Z
		"unknown code":     func(r *Record) { r.Immunizations[0].Vaccine = Coding{System: "urn:x", Code: "y"} },
	} {
		r := validRecord()
		mod(r)
		if err := r.Validate(testNow); err != nil {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}

// TestValidateClockSlack checks the boundary of "in the future": a date
// counts once it starts more than 14 hours (UTC+14:00) after now.
func TestValidateClockSlack(t *testing.T) {
	r := validRecord()
	r.Immunizations[1].Date = Date{2026, 11, 22}
	if err := r.Validate(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("date starting 14h after now: %v", err)
	}
	if err := r.Validate(time.Date(2026, 11, 21, 9, 59, 59, 0, time.UTC)); err == nil {
		t.Error("date starting 14h and 1s after now accepted")
	}
}

// validationTests has one case per rule of Record.Validate.
var validationTests = []struct {
	name  string
	mod   func(r *Record)
	field string
	msg   string // a substring of the error message
}{
	{"no name", func(r *Record) { r.Patient.Family, r.Patient.Given = "", nil }, "patient.name", "patient.name: missing"},
	{"blank name", func(r *Record) { r.Patient.Family, r.Patient.Given = " ", []string{""} }, "patient.name", "missing"},
	{"no birth date", func(r *Record) { r.Patient.BirthDate = Date{} }, "patient.birthDate", "patient.birthDate: missing"},
	{"invalid birth date", func(r *Record) { r.Patient.BirthDate = Date{2021, 2, 30} }, "patient.birthDate", `invalid: day 30 does not exist in 2021-02 "2021-02-30"`},
	{"birth date in the future", func(r *Record) { r.Patient.BirthDate = Date{2027, 1, 1} }, "patient.birthDate", `in the future "2027-01-01"`},
	{"no immunizations", func(r *Record) { r.Immunizations = nil }, "immunizations", "immunizations: none"},
	{"no date", func(r *Record) { r.Immunizations[1].Date = Date{} }, "immunization[1].date", "immunization[1].date: missing"},
	{"invalid date", func(r *Record) { r.Immunizations[1].Date = Date{2021, 13, 0} }, "immunization[1].date", "month 13"},
	{"date in the future", func(r *Record) { r.Immunizations[1].Date = Date{2027, 0, 0} }, "immunization[1].date", `in the future "2027"`},
	{"date before birth", func(r *Record) { r.Immunizations[1].Date = Date{2016, 4, 11} }, "immunization[1].date", `before birth date 2016-04-12 "2016-04-11"`},
	{"month before birth", func(r *Record) { r.Immunizations[1].Date = Date{2016, 3, 0} }, "immunization[1].date", "before birth"},
	{"no status", func(r *Record) { r.Immunizations[1].Status = "" }, "immunization[1].status", "status: missing"},
	{"unknown status", func(r *Record) { r.Immunizations[1].Status = "done" }, "immunization[1].status", `unknown "done"`},
	{"code without system", func(r *Record) { r.Immunizations[1].Vaccine.System = "" }, "immunization[1].vaccine.system", `immunization[1].vaccine.system: missing for code "03"`},
	{"system without code", func(r *Record) { r.Immunizations[1].Vaccine.Code = "" }, "immunization[1].vaccine.code", `missing for system "http://hl7.org/fhir/sid/cvx"`},
	{"no vaccine", func(r *Record) { r.Immunizations[1].Vaccine = Coding{Display: "MMR"} }, "immunization[1].vaccine.code", "vaccine.code: missing"},
	{"negative dose", func(r *Record) { r.Immunizations[1].DoseNumber = -1 }, "immunization[1].dose", `negative "-1"`},
	{"negative series", func(r *Record) { r.Immunizations[1].SeriesDoses = -2 }, "immunization[1].series", `negative "-2"`},
	{"dose past series", func(r *Record) { r.Immunizations[1].DoseNumber = 3 }, "immunization[1].dose", `greater than series of 2 "3"`},
	{"country lower case", func(r *Record) { r.Immunizations[1].Country = "ae" }, "immunization[1].country", `"ae"`},
	{"country alpha-3", func(r *Record) { r.Immunizations[1].Country = "ARE" }, "immunization[1].country", `"ARE"`},
	{"country digits", func(r *Record) { r.Immunizations[1].Country = "78" }, "immunization[1].country", "alpha-2"},
}

func TestValidate(t *testing.T) {
	for _, tt := range validationTests {
		r := validRecord()
		tt.mod(r)
		err := r.Validate(testNow)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: Validate = %v, want a *ValidationError", tt.name, err)
			continue
		}
		if ve.Field != tt.field {
			t.Errorf("%s: Field = %q, want %q (error %v)", tt.name, ve.Field, tt.field, err)
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.msg)
		}
		if !strings.HasPrefix(err.Error(), tt.field+": ") {
			t.Errorf("%s: error %q does not start with the field", tt.name, err)
		}
		if n := len(ValidationErrors(err)); n != 1 {
			t.Errorf("%s: %d errors, want 1: %v", tt.name, n, err)
		}
	}
}

func TestValidateSeveral(t *testing.T) {
	r := validRecord()
	r.Patient.Family, r.Patient.Given = "", nil
	r.Immunizations[0].Status = "bogus"
	r.Immunizations[1].Country = "uae"
	err := r.Validate(testNow)
	var fields []string
	for _, e := range ValidationErrors(err) {
		fields = append(fields, e.Field)
	}
	want := "patient.name immunization[0].status immunization[1].country"
	if got := strings.Join(fields, " "); got != want {
		t.Fatalf("fields = %q, want %q (error %v)", got, want, err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "patient.name" {
		t.Fatalf("errors.As found %v", ve)
	}
	if got := ValidationErrors(nil); got != nil {
		t.Fatalf("ValidationErrors(nil) = %v", got)
	}
}

func TestPatientName(t *testing.T) {
	for _, tt := range []struct {
		p    Patient
		want string
	}{
		{Patient{Family: "Anyperson", Given: []string{"John", "B."}}, "John B. Anyperson"},
		{Patient{Family: "Haddad"}, "Haddad"},
		{Patient{Given: []string{" Amira ", ""}}, "Amira"},
		{Patient{}, ""},
	} {
		if got := tt.p.Name(); got != tt.want {
			t.Errorf("%+v.Name() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestRecordEqual(t *testing.T) {
	a, b := validRecord(), validRecord()
	if !a.Equal(b) {
		t.Fatal("equal records differ")
	}
	b.Immunizations[1].Lot = "x"
	if a.Equal(b) {
		t.Fatal("different lots compare equal")
	}
	c, d := &Record{Patient: Patient{Given: []string{}}}, &Record{Immunizations: []Immunization{}}
	if !c.Equal(d) {
		t.Fatal("nil and empty slices differ")
	}
	var n *Record
	if !n.Equal(nil) || n.Equal(a) || a.Equal(nil) {
		t.Fatal("nil handling")
	}
}

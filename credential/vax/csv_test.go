package vax

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/assets"
)

// TestDemoRecord checks that the demo record in assets is valid, that its
// CSV and FHIR forms hold the same Record, and that FHIR() writes the demo
// file byte for byte.
func TestDemoRecord(t *testing.T) {
	fromJSON, err := FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ParseCSV(assets.DemoRecordCSV())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("demo CSV holds %d records, want 1", len(recs))
	}
	if !reflect.DeepEqual(&recs[0], fromJSON) {
		t.Fatalf("demo CSV and JSON differ:\ncsv  %+v\njson %+v", recs[0], *fromJSON)
	}
	if err := fromJSON.Validate(testNow); err != nil {
		t.Fatal(err)
	}
	if got := fromJSON.Patient.Name(); got != "Amira Haddad" {
		t.Fatalf("Name = %q", got)
	}
	if n := len(fromJSON.Immunizations); n < 5 || n > 8 {
		t.Fatalf("%d immunizations, want 5 to 8", n)
	}
	for i, im := range fromJSON.Immunizations {
		if Display(im.Vaccine.System, im.Vaccine.Code) == "" || im.Lot == "" || im.Performer != "Al Noor Family Clinic" || im.Country != "AE" {
			t.Errorf("immunization[%d] = %+v: want a known code, a lot, the clinic and AE", i, im)
		}
	}
	out, err := fromJSON.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(assets.DemoRecord()) {
		t.Fatalf("FHIR() differs from assets/demo/record.json:\n%s", out)
	}
}

func TestParseCSV(t *testing.T) {
	in := "\ufeffFamily, given ,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country,status\n" +
		"Anyperson,John B.,1951-01-20,http://hl7.org/fhir/sid/cvx,207,2021-01-01,,,0000001,ABC General Hospital,,\n" +
		"Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15T09:00:00+04:00,1,2,,\"Al Noor Family Clinic, Dubai\",AE,completed\n" +
		"\n" +
		" Anyperson , John   B. ,1951-01-20,http://hl7.org/fhir/sid/cvx,207,2021-01-29,,,0000007,ABC General Hospital,,\n" +
		"Anyperson,John B.,1951-01-20,http://hl7.org/fhir/sid/cvx,229,2022-09-05,,,0000001,ABC General Hospital,,\n" +
		"Anyperson,John,1951-01-20,http://hl7.org/fhir/sid/cvx,208,2021-03-01,1,2,L1,,US,not-done\n"
	got, err := ParseCSV([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		*example00,
		{Patient: Patient{Family: "Haddad", Given: []string{"Amira"}, BirthDate: Date{2016, 4, 12}}, Immunizations: []Immunization{
			{Vaccine: Coding{System: SystemCVX, Code: "03"}, Date: Date{2017, 4, 15}, Status: "completed", DoseNumber: 1, SeriesDoses: 2, Performer: "Al Noor Family Clinic, Dubai", Country: "AE"},
		}},
		{Patient: Patient{Family: "Anyperson", Given: []string{"John"}, BirthDate: Date{1951, 1, 20}}, Immunizations: []Immunization{
			{Vaccine: Coding{System: SystemCVX, Code: "208"}, Date: Date{2021, 3, 1}, Status: "not-done", DoseNumber: 1, SeriesDoses: 2, Lot: "L1", Country: "US"},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("\n got %+v\nwant %+v", got, want)
	}
}

func TestParseCSVOptionalColumns(t *testing.T) {
	in := "vaccine_code,vaccine_system,date,birth_date,given,family\n207,http://hl7.org/fhir/sid/cvx,2021-01-01,1951-01-20,John B.,Anyperson\n"
	got, err := ParseCSV([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{Patient: anyperson, Immunizations: []Immunization{{Vaccine: Coding{System: SystemCVX, Code: "207"}, Date: Date{2021, 1, 1}, Status: "completed"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("\n got %+v\nwant %+v", got, want)
	}
}

const csvHeader = "family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country,status\n"
const csvRow = "Haddad,Amira,2016-04-12,http://hl7.org/fhir/sid/cvx,03,2017-04-15,1,2,L,Clinic,AE,\n"

// csvErrorTests is the negative table for ParseCSV; it seeds FuzzParseCSV.
var csvErrorTests = []struct {
	name, in string
	line     int
	column   string
	msg      string
}{
	{"empty", "", 1, "", "missing header row"},
	{"header only", csvHeader, 2, "", "no rows"},
	{"unknown column", strings.Replace(csvHeader, "lot", "lot_number", 1) + csvRow, 1, "", `unknown column`},
	{"duplicate column", strings.Replace(csvHeader, "lot", "dose", 1) + csvRow, 1, "", `duplicate column "dose"`},
	{"missing column", strings.Replace(csvHeader, "birth_date,", "", 1), 1, "", `missing required column "birth_date"`},
	{"no header", csvRow + csvRow, 1, "", "unknown column"},
	{"bad birth date", csvHeader + csvRow + strings.Replace(csvRow, "2016-04-12", "12/04/2016", 1), 3, "birth_date", `invalid date (want YYYY-MM-DD) "12/04/2016"`},
	{"bad date", csvHeader + strings.Replace(csvRow, "2017-04-15", "2017-02-29", 1), 2, "date", `"2017-02-29"`},
	{"no date", csvHeader + strings.Replace(csvRow, "2017-04-15", "", 1), 2, "date", "missing"},
	{"dose not a number", csvHeader + strings.Replace(csvRow, ",1,2,", ",one,2,", 1), 2, "dose", `not a positive integer "one"`},
	{"dose zero", csvHeader + strings.Replace(csvRow, ",1,2,", ",0,2,", 1), 2, "dose", `"0"`},
	{"series negative", csvHeader + strings.Replace(csvRow, ",1,2,", ",1,-2,", 1), 2, "series", `"-2"`},
	{"too few fields", csvHeader + csvRow + "Haddad,Amira\n", 3, "", "wrong number of fields"},
	{"bad quote", csvHeader + csvRow + csvRow + "Haddad,\"Amira,2016\n", 4, "", ""},
	{"invalid UTF-8", csvHeader + "Had\xffdad" + csvRow[6:], 0, "", "UTF-8"},
}

func TestParseCSVErrors(t *testing.T) {
	for _, tt := range csvErrorTests {
		recs, err := ParseCSV([]byte(tt.in))
		var ce *CSVError
		if !errors.As(err, &ce) {
			t.Errorf("%s: ParseCSV = %+v, %v; want a *CSVError", tt.name, recs, err)
			continue
		}
		if ce.Line != tt.line || ce.Column != tt.column {
			t.Errorf("%s: line %d column %q, want %d %q (%v)", tt.name, ce.Line, ce.Column, tt.line, tt.column, err)
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.msg)
		}
		if tt.line > 0 && !strings.Contains(err.Error(), "line ") {
			t.Errorf("%s: error %q has no line number", tt.name, err)
		}
	}
	_, err := ParseCSV(make([]byte, MaxCSVSize+1))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("large input: %v", err)
	}
}

package vax

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/immunopass/immunopass/assets"
)

// FuzzParseDate: ParseDate either rejects its input or gives a Date whose
// String is the input again, and a valid Date is accepted by FHIR as an
// occurrence.
func FuzzParseDate(f *testing.F) {
	for _, tt := range dateTests {
		f.Add(tt.in)
	}
	f.Add("2021-01-01T10:00:00Z")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if d != (Date{}) {
				t.Fatalf("ParseDate(%q) returned %+v with error", s, d)
			}
			return
		}
		if got := d.String(); got != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, got)
		}
		if err := d.check(); err != nil {
			t.Fatalf("ParseDate(%q) = %+v, which check rejects: %v", s, d, err)
		}
		if dt, err := parseDateTime(s); err != nil || dt != d {
			t.Fatalf("parseDateTime(%q) = %+v, %v", s, dt, err)
		}
		_ = d.Earliest()
		_ = d.Precision()
	})
}

// seedFHIR adds the shared SHC examples and fixtures, the demo record and the
// test tables.
func seedFHIR(f *testing.F) {
	files, _ := filepath.Glob(shcDir + "examples/*-a-fhirBundle.json")
	more, _ := filepath.Glob(shcDir + "fixtures/*.json")
	for _, name := range append(files, more...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add(assets.DemoRecord())
	f.Add([]byte(dccBundle))
	for _, tt := range fhirErrorTests {
		if len(tt.in) < 64<<10 {
			f.Add([]byte(tt.in))
		}
	}
}

// FuzzFromFHIR: FromFHIR never panics; whatever it accepts, FHIR writes and
// FromFHIR reads back as an equal Record.
func FuzzFromFHIR(f *testing.F) {
	seedFHIR(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, ignored, err := FromFHIRWithIgnored(b)
		if err != nil {
			if r != nil {
				t.Fatal("record returned with an error")
			}
			if _, ok := err.(*FHIRError); !ok {
				t.Fatalf("error %T is not a *FHIRError: %v", err, err)
			}
			return
		}
		_ = ignored
		_ = r.Validate(testNow)
		out, err := r.FHIR()
		if err != nil {
			t.Fatalf("FHIR() of a parsed record: %v", err)
		}
		back, err := FromFHIR(out)
		if err != nil {
			t.Fatalf("FromFHIR(FHIR()): %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", back, r)
		}
	})
}

// FuzzParseCSV: ParseCSV never panics and reports errors as *CSVError;
// what it accepts has at least one immunization per record, and valid
// records survive the FHIR round trip.
func FuzzParseCSV(f *testing.F) {
	f.Add(assets.DemoRecordCSV())
	f.Add([]byte(csvHeader + csvRow))
	for _, tt := range csvErrorTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ParseCSV(b)
		if err != nil {
			if recs != nil {
				t.Fatal("records returned with an error")
			}
			if _, ok := err.(*CSVError); !ok {
				t.Fatalf("error %T is not a *CSVError: %v", err, err)
			}
			return
		}
		if len(recs) == 0 {
			t.Fatal("no records and no error")
		}
		for i := range recs {
			r := &recs[i]
			if len(r.Immunizations) == 0 {
				t.Fatalf("record %d has no immunizations", i)
			}
			if r.Validate(testNow) != nil {
				continue
			}
			out, err := r.FHIR()
			if err != nil {
				t.Fatalf("FHIR() of a valid record: %v", err)
			}
			back, err := FromFHIR(out)
			if err != nil {
				t.Fatalf("FromFHIR(FHIR()): %v\n%s", err, out)
			}
			if !back.Equal(r) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", back, r)
			}
		}
	})
}

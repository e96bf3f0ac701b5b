package vax

import (
	"fmt"
	"testing"
	"time"
)

// dateTests is the source of truth for ParseDate and seeds FuzzParseDate.
var dateTests = []struct {
	in   string
	want Date
	ok   bool
}{
	{"2021", Date{2021, 0, 0}, true},
	{"2021-03", Date{2021, 3, 0}, true},
	{"2021-03-04", Date{2021, 3, 4}, true},
	{"1900-01-01", Date{1900, 1, 1}, true},
	{"9999-12-31", Date{9999, 12, 31}, true},
	{"0001", Date{1, 0, 0}, true},
	{"2020-02-29", Date{2020, 2, 29}, true}, // leap year
	{"2000-02-29", Date{2000, 2, 29}, true}, // divisible by 400
	{"2021-04-30", Date{2021, 4, 30}, true},

	{"", Date{}, false},
	{"0000", Date{}, false},
	{"2021-13", Date{}, false},
	{"2021-00", Date{}, false},
	{"2021-02-30", Date{}, false},
	{"2021-02-29", Date{}, false}, // not a leap year
	{"1900-02-29", Date{}, false}, // divisible by 100, not 400
	{"2021-04-31", Date{}, false},
	{"2021-01-00", Date{}, false},
	{"2021-01-32", Date{}, false},
	{"21-01-01", Date{}, false},
	{"2021-1-1", Date{}, false},
	{"2021-01-1", Date{}, false},
	{" 2021", Date{}, false},
	{"2021 ", Date{}, false},
	{"20210", Date{}, false},
	{"2021-011", Date{}, false},
	{"2021-01-011", Date{}, false},
	{"2021-", Date{}, false},
	{"2021-01-", Date{}, false},
	{"2021/01/01", Date{}, false},
	{"+2021", Date{}, false},
	{"２０２１", Date{}, false},                 // full-width digits
	{"2021-01-01T10:00:00Z", Date{}, false}, // a dateTime is not a date
	{"10000-01-01", Date{}, false},
}

func TestParseDate(t *testing.T) {
	for _, tt := range dateTests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseDate(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDate(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("ParseDate(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestParseDateTime(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2021-01-01", Date{2021, 1, 1}, true},
		{"2021-01", Date{2021, 1, 0}, true},
		{"2021-01-01T10:00:00Z", Date{2021, 1, 1}, true},
		{"2021-01-01T23:59:60.123456789+14:00", Date{2021, 1, 1}, true},
		{"2021-01-01T00:00:00-05:30", Date{2021, 1, 1}, true},
		{"2021-01-01T10:00:00", Date{}, false},             // no zone
		{"2021-01-01T10:00Z", Date{}, false},               // no seconds
		{"2021-01-01T24:00:00Z", Date{}, false},            // hour 24
		{"2021-01-01T10:00:00.Z", Date{}, false},           // empty fraction
		{"2021-01-01T10:00:00+15:00", Date{}, false},       // zone out of range
		{"2021-01-01T10:00:00+14:30", Date{}, false},       // zone out of range
		{"2021-01T10:00:00Z", Date{}, false},               // time needs a day
		{"2021-01-01 10:00:00Z", Date{}, false},            // space, not T
		{"2021-02-30T10:00:00Z", Date{}, false},            // bad day
		{"2021-01-01T10:00:00.1234567890Z", Date{}, false}, // 10 digits
	} {
		got, err := parseDateTime(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseDateTime(%q) = %+v, %v; want %+v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestDateStringAgreesWithSprintf: the hand formatter gives what the
// Sprintf forms give, in and out of the FHIR range.
func TestDateStringAgreesWithSprintf(t *testing.T) {
	for _, d := range []Date{{1, 0, 0}, {5, 1, 0}, {999, 1, 2}, {2021, 10, 9}, {9999, 12, 31}, {10000, 1, 1}, {-3, 0, 0}, {2021, 100, 0}, {2021, 1, -1}} {
		want := fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
		if d.Day == 0 {
			want = fmt.Sprintf("%04d-%02d", d.Year, d.Month)
		}
		if d.Month == 0 && d.Day == 0 {
			want = fmt.Sprintf("%04d", d.Year)
		}
		if got := d.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", d, got, want)
		}
	}
}

func TestDateMethods(t *testing.T) {
	for _, tt := range []struct {
		d        Date
		s, prec  string
		earliest time.Time
		latest   time.Time
	}{
		{Date{}, "", "", time.Time{}, time.Time{}},
		{Date{2021, 0, 0}, "2021", "year", time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Date{2021, 2, 0}, "2021-02", "month", time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)},
		{Date{2021, 12, 31}, "2021-12-31", "day", time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if got := tt.d.String(); got != tt.s {
			t.Errorf("%+v.String() = %q, want %q", tt.d, got, tt.s)
		}
		if got := tt.d.Precision(); got != tt.prec {
			t.Errorf("%+v.Precision() = %q, want %q", tt.d, got, tt.prec)
		}
		if got := tt.d.Earliest(); !got.Equal(tt.earliest) || got.Location() != time.UTC {
			t.Errorf("%+v.Earliest() = %v, want %v", tt.d, got, tt.earliest)
		}
		if got := tt.d.IsZero(); got != (tt.s == "") {
			t.Errorf("%+v.IsZero() = %v", tt.d, got)
		}
		if !tt.d.IsZero() && !tt.d.latest().Equal(tt.latest) {
			t.Errorf("%+v.latest() = %v, want %v", tt.d, tt.d.latest(), tt.latest)
		}
	}
}

func TestDateCompare(t *testing.T) {
	ordered := []Date{{}, {2020, 0, 0}, {2020, 1, 0}, {2020, 1, 1}, {2020, 1, 2}, {2020, 2, 0}, {2021, 0, 0}}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestDateText(t *testing.T) {
	var d Date
	if err := d.UnmarshalText([]byte("2021-03")); err != nil || d != (Date{2021, 3, 0}) {
		t.Fatalf("UnmarshalText = %+v, %v", d, err)
	}
	if b, err := d.MarshalText(); err != nil || string(b) != "2021-03" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	if err := d.UnmarshalText(nil); err != nil || !d.IsZero() {
		t.Fatalf("UnmarshalText(empty) = %+v, %v", d, err)
	}
	if b, err := d.MarshalText(); err != nil || len(b) != 0 {
		t.Fatalf("zero MarshalText = %q, %v", b, err)
	}
	if err := d.UnmarshalText([]byte("2021-13")); err == nil {
		t.Fatal("UnmarshalText accepted 2021-13")
	}
	if _, err := (Date{2021, 2, 30}).MarshalText(); err == nil {
		t.Fatal("MarshalText accepted 2021-02-30")
	}
}

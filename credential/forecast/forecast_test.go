package forecast

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
)

func mustUS(t testing.TB) *Schedule {
	t.Helper()
	s, err := US()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func d(s string) vax.Date {
	v, err := vax.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestSpanAdd(t *testing.T) {
	for _, c := range []struct{ from, span, want string }{
		{"2025-01-31", "1 month", "2025-03-01"}, // no 31 Feb: the first of the next month
		{"2024-02-29", "1 year", "2025-03-01"},
		{"2025-09-06", "6 weeks - 4 days", "2025-10-14"},
		{"2025-09-06", "3 months + 4 weeks", "2026-01-03"},
		{"2025-09-06", "12 months - 4 days", "2026-09-02"},
		{"2025-09-06", "0 days", "2025-09-06"},
	} {
		sp, err := ParseSpan(c.span)
		if err != nil {
			t.Fatal(err)
		}
		if got := sp.add(fromVax(d(c.from))).String(); got != c.want {
			t.Errorf("%s + %s = %s, want %s", c.from, c.span, got, c.want)
		}
	}
	for _, bad := range []string{"6", "weeks", "6 fortnights", "6 weeks -", "6 weeks * 4 days", "-4 days", "99999 years"} {
		if _, err := ParseSpan(bad); err == nil {
			t.Errorf("ParseSpan(%q) accepted", bad)
		}
	}
}

func TestRunErrors(t *testing.T) {
	us := mustUS(t)
	if _, err := Run(us, Patient{}, nil, d("2025-01-01")); !errors.Is(err, ErrNoBirthDate) {
		t.Errorf("no birth date: %v", err)
	}
	var de *DateError
	if _, err := Run(us, Patient{BirthDate: d("2025-01-01")}, []Dose{{ID: "a", CVX: "03", Date: d("2024-01-01")}}, d("2025-06-01")); !errors.As(err, &de) {
		t.Errorf("dose before birth: %v", err)
	}
	if _, err := Run(us, Patient{BirthDate: d("2025-01-01")}, nil, d("2024-06-01")); !errors.As(err, &de) {
		t.Errorf("assessment before birth: %v", err)
	}
	many := make([]Dose, MaxDoses+1)
	if _, err := Run(us, Patient{BirthDate: d("2025-01-01")}, many, d("2025-06-01")); !errors.Is(err, ErrTooManyDoses) {
		t.Errorf("too many doses: %v", err)
	}
}

func TestUnknownCodeAndFutureDose(t *testing.T) {
	res, err := Run(mustUS(t), Patient{BirthDate: d("2020-01-01")}, []Dose{
		{ID: "x", CVX: "99999", Date: d("2021-01-01")},
		{ID: "later", CVX: "03", Date: d("2030-01-01")},
	}, d("2025-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Doses[0]; got.Status != Extraneous || got.Reason != ReasonNotSchedule {
		t.Errorf("unknown code: %+v", got)
	}
	if got := res.Doses[1]; got.Status != Extraneous || got.Reason != ReasonAfterAssessed {
		t.Errorf("future dose: %+v", got)
	}
}

func TestFromFHIRErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`[]`, "not a FHIR JSON Bundle"},
		{`{"resourceType":"Patient"}`, `resourceType: want "Bundle"`},
		{`{"resourceType":"Bundle","entry":[]}`, "no Patient"},
		{`{"resourceType":"Bundle","entry":[{}]}`, "entry[0].resource: missing"},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","birthDate":"2020"}}]}`, "not a full date"},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","birthDate":"2020-01-01","gender":"f"}}]}`, "not a FHIR gender"},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","birthDate":"2020-01-01"}},{"resource":{"resourceType":"Immunization","occurrenceDateTime":"2021-01-01"}}]}`, "vaccineCode.coding: missing"},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","birthDate":"2020-01-01"}},{"resource":{"resourceType":"Immunization","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]}}}]}`, "occurrenceDateTime: missing"},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","birthDate":"2020-01-01"}},{"resource":{"resourceType":"Patient","birthDate":"2020-01-01"}}]}`, "a second Patient"},
		{`{"resourceType":"Bundle","resourceType":"Bundle"}`, "not a FHIR JSON Bundle"},
	} {
		_, _, err := FromFHIR([]byte(c.in))
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromFHIR(%s) = %v, want an InputError with %q", c.in, err, c.want)
		}
	}
	p, doses, err := FromFHIR([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","birthDate":"2020-01-01","gender":"female"}},
	{"resource":{"resourceType":"Immunization","id":"a","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"2021-01-05T10:00:00+04:00"}},
	{"resource":{"resourceType":"Immunization","id":"b","status":"entered-in-error","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"occurrenceDateTime":"2021-01-05"}}]}`))
	if err != nil || p.Gender != "female" || len(doses) != 1 || doses[0].CVX != "3" || doses[0].Date != d("2021-01-05") {
		t.Errorf("FromFHIR = %+v %+v %v", p, doses, err)
	}
}

// history40 is a person with 40 doses across the vaccine groups.
func history40() (Patient, []Dose) {
	p := Patient{BirthDate: d("2005-03-01"), Gender: "female"}
	at := fromVax(p.BirthDate)
	var doses []Dose
	add := func(cvx, span string) {
		doses = append(doses, Dose{ID: "d" + cvx + span, CVX: cvx, Date: mustSpan(span).add(at).vax()})
	}
	for _, s := range []string{"2 months", "4 months", "6 months", "15 months", "4 years"} {
		add("20", s)
	}
	for _, s := range []string{"2 months", "4 months", "6 months", "4 years"} {
		add("10", s)
	}
	for _, s := range []string{"2 months", "4 months", "12 months"} {
		add("49", s)
	}
	for _, s := range []string{"2 months", "4 months", "6 months", "12 months"} {
		add("133", s)
	}
	for _, s := range []string{"0 days", "1 month", "6 months"} {
		add("08", s)
	}
	add("116", "2 months")
	add("116", "4 months")
	add("03", "12 months")
	add("03", "4 years")
	add("21", "12 months")
	add("21", "4 years")
	add("83", "12 months")
	add("83", "18 months")
	add("115", "11 years")
	add("114", "11 years")
	add("62", "11 years")
	add("62", "11 years + 6 months")
	for _, s := range []string{"6 months", "7 months", "1 year + 6 months", "2 years + 6 months", "3 years + 6 months", "10 years", "15 years", "18 years"} {
		add("141", s)
	}
	add("114", "16 years")
	return p, doses
}

func TestForty(t *testing.T) {
	p, doses := history40()
	if len(doses) != 40 {
		t.Fatalf("%d doses", len(doses))
	}
	res, err := Run(mustUS(t), p, doses, d("2025-11-10"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"DTAP", "POL", "MMR", "VAR", "HepB", "HepA"} {
		g := res.Group(code)
		if g == nil || g.Status == NotComplete && code != "DTAP" {
			t.Errorf("%s: %+v", code, g)
		}
	}
}

// BenchmarkForecast40 is the target: a forecast for a person with
// 40 doses across all vaccine groups in at most 2 ms on one core.
func BenchmarkForecast40(b *testing.B) {
	us := mustUS(b)
	p, doses := history40()
	at := d("2025-11-10")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(us, p, doses, at); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCasesTime(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	us := mustUS(t)
	start := time.Now()
	for _, c := range loadCases(t) {
		p, doses, _ := FromFHIR(c.Bundle)
		Run(us, p, doses, d(c.At))
	}
	t.Logf("525 cases in %v", time.Since(start))
}

func TestDayArithmetic(t *testing.T) {
	for dd := day(-800000); dd < 800000; dd += 7 {
		tm := time.Unix(int64(dd)*86400, 0).UTC()
		y, m, x := dd.civil()
		if y != tm.Year() || m != int(tm.Month()) || x != tm.Day() {
			t.Fatalf("civil(%d) = %d-%d-%d, want %s", dd, y, m, x, tm)
		}
		if back := dayOf(y, m, x); back != dd {
			t.Fatalf("dayOf(%d-%d-%d) = %d, want %d", y, m, x, back, dd)
		}
	}
	if got := dayOf(2025, 13, 1).String(); got != "2026-01-01" {
		t.Errorf("month 13: %s", got)
	}
	if got := dayOf(2025, 3, 1) - dayOf(2025, 2, 28); got != 1 {
		t.Errorf("2025-02-28 → 03-01: %d", got)
	}
}

func sortStrings(s []string) { slices.Sort(s) }

// A dose coded in SNOMED CT or ICD-11 counts through its antigens.
func TestNonCVXCodes(t *testing.T) {
	who, err := WHO()
	if err != nil {
		t.Fatal(err)
	}
	mmr := dose("a", "http://snomed.info/sct", "871831003", d("2017-04-15"))
	if len(mmr.Antigens) < 2 {
		t.Fatalf("SNOMED MMR maps to %v", mmr.Antigens)
	}
	mmr2 := dose("b", "http://id.who.int/icd/release/11/mms", "XM8TF3", d("2017-10-17"))
	res, err := Run(who, Patient{BirthDate: d("2016-04-12")}, []Dose{mmr, mmr2}, d("2026-12-07"))
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Group("MMR"); g.Status != Complete {
		t.Errorf("MMR from SNOMED and ICD-11 codes: %s", g.Status)
	}
}

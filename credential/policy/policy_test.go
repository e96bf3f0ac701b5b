package policy

import (
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/certlogic"
	"github.com/immunopass/immunopass/credential/vax"
)

const cvx = "http://hl7.org/fhir/sid/cvx"

type dose struct{ code, date string }

func record(t testing.TB, birth string, doses ...dose) *vax.Record {
	t.Helper()
	r := &vax.Record{Patient: vax.Patient{Family: "Haddad", Given: []string{"Amira"}}}
	if birth != "" {
		d, err := vax.ParseDate(birth)
		if err != nil {
			t.Fatal(err)
		}
		r.Patient.BirthDate = d
	}
	for _, x := range doses {
		d, err := vax.ParseDate(x.date)
		if err != nil {
			t.Fatal(err)
		}
		r.Immunizations = append(r.Immunizations, vax.Immunization{Vaccine: vax.Coding{System: cvx, Code: x.code},
			Date: d, Status: vax.StatusCompleted})
	}
	return r
}

func shippedSet(t testing.TB) *Set {
	t.Helper()
	s, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// failing lists the identifiers of the rules that did not pass, with their
// result: "SE-AE-0025:fail".
func failing(v Verdict) string {
	var out []string
	for _, r := range v.Failed() {
		out = append(out, r.ID+":"+r.Result)
	}
	return strings.Join(out, " ")
}

func TestYellowFever(t *testing.T) {
	c, _ := shippedSet(t).Context("yellow-fever")
	yf := func(date string) *vax.Record { return record(t, "1990-05-01", dose{"37", date}) }
	for _, tc := range []struct {
		name string
		rec  *vax.Record
		at   string
		want Outcome
	}{
		{"day 9: not yet valid", yf("2026-11-27"), "2026-12-06T23:59:59Z", Fails},
		{"day 10: valid", yf("2026-11-27"), "2026-12-07T00:00:00Z", Meets},
		{"day 10 noon", yf("2026-11-27"), "2026-12-07T12:00:00Z", Meets},
		{"the vaccination day", yf("2026-11-27"), "2026-11-27T10:00:00Z", Fails},
		{"for life: 40 years on", yf("1986-01-10"), "2026-12-07T00:00:00Z", Meets},
		{"across a month end", yf("2026-01-25"), "2026-02-04T00:00:00Z", Meets},
		{"across a month end, a day short", yf("2026-01-25"), "2026-02-03T23:00:00Z", Fails},
		{"no yellow fever dose", record(t, "1990-05-01", dose{"03", "1991-06-01"}), "2026-12-07T00:00:00Z", Fails},
		{"no dose at all", record(t, "1990-05-01"), "2026-12-07T00:00:00Z", Fails},
		{"dose dated by year only, maybe 10 days ago", yf("2026"), "2026-12-07T00:00:00Z", CannotTell},
		{"dose dated by year only, surely 10 days ago", yf("2026"), "2027-01-10T00:00:00Z", Meets},
		{"dose dated by year only, surely not yet", yf("2026"), "2026-01-10T23:00:00Z", Fails},
		{"dose dated by month only, maybe", yf("2026-11"), "2026-12-05T00:00:00Z", CannotTell},
		{"dose dated by month only, surely", yf("2026-11"), "2026-12-10T00:00:00Z", Meets},
		{"no birth date needed", record(t, "", dose{"37", "2020-01-01"}), "2026-12-07T00:00:00Z", Meets},
		{"a revaccination does not reset the first", record(t, "1990-05-01", dose{"37", "2010-01-01"}, dose{"37", "2026-12-01"}), "2026-12-07T00:00:00Z", Meets},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := c.Check(Subject{View: NewView(tc.rec, "shc", "")}, at(tc.at), "en")
			if v.Result != tc.want {
				t.Fatalf("%s, want %s (%+v)", v.Result, tc.want, v.Rules)
			}
			if tc.want == Fails && !strings.Contains(v.Failed()[0].Description, "10 days after the vaccination") {
				t.Fatalf("description %q", v.Failed()[0].Description)
			}
		})
	}
}

// uaeChild is a child born 2020-03-15 with every dose of the UAE schedule
// up to 24 months.
func uaeChild(t testing.TB, birth string, drop ...string) *vax.Record {
	doses := []dose{
		{"19", "2020-03-16"},  // BCG
		{"08", "2020-03-16"},  // hep B birth dose
		{"146", "2020-05-15"}, // hexavalent 1
		{"133", "2020-05-15"}, // PCV
		{"116", "2020-05-15"}, // rotavirus
		{"146", "2020-07-15"},
		{"133", "2020-07-15"},
		{"116", "2020-07-15"},
		{"146", "2020-09-15"},
		{"133", "2020-09-15"},
		{"94", "2021-03-15"},  // MMRV 1
		{"146", "2021-09-15"}, // hexavalent booster
		{"94", "2021-09-15"},  // MMRV 2
		{"83", "2021-09-15"},  // hep A
	}
	var keep []dose
	for _, d := range doses {
		dropped := false
		for _, x := range drop {
			if d.code+"@"+d.date == x {
				dropped = true
			}
		}
		if !dropped {
			keep = append(keep, d)
		}
	}
	return record(t, birth, keep...)
}

func TestSchoolEntryAE(t *testing.T) {
	c, _ := shippedSet(t).Context("school-entry-ae")
	for _, tc := range []struct {
		name  string
		rec   *vax.Record
		at    string
		want  Outcome
		fails string
	}{
		{"up to date at 6", uaeChild(t, "2020-03-15"), "2026-03-15T08:00:00Z", Meets, ""},
		{"the day before 7", uaeChild(t, "2020-03-15"), "2027-03-14T23:59:59Z", Meets, ""},
		{"on the 7th birthday the school booster is due", uaeChild(t, "2020-03-15"), "2027-03-15T00:00:00Z", Fails, "SE-AE-0026:fail SE-AE-0027:fail"},
		{"missing hepatitis A", uaeChild(t, "2020-03-15", "83@2021-09-15"), "2026-03-15T08:00:00Z", Fails, "SE-AE-0025:fail"},
		{"missing hepatitis A, before 24 months", uaeChild(t, "2020-03-15", "83@2021-09-15"), "2022-03-14T08:00:00Z", Meets, ""},
		{"missing hepatitis A, at 24 months", uaeChild(t, "2020-03-15", "83@2021-09-15"), "2022-03-15T00:00:00Z", Fails, "SE-AE-0025:fail"},
		{"Hib booster missed, past its catch-up at 5", uaeChild(t, "2020-03-15", "146@2021-09-15"), "2026-03-15T08:00:00Z", Fails,
			"SE-AE-0021:fail SE-AE-0022:fail"},
		{"Hib booster missed at 4", uaeChild(t, "2020-03-15", "146@2021-09-15"), "2024-03-15T08:00:00Z", Fails,
			"SE-AE-0021:fail SE-AE-0022:fail SE-AE-0023:fail"},
		{"birth year only, all doses", uaeChild(t, "2020"), "2026-06-01T00:00:00Z", Meets, ""},
		{"birth year only, around the 7-year line", uaeChild(t, "2020"), "2027-06-01T00:00:00Z", CannotTell, "SE-AE-0026:open SE-AE-0027:open"},
		{"birth year only, surely 7", uaeChild(t, "2020"), "2028-01-01T00:00:00Z", Fails, "SE-AE-0026:fail SE-AE-0027:fail"},
		{"birth month only, surely under 7", uaeChild(t, "2020-03"), "2027-02-28T00:00:00Z", Meets, ""},
		{"birth month only, in the month", uaeChild(t, "2020-03"), "2027-03-15T00:00:00Z", CannotTell, "SE-AE-0026:open SE-AE-0027:open"},
		{"no birth date, all doses so far", uaeChild(t, ""), "2026-03-15T08:00:00Z", CannotTell, "SE-AE-0026:open SE-AE-0027:open SE-AE-0028:open SE-AE-0029:open SE-AE-0030:open"},
		{"no doses at all at 6", record(t, "2020-03-15"), "2026-03-15T08:00:00Z", Fails, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := c.Check(Subject{View: NewView(tc.rec, "shc", "")}, at(tc.at), "en")
			if v.Result != tc.want {
				t.Fatalf("%s, want %s (failing: %s)", v.Result, tc.want, failing(v))
			}
			if tc.fails != "" && failing(v) != tc.fails {
				t.Fatalf("failing rules %q, want %q", failing(v), tc.fails)
			}
			if len(v.Rules) != 30 {
				t.Fatalf("%d rules evaluated, want 30", len(v.Rules))
			}
		})
	}
}

func TestOpenProblems(t *testing.T) {
	c, _ := shippedSet(t).Context("school-entry-ae")
	v := c.Check(Subject{View: NewView(uaeChild(t, "2020"), "shc", "")}, at("2027-06-01T00:00:00Z"), "fr")
	f := v.Failed()
	if len(f) == 0 || !strings.Contains(f[0].Problem, "2020") || !strings.Contains(f[0].Problem, "not precise enough") {
		t.Fatalf("problem %+v", f)
	}
	if !strings.Contains(f[0].Description, "la dose 5 est exigée à partir de l'âge de 7 ans") {
		t.Fatalf("French description %q", f[0].Description)
	}
	if v.Title != "Entrée à l'école aux Émirats arabes unis" {
		t.Fatalf("title %q", v.Title)
	}
	v = c.Check(Subject{View: NewView(uaeChild(t, ""), "shc", "")}, at("2026-03-15T08:00:00Z"), "ar")
	if f := v.Failed(); !strings.Contains(f[0].Problem, "does not show the birth date") || !strings.Contains(f[0].Description, "مطلوبة") {
		t.Fatalf("problem %+v", f[0])
	}
}

func TestSchoolEntryFR(t *testing.T) {
	c, _ := shippedSet(t).Context("school-entry-fr")
	// A child of 4 vaccinated on the French calendar.
	full := []dose{
		{"146", "2022-03-01"}, {"133", "2022-03-01"}, {"116", "2022-03-01"},
		{"163", "2022-04-01"}, {"116", "2022-04-01"},
		{"146", "2022-05-01"}, {"133", "2022-05-01"},
		{"163", "2022-06-01"},
		{"114", "2022-07-01"},
		{"146", "2022-12-01"}, {"133", "2022-12-01"},
		{"03", "2023-01-01"}, {"163", "2023-01-01"},
		{"03", "2023-05-01"},
	}
	rec := record(t, "2022-01-01", full...)
	if v := c.Check(Subject{View: NewView(rec, "sd-jwt-vc", "")}, at("2026-01-01T00:00:00Z"), "en"); v.Result != Meets {
		t.Fatalf("%s (failing: %s)", v.Result, failing(v))
	}
	noMMR2 := record(t, "2022-01-01", full[:len(full)-1]...)
	v := c.Check(Subject{View: NewView(noMMR2, "sd-jwt-vc", "")}, at("2026-01-01T00:00:00Z"), "en")
	if v.Result != Fails || failing(v) != "SE-FR-0020:fail" {
		t.Fatalf("%s (failing: %s)", v.Result, failing(v))
	}
	if d := v.Failed()[0].Description; d != "Measles, Mumps, Rubella: dose 2 is required from the age of 18 months." {
		t.Fatalf("description %q", d)
	}
	// 18 months to the day: 2023-07-01.
	if v := c.Check(Subject{View: NewView(noMMR2, "sd-jwt-vc", "")}, at("2023-06-30T12:00:00Z"), "en"); v.Result != Meets {
		t.Fatalf("the day before 18 months: %s (failing: %s)", v.Result, failing(v))
	}
}

func dcc(v map[string]any) map[string]any {
	return map[string]any{"ver": "1.3.0", "dob": "1990-01-01", "nam": map[string]any{"fn": "Haddad"}, "v": []any{v}}
}

func TestTravellerEU(t *testing.T) {
	c, _ := shippedSet(t).Context("traveller-eu")
	vacc := func(dn, sd int, dt, mp string) map[string]any {
		return dcc(map[string]any{"tg": "840539006", "vp": "1119349007", "mp": mp, "ma": "ORG-100030215", "dn": dn, "sd": sd,
			"dt": dt, "co": "FR", "is": "Ministère de la Santé", "ci": "URN:UVCI:01:FR:X"})
	}
	for _, tc := range []struct {
		name    string
		payload map[string]any
		kind    string
		at      string
		want    Outcome
		fails   string
	}{
		{"complete, 13 days", vacc(2, 2, "2021-06-01", "EU/1/20/1528"), "vaccination", "2021-06-14T23:00:00Z", Fails, "TR-EU-0004:fail"},
		{"complete, 14 days", vacc(2, 2, "2021-06-01", "EU/1/20/1528"), "vaccination", "2021-06-15T00:00:00Z", Meets, ""},
		{"complete, day 270", vacc(2, 2, "2021-06-01", "EU/1/20/1528"), "vaccination", "2022-02-26T00:00:00Z", Meets, ""},
		{"complete, day 271", vacc(2, 2, "2021-06-01", "EU/1/20/1528"), "vaccination", "2022-02-26T00:00:01Z", Fails, "TR-EU-0005:fail"},
		{"booster, no limit", vacc(3, 3, "2021-12-01", "EU/1/20/1528"), "vaccination", "2024-01-01T00:00:00Z", Meets, ""},
		{"incomplete", vacc(1, 2, "2021-06-01", "EU/1/20/1528"), "vaccination", "2021-07-01T00:00:00Z", Fails, "TR-EU-0003:fail"},
		{"not EU-authorised", vacc(2, 2, "2021-06-01", "BBIBP-CorV"), "vaccination", "2021-07-01T00:00:00Z", Fails, "TR-EU-0002:fail"},
		{"negative PCR, 48 h", dccTest("LP6464-4", "260415000", "2021-06-01T10:00:00Z"), "test", "2021-06-03T10:00:00Z", Meets, ""},
		{"negative PCR, 73 h", dccTest("LP6464-4", "260415000", "2021-06-01T10:00:00Z"), "test", "2021-06-04T11:00:00Z", Fails, "TR-EU-0007:fail"},
		{"positive rapid test", dccTest("LP217198-3", "260373001", "2021-06-01T10:00:00Z"), "test", "2021-06-01T12:00:00Z", Fails, "TR-EU-0006:fail"},
		{"recovery within its dates", dccRecovery("2021-05-01", "2021-10-01"), "recovery", "2021-10-01T12:00:00Z", Meets, ""},
		{"recovery after its dates", dccRecovery("2021-05-01", "2021-10-01"), "recovery", "2021-10-02T00:00:00Z", Fails, "TR-EU-0008:fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := c.Check(Subject{View: &View{Kind: tc.kind, Format: "hcert"}, DCC: tc.payload}, at(tc.at), "en")
			if v.Result != tc.want || failing(v) != tc.fails {
				t.Fatalf("%s (failing: %q), want %s (%q)", v.Result, failing(v), tc.want, tc.fails)
			}
		})
	}
}

func dccTest(tt, tr, sc string) map[string]any {
	return map[string]any{"ver": "1.3.0", "dob": "1990-01-01", "nam": map[string]any{"fn": "Haddad"},
		"t": []any{map[string]any{"tg": "840539006", "tt": tt, "tr": tr, "sc": sc, "tc": "Lab", "co": "FR", "is": "X", "ci": "URN:UVCI:01:FR:T"}}}
}

func dccRecovery(df, du string) map[string]any {
	return map[string]any{"ver": "1.3.0", "dob": "1990-01-01", "nam": map[string]any{"fn": "Haddad"},
		"r": []any{map[string]any{"tg": "840539006", "fr": "2021-04-20", "df": df, "du": du, "co": "FR", "is": "X", "ci": "URN:UVCI:01:FR:R"}}}
}

// The traveller rules on other formats read the view in EU DCC shape.
func TestTravellerOnView(t *testing.T) {
	c, _ := shippedSet(t).Context("traveller-eu")
	rec := record(t, "1990-01-01", dose{"208", "2021-05-01"}, dose{"208", "2021-06-01"})
	rec.Immunizations[0].DoseNumber, rec.Immunizations[0].SeriesDoses = 1, 2
	rec.Immunizations[1].DoseNumber, rec.Immunizations[1].SeriesDoses = 2, 2
	if v := c.Check(Subject{View: NewView(rec, "shc", "")}, at("2021-07-01T00:00:00Z"), "en"); v.Result != Meets {
		t.Fatalf("%s (failing: %s)", v.Result, failing(v))
	}
	// A SMART Health Card states no series size: completeness cannot be told.
	rec.Immunizations[1].SeriesDoses = 0
	v := c.Check(Subject{View: NewView(rec, "shc", "")}, at("2021-07-01T00:00:00Z"), "en")
	if v.Result != CannotTell || failing(v) != "TR-EU-0003:open TR-EU-0004:open TR-EU-0005:open" {
		t.Fatalf("%s (failing: %s)", v.Result, failing(v))
	}
	// No COVID-19 dose: does not meet.
	v = c.Check(Subject{View: NewView(record(t, "1990-01-01", dose{"37", "2020-01-01"}), "shc", "")}, at("2021-07-01T00:00:00Z"), "en")
	if v.Result != Fails {
		t.Fatalf("%s (failing: %s)", v.Result, failing(v))
	}
}

func TestNoRuleApplies(t *testing.T) {
	c, _ := shippedSet(t).Context("school-entry-fr")
	v := c.Check(Subject{View: &View{Kind: KindTest, Format: "hcert"}, DCC: dccTest("LP6464-4", "260415000", "2021-06-01T10:00:00Z")},
		at("2021-06-02T00:00:00Z"), "en")
	if v.Result != CannotTell || !strings.Contains(v.Problem, "no rule of \"school-entry-fr\" applies to a test credential") {
		t.Fatalf("%+v", v)
	}
}

func TestDiseaseKey(t *testing.T) {
	for in, want := range map[string]string{"Yellow fever": "yellowFever", "COVID-19": "covid19", "Hib": "hib",
		"Hepatitis B": "hepatitisB", "HPV": "hpv", "Japanese encephalitis": "japaneseEncephalitis"} {
		if got := DiseaseKey(in); got != want {
			t.Errorf("DiseaseKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestViewData(t *testing.T) {
	rec := record(t, "2016-04", dose{"03", "2017-04-15"}, dose{"03", "2017-10-17"})
	rec.Immunizations = append(rec.Immunizations, vax.Immunization{Vaccine: vax.Coding{System: cvx, Code: "37"}, Status: "entered-in-error"})
	d := NewView(rec, "shc", "").Data()
	p := d["person"].(map[string]any)
	if p["birthDate"] != "2016-04" || p["birthDateEarliest"] != "2016-04-01" || p["birthDateLatest"] != "2016-04-30" {
		t.Fatalf("person %v", p)
	}
	m := d["diseases"].(map[string]any)["measles"].(map[string]any)
	if m["count"] != 2 || m["first"] != "2017-04-15" || m["last"] != "2017-10-17" {
		t.Fatalf("measles %v", m)
	}
	if yf := d["diseases"].(map[string]any)["yellowFever"].(map[string]any); yf["count"] != 0 || yf["first"] != nil {
		t.Fatalf("a dose entered in error counted: %v", yf)
	}
	if n := len(d["doses"].([]any)); n != 2 {
		t.Fatalf("%d doses", n)
	}
}

func TestParseErrors(t *testing.T) {
	good := `{"name":"x","title":[{"lang":"en","desc":"X"}],"country":"AE","payload":"view","rules":[` + ruleJSON("AE", "Acceptance", `true`) + `]}`
	if _, err := Parse([]byte(`{"type":"` + Type + `","contexts":[` + good + `]}`)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"not JSON", `{`, "invalid context policy"},
		{"wrong type", `{"type":"other","contexts":[` + good + `]}`, `type "other"`},
		{"unknown member", `{"type":"` + Type + `","contexts":[` + good + `],"x":1}`, `unknown member "x"`},
		{"duplicate member", `{"type":"` + Type + `","type":"` + Type + `","contexts":[]}`, "duplicate"},
		{"no contexts", `{"type":"` + Type + `","contexts":[]}`, "non-empty array"},
		{"twice", `{"type":"` + Type + `","contexts":[` + good + `,` + good + `]}`, `"x" appears twice`},
		{"bad name", `{"type":"` + Type + `","contexts":[` + strings.Replace(good, `"x"`, `"X Y"`, 1) + `]}`, "lowercase"},
		{"bad payload", `{"type":"` + Type + `","contexts":[` + strings.Replace(good, `"view"`, `"fhir"`, 1) + `]}`, `payload "fhir"`},
		{"no title", `{"type":"` + Type + `","contexts":[` + strings.Replace(good, `[{"lang":"en","desc":"X"}]`, `[]`, 1) + `]}`, "title"},
		{"country mismatch", `{"type":"` + Type + `","contexts":[` + strings.Replace(good, `"country":"AE"`, `"country":"FR"`, 1) + `]}`, "is for country AE"},
		{"invalidation rule", `{"type":"` + Type + `","contexts":[` + strings.Replace(good, `"Acceptance"`, `"Invalidation"`, 1) + `]}`, "Acceptance rules"},
		{"bad logic", `{"type":"` + Type + `","contexts":[` + strings.Replace(good, `"Logic":true`, `"Logic":{"or":[true]}`, 1) + `]}`, "logic"},
		{"bad claim", `{"type":"` + Type + `","contexts":[` + strings.Replace(good, `"payload"`, `"claims":["Doses!"],"payload"`, 1) + `]}`, "claim"},
		{"too large", strings.Repeat(" ", MaxSize+1), "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !errors.Is(err, ErrPolicy) && !errors.Is(err, certlogic.ErrRule) {
				t.Fatalf("error %v wraps neither ErrPolicy nor certlogic.ErrRule", err)
			}
		})
	}
	s := shippedSet(t)
	if _, err := s.Lookup("school-entry-de"); err == nil || !strings.Contains(err.Error(), "known: school-entry-ae") {
		t.Fatalf("lookup error %v", err)
	}
}

func ruleJSON(country, typ, logic string) string {
	return `{"Identifier":"SE-` + country + `-0001","Type":"` + typ + `","Country":"` + country + `","Version":"1.0.0","SchemaVersion":"1.0.0",` +
		`"Engine":"CERTLOGIC","EngineVersion":"1.0.0","CertificateType":"Vaccination","Description":[{"lang":"en","desc":"d"}],` +
		`"ValidFrom":"2026-01-01T00:00:00Z","ValidTo":"2036-01-01T00:00:00Z","AffectedFields":[],"Logic":` + logic + `}`
}

// Parse then marshal gives a file that parses to the same contexts.
func TestRoundTrip(t *testing.T) {
	s := shippedSet(t)
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s2.Names(), ",") != strings.Join(s.Names(), ",") || len(s2.Contexts[0].Rules) != len(s.Contexts[0].Rules) {
		t.Fatal("round trip changed the set")
	}
}

// BenchmarkCheck50 evaluates a 50-rule context (the UAE and French
// school-entry rules together, 54 rules) over the neutral view of the demo
// child; the goal is ≤ 1 ms.
func BenchmarkCheck50(b *testing.B) {
	s := shippedSet(b)
	ae, _ := s.Context("school-entry-ae")
	fr, _ := s.Context("school-entry-fr")
	both := &Context{Name: "both", Title: ae.Title, Country: "AE", Payload: PayloadView}
	both.Rules = append(both.Rules, ae.Rules...)
	for _, r := range fr.Rules {
		c := *r
		c.Country = "AE"
		both.Rules = append(both.Rules, &c)
	}
	view := NewView(uaeChild(b, "2020-03-15"), "shc", "")
	now := at("2026-03-15T08:00:00Z")
	if v := both.Check(Subject{View: view}, now, "en"); len(v.Rules) < 50 {
		b.Fatalf("%d rules", len(v.Rules))
	}
	b.ReportAllocs()
	for b.Loop() {
		both.Check(Subject{View: view}, now, "en")
	}
}

// A challenge asks for what the context's rules read, and no more: the
// yellow-fever rule needs no birth date.
func TestClaimsNeeded(t *testing.T) {
	s := shippedSet(t)
	for name, want := range map[string]string{
		"school-entry-ae": "given_name family_name birthdate doses",
		"school-entry-fr": "given_name family_name birthdate doses",
		"yellow-fever":    "given_name family_name doses",
		"traveller-eu":    "given_name family_name birthdate doses",
	} {
		c, _ := s.Context(name)
		if got := strings.Join(c.ClaimsNeeded(), " "); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// Every disease of the vaccine code table is always in the view, so a rule
// can count doses against it without a guard.
func TestDiseasesCoverCodeTable(t *testing.T) {
	r := csv.NewReader(strings.NewReader(string(assets.VaccineCodes())))
	r.Comment, r.FieldsPerRecord = '#', -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for _, d := range strings.Split(row[3], ";") {
			if !slices.Contains(Diseases, d) {
				t.Errorf("disease %q (%s %s) is not in Diseases", d, row[0], row[1])
			}
		}
	}
}

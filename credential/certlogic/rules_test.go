package certlogic

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func loadRules(t testing.TB) []*Rule {
	t.Helper()
	raw, err := os.ReadFile("testdata/rules-eu.json")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := ParseRules(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func vaccination(dt string, dn, sd int, mp, ci string) map[string]any {
	return map[string]any{
		"ver": "1.3.0", "dob": "1990-01-01",
		"v": []any{map[string]any{"tg": "840539006", "mp": mp, "dn": int64(dn), "sd": int64(sd), "dt": dt, "co": "YY", "ci": ci}},
	}
}

func TestBusinessRules(t *testing.T) {
	rules := loadRules(t)
	ext := External{CountryCode: "XX", ValueSets: map[string][]string{"vaccines-covid-19-names": {"EU/1/20/1528", "EU/1/20/1507"}}}
	okCI := "URN:UVCI:01:YY:12345/abc#1"
	for _, tc := range []struct {
		name    string
		payload map[string]any
		at      string
		typ     string
		issuer  string
		want    Outcome
		failing []string
	}{
		{"complete, 14 days, accepted", vaccination("2021-08-01", 2, 2, "EU/1/20/1528", okCI), "2021-08-15T00:00:00Z", Vaccination, "YY", Pass, nil},
		{"13 days", vaccination("2021-08-01", 2, 2, "EU/1/20/1528", okCI), "2021-08-14T23:59:59Z", Vaccination, "YY", Fail, []string{"VR-XX-0002"}},
		{"version 1.1.0 from 2022: 21 days", vaccination("2022-01-01", 2, 2, "EU/1/20/1528", okCI), "2022-01-20T00:00:00Z", Vaccination, "YY", Fail, []string{"VR-XX-0002"}},
		{"version 1.1.0: 21 days reached", vaccination("2022-01-01", 2, 2, "EU/1/20/1528", okCI), "2022-01-22T00:00:00Z", Vaccination, "YY", Pass, nil},
		{"incomplete series", vaccination("2021-08-01", 1, 2, "EU/1/20/1528", okCI), "2021-09-01T00:00:00Z", Vaccination, "YY", Fail, []string{"VR-XX-0001"}},
		{"vaccine not accepted", vaccination("2021-08-01", 2, 2, "Sputnik-V", okCI), "2021-09-01T00:00:00Z", Vaccination, "YY", Fail, []string{"VR-XX-0003"}},
		{"invalidated by issuing country", vaccination("2021-08-01", 2, 2, "EU/1/20/1528", "URN:UVCI:01:YY:99/abc#1"), "2021-09-01T00:00:00Z", Vaccination, "YY", Fail, []string{"IR-YY-0001"}},
		{"invalidation of another country does not apply", vaccination("2021-08-01", 2, 2, "EU/1/20/1528", "URN:UVCI:01:YY:99/abc#1"), "2021-09-01T00:00:00Z", Vaccination, "WW", Pass, nil},
		{"malformed date: open", vaccination("01.08.2021", 2, 2, "EU/1/20/1528", okCI), "2021-09-01T00:00:00Z", Vaccination, "YY", Open, []string{"VR-XX-0002"}},
		{"test certificate", map[string]any{"t": []any{map[string]any{"tt": "LP6464-4"}}}, "2021-09-01T00:00:00Z", Test, "YY", Fail, []string{"TR-XX-0001"}},
		{"before every rule: open", vaccination("2021-01-01", 2, 2, "EU/1/20/1528", okCI), "2021-06-01T00:00:00Z", Vaccination, "YY", Open, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, _ := time.Parse(time.RFC3339, tc.at)
			e := ext
			e.ValidationClock = at
			res := Evaluate(rules, Data(tc.payload, e), Selection{At: at, Country: "XX", IssuerCountry: tc.issuer, CertificateType: tc.typ})
			if res.Outcome != tc.want {
				t.Fatalf("outcome %s, want %s (%+v)", res.Outcome, tc.want, res.Rules)
			}
			var failing []string
			for _, rr := range res.Failed() {
				failing = append(failing, rr.Rule.Identifier)
			}
			if fmt.Sprint(failing) != fmt.Sprint(tc.failing) {
				t.Fatalf("failing %v, want %v", failing, tc.failing)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	rules := loadRules(t)
	at := time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)
	sel := Select(rules, Selection{At: at, Country: "XX", CertificateType: Vaccination})
	var ids []string
	for _, r := range sel {
		ids = append(ids, r.Identifier+"@"+r.Version)
	}
	if got, want := strings.Join(ids, " "), "GR-XX-0001@1.0.0 VR-XX-0001@1.0.0 VR-XX-0002@1.1.0 VR-XX-0003@1.0.0"; got != want {
		t.Fatalf("selected %s, want %s", got, want)
	}
	if sel := Select(rules, Selection{At: time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC), Country: "XX", CertificateType: Vaccination}); len(sel) != 0 {
		t.Fatalf("ValidTo is exclusive, but %d rules apply at it", len(sel))
	}
}

func TestRuleText(t *testing.T) {
	r := loadRules(t)[0]
	if !strings.HasPrefix(r.Text("fr"), "La dernière") || !strings.HasPrefix(r.Text("ar"), "The last") {
		t.Fatalf("Text: fr %q, ar fallback %q", r.Text("fr"), r.Text("ar"))
	}
}

// TestRulesRoundTrip: a parsed rule set marshals back to a rule set that
// parses to the same rules.
func TestRulesRoundTrip(t *testing.T) {
	rules := loadRules(t)
	out, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseRules(out, nil)
	if err != nil {
		t.Fatalf("re-parsing %s: %v", out, err)
	}
	out2, _ := json.Marshal(again)
	if string(out) != string(out2) {
		t.Fatalf("round trip changed the rules:\n%s\n%s", out, out2)
	}
}

func TestParseRulesRejects(t *testing.T) {
	raw, _ := os.ReadFile("testdata/rules-eu.json")
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	base := list[0]
	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		wants string
	}{
		{"unknown member", func(m map[string]any) { m["Modifier"] = "x" }, "unknown member"},
		{"lower-case member", func(m map[string]any) { m["identifier"] = m["Identifier"]; delete(m, "Identifier") }, "unknown member"},
		{"bad identifier", func(m map[string]any) { m["Identifier"] = "rule one" }, "identifier"},
		{"bad type", func(m map[string]any) { m["Type"] = "acceptance" }, "type"},
		{"bad country", func(m map[string]any) { m["Country"] = "xx" }, "country"},
		{"bad version", func(m map[string]any) { m["Version"] = "1.0" }, "version"},
		{"newer engine", func(m map[string]any) { m["EngineVersion"] = "2.0.0" }, "newer"},
		{"other engine", func(m map[string]any) { m["Engine"] = "JSONLOGIC" }, "engine"},
		{"certificate type", func(m map[string]any) { m["CertificateType"] = "Passport" }, "certificate type"},
		{"valid from", func(m map[string]any) { m["ValidFrom"] = "2021-07-01" }, "RFC 3339"},
		{"window", func(m map[string]any) { m["ValidTo"] = "2021-06-01T00:00:00Z" }, "not after"},
		{"description", func(m map[string]any) { m["Description"] = []any{} }, "Description"},
		{"description lang", func(m map[string]any) { m["Description"] = []any{map[string]any{"lang": "English", "desc": "x"}} }, "language"},
		{"missing logic", func(m map[string]any) { delete(m, "Logic") }, "Logic is missing"},
		{"bad logic", func(m map[string]any) { m["Logic"] = map[string]any{"map": []any{}} }, "unrecognised operator"},
		{"affected fields", func(m map[string]any) { m["AffectedFields"] = "v.0" }, "AffectedFields"},
	} {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		tc.edit(m)
		b, _ := json.Marshal(m)
		_, err := ParseRules(b, nil)
		if err == nil || !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), tc.wants) {
			t.Errorf("%s: %v, want ErrRule containing %q", tc.name, err, tc.wants)
		}
	}
	dup := append([]map[string]any{base}, base)
	b, _ := json.Marshal(dup)
	if _, err := ParseRules(b, nil); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate rule: %v", err)
	}
	if _, err := ParseRules([]byte(`"rules"`), nil); err == nil {
		t.Error("a string parsed as rules")
	}
}

// fiftyRules makes 50 realistic rules: the test file's logic, repeated with
// distinct identifiers.
func fiftyRules(t testing.TB) []*Rule {
	raw, _ := os.ReadFile("testdata/rules-eu.json")
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for i := range 50 {
		m := map[string]any{}
		for k, v := range list[i%4] {
			m[k] = v
		}
		m["Identifier"] = fmt.Sprintf("VR-XX-%04d", 100+i)
		out = append(out, m)
	}
	b, _ := json.Marshal(out)
	rules, err := ParseRules(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// BenchmarkRuleSet50 evaluates one rule set of 50 rules (selection included)
// against one certificate; the goal is ≤ 1 ms.
func BenchmarkRuleSet50(b *testing.B) {
	rules := fiftyRules(b)
	at := time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)
	data := Data(vaccination("2021-08-01", 2, 2, "EU/1/20/1528", "URN:UVCI:01:YY:1/a#1"),
		External{ValidationClock: at, CountryCode: "XX", ValueSets: map[string][]string{"vaccines-covid-19-names": {"EU/1/20/1528"}}})
	sel := Selection{At: at, Country: "XX", IssuerCountry: "YY", CertificateType: Vaccination}
	if n := len(Select(rules, sel)); n != 50 {
		b.Fatalf("%d rules selected, want 50", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := Evaluate(rules, data, sel); res.Outcome != Pass {
			b.Fatalf("outcome %s", res.Outcome)
		}
	}
}

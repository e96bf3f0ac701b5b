package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/assets/i18n"
)

var update = flag.Bool("update", false, "rewrite assets/policies/contexts.json from the schedules")

// The shipped policies are generated from assets/schedules by this file:
// TestShipped fails when the committed file differs from what the
// schedules give (run with -update to rewrite it).

type scheduleFile struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Country string            `json:"country"`
	Source  string            `json:"source"`
	CatchUp map[string]string `json:"catchUp"`
	Doses   []struct {
		Vaccine  string   `json:"vaccine"`
		Diseases []string `json:"diseases"`
		Age      string   `json:"age"`
		By       string   `json:"by"`
	} `json:"doses"`
}

// age is a schedule age: "0d", "2m", "18m", "5y".
type age struct {
	n    int
	unit string // day, month, year
}

func parseAge(s string) (age, error) {
	if len(s) < 2 {
		return age{}, fmt.Errorf("age %q", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil {
		return age{}, fmt.Errorf("age %q", s)
	}
	switch s[len(s)-1] {
	case 'd':
		return age{n, "day"}, nil
	case 'm':
		return age{n, "month"}, nil
	case 'y':
		return age{n, "year"}, nil
	}
	return age{}, fmt.Errorf("age %q", s)
}

func (a age) months() float64 {
	switch a.unit {
	case "day":
		return float64(a.n) / 30.4
	case "year":
		return float64(a.n) * 12
	}
	return float64(a.n)
}

func (a age) words(lang string) string {
	if a.n == 0 {
		return map[string]string{"en": "birth", "fr": "la naissance", "ar": "الولادة"}[lang]
	}
	one := a.n == 1
	switch lang {
	case "fr":
		u := map[string]string{"day": "jours", "month": "mois", "year": "ans"}[a.unit]
		if one {
			u = map[string]string{"day": "jour", "month": "mois", "year": "an"}[a.unit]
		}
		return fmt.Sprintf("%d %s", a.n, u)
	case "ar":
		// Arabic counts: 1 and 2 have their own forms, 3–10 take the
		// plural, 11 and more the singular.
		forms := map[string][4]string{
			"day":   {"يوم واحد", "يومان", "أيام", "يومًا"},
			"month": {"شهر واحد", "شهران", "أشهر", "شهرًا"},
			"year":  {"سنة واحدة", "سنتان", "سنوات", "سنة"},
		}[a.unit]
		switch {
		case a.n == 1:
			return forms[0]
		case a.n == 2:
			return forms[1]
		case a.n <= 10:
			return fmt.Sprintf("%d %s", a.n, forms[2])
		}
		return fmt.Sprintf("%d %s", a.n, forms[3])
	}
	u := a.unit + "s"
	if one {
		u = a.unit
	}
	return fmt.Sprintf("%d %s", a.n, u)
}

func diseaseName(lang, d string) string {
	var m map[string]any
	if err := json.Unmarshal(i18n.File(lang), &m); err != nil {
		panic(err)
	}
	if s, ok := m["disease."+d].(string); ok && s != "" {
		return s
	}
	panic("no " + lang + " name for " + d)
}

func desc(en, fr, ar string) []map[string]string {
	return []map[string]string{{"lang": "en", "desc": en}, {"lang": "fr", "desc": fr}, {"lang": "ar", "desc": ar}}
}

func rule(id, country, certType string, description []map[string]string, affected []string, logic any) map[string]any {
	return map[string]any{
		"Identifier": id, "Type": "Acceptance", "Country": country, "Version": "1.0.0", "SchemaVersion": "1.0.0",
		"Engine": "CERTLOGIC", "EngineVersion": "1.0.0", "CertificateType": certType, "Description": description,
		"ValidFrom": "2020-01-01T00:00:00Z", "ValidTo": "2036-01-01T00:00:00Z", "AffectedFields": affected, "Logic": logic,
	}
}

func v(path string) any            { return map[string]any{"var": path} }
func ifx(c, a, b any) any          { return map[string]any{"if": []any{c, a, b}} }
func op(name string, a ...any) any { return map[string]any{name: a} }
func plus(x any, n int, unit string) any {
	return map[string]any{"plusTime": []any{x, n, unit}}
}

// clock is the validation clock as a date-time; undetermined is a value
// that is neither truthy nor falsy, which CertLogic rule evaluation reports
// as open ("cannot tell").
var clock = plus(v("external.validationClock"), 0, "day")
var undetermined = clock

// schoolReq is what a generated school-entry rule requires, for the
// per-rule tests: dose k of every disease listed, from age by, until
// catchUp (nil: no limit).
type schoolReq struct {
	diseases []string
	k        int
	by       age
	catchUp  *age
}

// schoolReqs holds the requirement of every generated rule, by identifier.
var schoolReqs = map[string]schoolReq{}

// schoolEntry derives a school-entry context from a schedule: for every
// disease, its k-th dose is required from the age at which the schedule
// wants it given ("by"), while the disease's catch-up limit has not passed.
func schoolEntry(t testing.TB, file string, titles []map[string]string) map[string]any {
	var s scheduleFile
	if err := json.Unmarshal(assets.Schedules()[file], &s); err != nil {
		t.Fatal(err)
	}
	// Each disease's doses in schedule order, as "by" ages.
	byDisease := map[string][]age{}
	var order []string
	for _, d := range s.Doses {
		by, err := parseAge(d.By)
		if err != nil {
			t.Fatal(err)
		}
		if by.months() > 18*12 {
			continue
		}
		for _, dis := range d.Diseases {
			if _, seen := byDisease[dis]; !seen {
				order = append(order, dis)
			}
			byDisease[dis] = append(byDisease[dis], by)
		}
	}
	// Diseases with the same doses at the same ages and the same catch-up
	// limit share rules (diphtheria, tetanus and pertussis; measles, mumps
	// and rubella).
	type group struct {
		diseases []string
		ages     []age
		catchUp  string
	}
	var groups []*group
	for _, dis := range order {
		ages, lim := byDisease[dis], s.CatchUp[dis]
		var g *group
		for _, o := range groups {
			if o.catchUp == lim && fmt.Sprint(o.ages) == fmt.Sprint(ages) {
				g = o
			}
		}
		if g == nil {
			g = &group{ages: ages, catchUp: lim}
			groups = append(groups, g)
		}
		g.diseases = append(g.diseases, dis)
	}
	type req struct {
		g  *group
		k  int
		by age
	}
	var reqs []req
	for _, g := range groups {
		for i, by := range g.ages {
			reqs = append(reqs, req{g, i + 1, by})
		}
	}
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].by.months() < reqs[j].by.months() })
	names := func(lang string, ds []string) string {
		var out []string
		for _, d := range ds {
			out = append(out, diseaseName(lang, d))
		}
		if lang == "ar" {
			return strings.Join(out, "، ")
		}
		return strings.Join(out, ", ")
	}
	var rules []any
	for i, r := range reqs {
		var counts []any
		affected := []string{"person.birthDate"}
		for _, d := range r.g.diseases {
			key := DiseaseKey(d)
			counts = append(counts, op(">=", v("payload.diseases."+key+".count"), r.k))
			affected = append(affected, "diseases."+key+".count")
		}
		have := counts[0]
		if len(counts) > 1 {
			have = op("and", counts...)
		}
		young := op("after", plus(v("payload.person.birthDateEarliest"), r.by.n, r.by.unit), clock)
		old := op("not-after", plus(v("payload.person.birthDateLatest"), r.by.n, r.by.unit), clock)
		decide := ifx(old, false, undetermined)
		en := fmt.Sprintf("%s: dose %d is required from the age of %s", names("en", r.g.diseases), r.k, r.by.words("en"))
		fr := fmt.Sprintf("%s : la dose %d est exigée à partir de %s", names("fr", r.g.diseases), r.k, frFrom(r.by))
		ar := fmt.Sprintf("%s: الجرعة %d مطلوبة ابتداءً من %s", names("ar", r.g.diseases), r.k, arFrom(r.by))
		if r.g.catchUp != "" {
			l, err := parseAge(r.g.catchUp)
			if err != nil {
				t.Fatal(err)
			}
			past := op("not-after", plus(v("payload.person.birthDateLatest"), l.n, l.unit), clock)
			maybePast := op("not-after", plus(v("payload.person.birthDateEarliest"), l.n, l.unit), clock)
			decide = ifx(past, true, ifx(maybePast, undetermined, decide))
			en += fmt.Sprintf(", until %s (no catch-up after)", l.words("en"))
			fr += fmt.Sprintf(", jusqu'à %s (pas de rattrapage après)", l.words("fr"))
			ar += fmt.Sprintf("، حتى عمر %s (لا تعويض بعده)", l.words("ar"))
		}
		logic := ifx(have, true, ifx(young, true, decide))
		id := fmt.Sprintf("SE-%s-%04d", s.Country, i+1)
		sr := schoolReq{diseases: r.g.diseases, k: r.k, by: r.by}
		if r.g.catchUp != "" {
			l, _ := parseAge(r.g.catchUp)
			sr.catchUp = &l
		}
		schoolReqs[id] = sr
		rules = append(rules, rule(id, s.Country, "Vaccination", desc(en+".", fr+".", ar+"."), affected, logic))
	}
	return map[string]any{
		"name": "school-entry-" + strings.ToLower(s.Country), "title": titles, "country": s.Country, "payload": PayloadView,
		"claims": []string{"given_name", "family_name"}, "rules": rules,
	}
}

func frFrom(a age) string {
	if a.n == 0 {
		return "la naissance"
	}
	return "l'âge de " + a.words("fr")
}

func arFrom(a age) string {
	if a.n == 0 {
		return "الولادة"
	}
	return "عمر " + a.words("ar")
}

func yellowFever() map[string]any {
	first := v("payload.diseases.yellowFever.first")
	earliest := v("payload.diseases.yellowFever.firstEarliest")
	logic := ifx(op(">", v("payload.diseases.yellowFever.count"), 0),
		ifx(op("not-after", plus(first, 10, "day"), clock), true,
			ifx(op("not-after", plus(earliest, 10, "day"), clock), undetermined, false)), false)
	return map[string]any{
		"name": "yellow-fever", "country": "UN", "payload": PayloadView,
		"title":  desc("Yellow fever vaccination (IHR, Annex 7)", "Vaccination contre la fièvre jaune (RSI, annexe 7)", "التطعيم ضد الحمى الصفراء (اللوائح الصحية الدولية، المرفق 7)"),
		"claims": []string{"given_name", "family_name"},
		"rules": []any{rule("YF-UN-0001", "UN", "Vaccination", desc(
			"A yellow fever vaccination is required; it is valid from 10 days after the vaccination, for life.",
			"Une vaccination contre la fièvre jaune est exigée ; elle est valable à partir du 10e jour après la vaccination, à vie.",
			"يلزم التطعيم ضد الحمى الصفراء؛ وهو صالح بعد 10 أيام من التطعيم، مدى الحياة."),
			[]string{"diseases.yellowFever.count", "diseases.yellowFever.first"}, logic)},
	}
}

// traveller is a rule set in EU DCC business-rule form over EU DCC
// payloads (ver 1.3), as the EU's national verifier apps run them.
func traveller() map[string]any {
	v0 := "payload.v.0"
	euVaccines := []any{"EU/1/20/1528", "EU/1/20/1507", "EU/1/21/1529", "EU/1/20/1525", "EU/1/21/1618",
		"EU/1/21/1624", "EU/1/21/1580", "EU/1/22/1709"}
	rules := []any{
		rule("TR-EU-0001", "EU", "Vaccination", desc(
			"The vaccination must be against COVID-19.",
			"La vaccination doit être contre la COVID-19.",
			"يجب أن يكون التطعيم ضد كوفيد-19."),
			[]string{"v.0", "v.0.tg"},
			ifx(v(v0), op("===", v(v0+".tg"), "840539006"), false)),
		rule("TR-EU-0002", "EU", "Vaccination", desc(
			"The vaccine must be authorised in the European Union.",
			"Le vaccin doit être autorisé dans l'Union européenne.",
			"يجب أن يكون اللقاح مرخصًا في الاتحاد الأوروبي."),
			[]string{"v.0", "v.0.mp"},
			ifx(v(v0), op("in", v(v0+".mp"), euVaccines), false)),
		rule("TR-EU-0003", "EU", "Vaccination", desc(
			"The vaccination series must be complete (dose number at least the number of doses in the series).",
			"La série vaccinale doit être complète (numéro de dose au moins égal au nombre de doses de la série).",
			"يجب أن تكون سلسلة التطعيم مكتملة (رقم الجرعة لا يقل عن عدد جرعات السلسلة)."),
			[]string{"v.0", "v.0.dn", "v.0.sd"},
			ifx(v(v0), op(">=", v(v0+".dn"), v(v0+".sd")), false)),
		rule("TR-EU-0004", "EU", "Vaccination", desc(
			"At least 14 days must have passed since the dose that completed the primary series.",
			"Au moins 14 jours doivent s'être écoulés depuis la dose qui a complété la primovaccination.",
			"يجب أن تمضي 14 يومًا على الأقل منذ الجرعة التي أكملت السلسلة الأولية."),
			[]string{"v.0", "v.0.dn", "v.0.sd", "v.0.dt"},
			ifx(v(v0), ifx(op("and", op("<=", v(v0+".dn"), v(v0+".sd")), op("<", v(v0+".dn"), 3)),
				op("not-before", clock, plus(v(v0+".dt"), 14, "day")), true), false)),
		rule("TR-EU-0005", "EU", "Vaccination", desc(
			"A primary series without a booster (a third dose, or a dose beyond the series) counts for 270 days.",
			"Une primovaccination sans rappel (troisième dose, ou dose au-delà de la série) vaut 270 jours.",
			"تُحتسب السلسلة الأولية دون جرعة معززة (جرعة ثالثة أو جرعة تتجاوز السلسلة) لمدة 270 يومًا."),
			[]string{"v.0", "v.0.dn", "v.0.sd", "v.0.dt"},
			ifx(v(v0), ifx(op("and", op("<=", v(v0+".dn"), v(v0+".sd")), op("<", v(v0+".dn"), 3)),
				op("not-after", clock, plus(v(v0+".dt"), 270, "day")), true), false)),
		rule("TR-EU-0006", "EU", "Test", desc(
			"The test result must be negative.",
			"Le résultat du test doit être négatif.",
			"يجب أن تكون نتيجة الاختبار سلبية."),
			[]string{"t.0", "t.0.tr"},
			ifx(v("payload.t.0"), op("===", v("payload.t.0.tr"), "260415000"), false)),
		rule("TR-EU-0007", "EU", "Test", desc(
			"The sample must have been taken at most 72 hours ago for a PCR test, 24 hours for a rapid antigen test.",
			"Le prélèvement doit dater de 72 heures au plus pour un test PCR, de 24 heures pour un test antigénique rapide.",
			"يجب أن تكون العينة قد أُخذت قبل 72 ساعة على الأكثر لاختبار PCR، و24 ساعة لاختبار المستضد السريع."),
			[]string{"t.0", "t.0.tt", "t.0.sc"},
			ifx(op("===", v("payload.t.0.tt"), "LP6464-4"),
				op("before", clock, plus(v("payload.t.0.sc"), 72, "hour")),
				ifx(op("===", v("payload.t.0.tt"), "LP217198-3"),
					op("before", clock, plus(v("payload.t.0.sc"), 24, "hour")), false))),
	}
	rules = append(rules, rule("TR-EU-0008", "EU", "Recovery", desc(
		"The recovery certificate must be within its validity dates.",
		"Le certificat de rétablissement doit être dans sa période de validité.",
		"يجب أن تكون شهادة التعافي ضمن فترة صلاحيتها."),
		[]string{"r.0", "r.0.df", "r.0.du"},
		ifx(v("payload.r.0"), op("and",
			op("not-before", clock, plus(v("payload.r.0.df"), 0, "day")),
			op("before", clock, plus(v("payload.r.0.du"), 1, "day"))), false)))
	return map[string]any{
		"name": "traveller-eu", "country": "EU", "payload": PayloadDCC,
		"title":  desc("Traveller entering the EU (EU DCC rules)", "Voyageur entrant dans l'UE (règles du certificat COVID numérique de l'UE)", "مسافر يدخل الاتحاد الأوروبي (قواعد الشهادة الرقمية للاتحاد الأوروبي)"),
		"claims": []string{"given_name", "family_name", "birthdate", "doses"},
		"rules":  rules,
	}
}

func shipped(t testing.TB) []byte {
	set := map[string]any{"type": Type, "contexts": []any{
		schoolEntry(t, "ae.json", desc("School entry in the United Arab Emirates", "Entrée à l'école aux Émirats arabes unis", "الالتحاق بالمدرسة في الإمارات العربية المتحدة")),
		schoolEntry(t, "fr.json", desc("School entry in France", "Entrée à l'école en France", "الالتحاق بالمدرسة في فرنسا")),
		yellowFever(),
		traveller(),
	}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(set); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestShipped(t *testing.T) {
	want := shipped(t)
	if *update {
		if err := os.WriteFile("../../assets/policies/contexts.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := assets.ContextPolicies()
	if !bytes.Equal(got, want) {
		t.Fatalf("assets/policies/contexts.json is not what the schedules give; run go test ./credential/policy -run TestShipped -update")
	}
	set, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Join(set.Names(), " "); n != "school-entry-ae school-entry-fr yellow-fever traveller-eu" {
		t.Fatalf("contexts %s", n)
	}
	for _, c := range set.Contexts {
		for _, r := range c.Rules {
			for _, lang := range []string{"en", "fr", "ar"} {
				found := false
				for _, d := range r.Description {
					found = found || d.Lang == lang
				}
				if !found {
					t.Errorf("%s %s: no %s description", c.Name, r.Identifier, lang)
				}
			}
		}
	}
}

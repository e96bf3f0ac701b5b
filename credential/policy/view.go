package policy

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/immunopass/immunopass/credential/vax"
)

// Kinds of credential a view can hold.
const (
	KindVaccination = "vaccination"
	KindTest        = "test"
	KindRecovery    = "recovery"
)

// Diseases are the target diseases a view always reports (with a count of 0
// when the record has no dose against one), by their names in the vaccine
// code table (assets/vaccines.csv). A rule reads them by [DiseaseKey].
var Diseases = []string{"COVID-19", "Diphtheria", "HPV", "Hepatitis A", "Hepatitis B", "Hib", "Influenza",
	"Japanese encephalitis", "Measles", "Meningococcal", "Mumps", "Pertussis", "Pneumococcal", "Polio",
	"Rabies", "Rotavirus", "Rubella", "Tetanus", "Tuberculosis", "Typhoid", "Varicella", "Yellow fever", "Zoster"}

// DiseaseKey is the name a rule uses for a disease in data-access paths:
// lower camel case of its letters and digits ("Yellow fever" → "yellowFever",
// "COVID-19" → "covid19", "Hib" → "hib").
func DiseaseKey(name string) string {
	var b strings.Builder
	for i, w := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if i == 0 {
			b.WriteString(strings.ToLower(w))
			continue
		}
		rs := []rune(w)
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(string(rs[1:]))
	}
	return b.String()
}

// SNOMED CT codes of the diseases an EU DCC names in "tg".
var snomedDiseases = map[string]string{
	"840539006": "COVID-19",
	"16541001":  "Yellow fever",
	"14189004":  "Measles",
	"398102009": "Polio",
}

// DiseaseOfSNOMED returns the disease an EU DCC's "tg" code names, or "".
func DiseaseOfSNOMED(code string) string { return snomedDiseases[code] }

// View is the format-neutral view of one verified credential: what every
// format yields (a SMART Health Card, an SD-JWT VC presentation, an EU DCC),
// as the CertLogic "payload" of context rules. Its JSON form ([View.Data]):
//
//	{"kind": "vaccination", "format": "shc",
//	 "person": {"name", "birthDate" (as given: 2016, 2016-04 or 2016-04-12),
//	            "birthDateEarliest", "birthDateLatest" (full dates; absent without a birth date)},
//	 "doses": [{"disease", "diseases": [key…], "vaccine": {"system","code","display"}, "date", "dose"}],
//	 "diseases": {"<key>": {"count", "first", "last", "firstEarliest"}}}
//
// Dates are as the credential gives them (a year, a month or a day); a
// partial date reads in CertLogic as its last possible day, and
// "firstEarliest" is the first dose's earliest possible day, so that a rule
// can tell "surely" from "maybe".
//
// Every disease of [Diseases] is in "diseases", with count 0 and no dates
// when no dose targets it, so a rule can test a count without a guard.
type View struct {
	Kind   string
	Format string
	Person Person
	Doses  []Dose
}

// Person is who the credential is about, as far as it discloses.
type Person struct {
	Name      string
	BirthDate vax.Date // zero when not disclosed
}

// Dose is one vaccination.
type Dose struct {
	Diseases []string // target diseases by name, primary first; empty when the vaccine is unknown
	System   string
	Code     string
	Display  string
	Date     vax.Date
	Number   int // dose number, 0 when unknown
	Series   int // doses in the series, 0 when unknown
}

// NewView builds the view of a verified record. format names the credential
// format; kind is "vaccination", "test" or "recovery" ("" means vaccination).
// Doses that were not completed (entered in error, not done) are left out.
func NewView(rec *vax.Record, format, kind string) *View {
	if kind == "" {
		kind = KindVaccination
	}
	v := &View{Kind: kind, Format: format}
	if rec == nil {
		return v
	}
	v.Person = Person{Name: rec.Patient.Name(), BirthDate: rec.Patient.BirthDate}
	for _, im := range rec.Immunizations {
		if im.Status != "" && im.Status != vax.StatusCompleted {
			continue
		}
		v.Doses = append(v.Doses, Dose{
			Diseases: vax.Diseases(im.Vaccine.System, im.Vaccine.Code),
			System:   im.Vaccine.System, Code: im.Vaccine.Code, Display: im.Vaccine.Display,
			Date: im.Date, Number: im.DoseNumber, Series: im.SeriesDoses,
		})
	}
	return v
}

func dateString(d vax.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// latest is the last day a partial date can be.
func latest(d vax.Date) time.Time {
	switch d.Precision() {
	case "year":
		return time.Date(d.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	case "month":
		return time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return d.Earliest()
}

// Data returns the view as CertLogic data (maps, slices, strings, ints).
func (v *View) Data() map[string]any {
	person := map[string]any{"name": v.Person.Name, "birthDate": dateString(v.Person.BirthDate)}
	if !v.Person.BirthDate.IsZero() {
		person["birthDateEarliest"] = v.Person.BirthDate.Earliest().Format(time.DateOnly)
		person["birthDateLatest"] = latest(v.Person.BirthDate).Format(time.DateOnly)
	}
	type sum struct {
		count       int
		first, last vax.Date
	}
	sums := make(map[string]*sum, len(Diseases))
	for _, d := range Diseases {
		sums[DiseaseKey(d)] = &sum{}
	}
	doses := make([]any, 0, len(v.Doses))
	for _, d := range v.Doses {
		keys := make([]any, 0, len(d.Diseases))
		primary := any(nil)
		for i, name := range d.Diseases {
			k := DiseaseKey(name)
			keys = append(keys, k)
			if i == 0 {
				primary = k
			}
			s := sums[k]
			if s == nil {
				s = &sum{}
				sums[k] = s
			}
			s.count++
			if !d.Date.IsZero() {
				if s.first.IsZero() || d.Date.Compare(s.first) < 0 {
					s.first = d.Date
				}
				if s.last.IsZero() || d.Date.Compare(s.last) > 0 {
					s.last = d.Date
				}
			}
		}
		dose := map[string]any{
			"disease":  primary,
			"diseases": keys,
			"vaccine":  map[string]any{"system": d.System, "code": d.Code, "display": d.Display},
			"date":     dateString(d.Date),
		}
		if d.Number > 0 {
			dose["dose"] = d.Number
		}
		doses = append(doses, dose)
	}
	diseases := make(map[string]any, len(sums))
	for k, s := range sums {
		m := map[string]any{"count": s.count, "first": dateString(s.first), "last": dateString(s.last)}
		if !s.first.IsZero() {
			m["firstEarliest"] = s.first.Earliest().Format(time.DateOnly)
		}
		diseases[k] = m
	}
	return map[string]any{"kind": v.Kind, "format": v.Format, "person": person, "doses": doses, "diseases": diseases}
}

// COVID-19 vaccines by CVX code → their EU marketing authorisation (the
// "mp" of an EU DCC), for rules written against EU DCC payloads.
var cvxToEU = map[string]string{
	"207": "EU/1/20/1507", "221": "EU/1/20/1507", "228": "EU/1/20/1507",
	"208": "EU/1/20/1528", "217": "EU/1/20/1528", "218": "EU/1/20/1528", "219": "EU/1/20/1528",
	"210": "EU/1/21/1529", "212": "EU/1/20/1525", "211": "EU/1/21/1618",
}

// DCC returns the view in the shape of an EU DCC payload, for rules written
// in EU DCC business-rule form, when the credential is not itself an EU DCC:
// {"ver", "nam": {"fn"}, "dob", "v": [the last COVID-19 dose]}. "tg" is
// 840539006, "mp" the EU product code when the vaccine's CVX code maps to
// one (else its own code), "dn" and "sd" as far as known (absent when not).
// Other diseases have no place in an EU DCC; a record without a COVID-19
// dose gives an empty "v".
func (v *View) DCC() map[string]any {
	p := map[string]any{"ver": "1.3.0", "nam": map[string]any{"fn": v.Person.Name}, "dob": ""}
	if !v.Person.BirthDate.IsZero() {
		p["dob"] = v.Person.BirthDate.String()
	}
	var last *Dose
	for i := range v.Doses {
		d := &v.Doses[i]
		if !slices.Contains(d.Diseases, "COVID-19") || d.Date.IsZero() {
			continue
		}
		if last == nil || d.Date.Compare(last.Date) >= 0 {
			last = d
		}
	}
	list := []any{}
	if last != nil {
		mp := last.Code
		if last.System == "http://hl7.org/fhir/sid/cvx" {
			if eu, ok := cvxToEU[strings.TrimLeft(last.Code, "0")]; ok {
				mp = eu
			}
		}
		e := map[string]any{"tg": "840539006", "mp": mp, "dt": last.Date.String()}
		if last.Number > 0 {
			e["dn"] = last.Number
		}
		if last.Series > 0 {
			e["sd"] = last.Series
		}
		list = append(list, e)
	}
	p["v"] = list
	return p
}

package policy

import (
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
)

// before returns the day that is the age a before at.
func (a age) before(at time.Time) time.Time {
	switch a.unit {
	case "year":
		return at.AddDate(-a.n, 0, 0)
	case "month":
		return at.AddDate(0, -a.n, 0)
	}
	return at.AddDate(0, 0, -a.n)
}

func date(t time.Time) vax.Date { return vax.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()} }

// TestEverySchoolRule checks each generated school-entry rule of both
// contexts at its own lines: a dose short the day before the age and on the
// day (birthday exactly), with the dose on the day, with a birth month that
// straddles the line, and around the catch-up limit.
func TestEverySchoolRule(t *testing.T) {
	shipped(t) // fills schoolReqs
	set := shippedSet(t)
	clock := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	day := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	n := 0
	for _, name := range []string{"school-entry-ae", "school-entry-fr"} {
		c, _ := set.Context(name)
		for _, r := range c.Rules {
			req, ok := schoolReqs[r.Identifier]
			if !ok {
				t.Fatalf("%s: no requirement recorded", r.Identifier)
			}
			n++
			view := func(birth vax.Date, doses int) *View {
				v := &View{Kind: KindVaccination, Format: "test", Person: Person{BirthDate: birth}}
				for i := 0; i < doses; i++ {
					v.Doses = append(v.Doses, Dose{Diseases: req.diseases, Date: date(day.AddDate(0, 0, -1))})
				}
				return v
			}
			onLine := req.by.before(day)
			cases := []ruleCase{
				{"a dose short, the day before", date(onLine.AddDate(0, 0, 1)), req.k - 1, "pass"},
				{"a dose short, on the day", date(onLine), req.k - 1, "fail"},
				{"all doses, on the day", date(onLine), req.k, "pass"},
				{"a dose short, birth month straddles the line", vax.Date{Year: onLine.Year(), Month: int(onLine.Month())}, req.k - 1, "open"},
				{"a dose short, birth year far before", vax.Date{Year: onLine.Year() - 1}, req.k - 1, "fail"},
				{"a dose short, no birth date", vax.Date{}, req.k - 1, "open"},
				{"all doses, no birth date", vax.Date{}, req.k, "pass"},
			}
			if req.catchUp != nil {
				limit := req.catchUp.before(day)
				cases[4].want = "" // a year earlier may be past the catch-up limit
				cases = append(cases,
					ruleCase{"a dose short, the day the catch-up ends", date(limit), req.k - 1, "pass"},
					ruleCase{"a dose short, the day before the catch-up ends", date(limit.AddDate(0, 0, 1)), req.k - 1, "fail"})
			}
			for _, tc := range cases {
				if tc.want == "" {
					continue
				}
				v := c.Check(Subject{View: view(tc.birth, tc.doses)}, clock, "en")
				got := ""
				for _, rv := range v.Rules {
					if rv.ID == r.Identifier {
						got = rv.Result
					}
				}
				if got != tc.want {
					t.Errorf("%s (%v dose %d from %d %ss): %s (born %q, %d doses): %s, want %s",
						r.Identifier, req.diseases, req.k, req.by.n, req.by.unit, tc.name, tc.birth, tc.doses, got, tc.want)
				}
			}
		}
	}
	if n != 54 {
		t.Fatalf("%d rules checked", n)
	}
}

type ruleCase struct {
	name  string
	birth vax.Date
	doses int
	want  string // pass, fail or open; "" skips
}

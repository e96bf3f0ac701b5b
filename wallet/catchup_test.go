package wallet

import (
	"slices"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
)

// demoDoses are the demo record's doses (BCG, three hexavalent doses at 2,
// 4 and 6 months, two MMR), as the wallet merges them.
func demoDoses(t *testing.T) ([]Dose, vax.Date) {
	t.Helper()
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	c := Credential{ID: "demo"}
	for _, im := range rec.Immunizations {
		c.Doses = append(c.Doses, verifier.Immunization{Vaccine: verifier.Vaccine{System: im.Vaccine.System, Code: im.Vaccine.Code}, Date: im.Date.String()})
	}
	return uniqueDoses([]Credential{c}), rec.Patient.BirthDate
}

func item(items []DueItem, group string) *DueItem {
	i := slices.IndexFunc(items, func(it DueItem) bool { return it.Group == group })
	if i < 0 {
		return nil
	}
	return &items[i]
}

// The parent's check: the demo child at 10 in the UAE. Every dose
// given shows under each of its groups as valid; what is missing is either
// caught up or too late, once per group, never both on one screen.
func TestDueDemoChild(t *testing.T) {
	doses, birth := demoDoses(t)
	s, err := scheduleFor("AE")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	items, err := dueFor(s, Profile{BirthDate: birth, Country: "AE"}, doses, now)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, it := range items {
		if i > 0 && stateRank(items[i-1].State) > stateRank(it.State) {
			t.Errorf("%s (%s) after %s (%s): what needs doing comes first", it.Vaccine, it.State, items[i-1].Vaccine, items[i-1].State)
		}
		if seen[it.Group] {
			t.Errorf("%s twice on one screen", it.Group)
		}
		seen[it.Group] = true
		for _, g := range it.Given {
			if !g.Valid {
				t.Errorf("%s: %s %s not valid (%s)", it.Vaccine, g.Date, g.Vaccine, g.Reason)
			}
		}
		if it.State == TooLate && len(it.Missing) > 0 || it.State == Done && len(it.Missing) > 0 {
			t.Errorf("%s: %s with %v missing", it.Vaccine, it.State, it.Missing)
		}
		if it.Schedule.ID != "ae" || it.Schedule.Notice == "" {
			t.Errorf("%s: schedule %+v", it.Vaccine, it.Schedule)
		}
	}
	for _, c := range []struct {
		group string
		state DueState
		given int
		dose  int
	}{
		{"BCG", Done, 1, 0},
		{"HepB", Done, 3, 0},
		{"MMR", Done, 2, 0},
		{"DTAP", Overdue, 3, 4}, // the school-entry booster, caught up now
		{"POL", Overdue, 3, 4},
		{"VAR", Overdue, 0, 1}, // a 10-year-old who missed varicella: catch-up, not "no longer recommended"
		{"HepA", Overdue, 0, 1},
		{"ROTA", TooLate, 0, 0},
		{"PCV", TooLate, 0, 0},
		{"HIB", TooLate, 3, 0}, // three doses given, the 18-month booster is past its age
		{"HPV", Later, 0, 1},
	} {
		it := item(items, c.group)
		if it == nil {
			t.Errorf("no %s", c.group)
			continue
		}
		if it.State != c.state || len(it.Given) != c.given || it.Dose != c.dose {
			t.Errorf("%s: %s, %d given, next dose %d (%s); want %s, %d given, dose %d", c.group, it.State, len(it.Given), it.Dose, it.Note, c.state, c.given, c.dose)
		}
	}
	if v := item(items, "VAR"); v != nil && (v.Until.IsZero() || v.Note == "") {
		t.Errorf("varicella catch-up without a plan: %+v", v)
	}
}

// An adult sees no infant series; a baby sees the next doses; another
// schedule is one call away.
func TestDueOthers(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, sched, birth string
		want               map[string]DueState
	}{
		{"adult in France", "fr", "1990-05-05", map[string]DueState{"ROTA": TooLate, "HIB": TooLate, "PCV": TooLate, "MMR": Overdue}},
		{"adult, WHO", "who", "1990-05-05", map[string]DueState{"ROTA": TooLate, "HIB": TooLate, "PCV": TooLate, "MMR": TooLate}},
		{"baby of 5 weeks in the UAE", "ae", "2026-11-02", map[string]DueState{"BCG": Due, "DTAP": Upcoming, "ROTA": Upcoming, "MMR": Later}},
		{"child of 3 in the UAE, nothing recorded", "ae", "2023-09-18", map[string]DueState{"ROTA": TooLate, "BCG": Overdue, "DTAP": Overdue, "MMR": Overdue, "PCV": Overdue}},
	} {
		s, err := scheduleFor(map[string]string{"fr": "FR", "ae": "AE", "who": ""}[c.sched])
		if err != nil {
			t.Fatal(err)
		}
		items, err := dueFor(s, Profile{BirthDate: mustDate(c.birth)}, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		for g, want := range c.want {
			it := item(items, g)
			if it == nil || it.State != want {
				t.Errorf("%s: %s is %+v, want %s", c.name, g, it, want)
			}
		}
	}
	if ids := Schedules(); len(ids) != 4 || ids[0].ID != "who" {
		t.Errorf("Schedules() = %+v", ids)
	}
}

// The wallet's own view: Due uses the profile's country, DueIn another
// schedule.
func TestDueIn(t *testing.T) {
	w := newTestWallet(t, Options{})
	f := setUpFamily(t, w, newClinic(t))
	ae, err := w.Due(f.amira.ID)
	if err != nil {
		t.Fatal(err)
	}
	who, err := w.DueIn(f.amira.ID, "who")
	if err != nil {
		t.Fatal(err)
	}
	if ae[0].Schedule.ID != "ae" || who[0].Schedule.ID != "who" {
		t.Fatalf("schedules %s, %s", ae[0].Schedule.ID, who[0].Schedule.ID)
	}
	if _, err := w.DueIn(f.amira.ID, "mars"); err == nil {
		t.Fatal("an unknown schedule")
	}
}

// A dose dated before the birth date (a typing error) does not break the
// due view: it is left out of the forecast.
func TestDueDoseBeforeBirth(t *testing.T) {
	doses, birth := demoDoses(t)
	bad := doses[1]
	bad.Date = mustDate("2001-01-01")
	doses = append(doses, bad)
	s, _ := scheduleFor("AE")
	items, err := dueFor(s, Profile{BirthDate: birth}, doses, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if it := item(items, "DTAP"); it == nil || len(it.Given) != 3 {
		t.Fatalf("DTAP: %+v", it)
	}
}

func stateRank(s DueState) int {
	return slices.Index([]DueState{Overdue, Due, Upcoming, Later, Done, TooLate}, s)
}

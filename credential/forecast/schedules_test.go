package forecast

import (
	"slices"
	"testing"

	"github.com/immunopass/immunopass/assets"
)

func TestShippedSchedules(t *testing.T) {
	for _, id := range []string{"us-cdsi", "cdsi", "who", "ae", "fr"} {
		s, err := Lookup(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if s.Source == "" || s.Published == "" || s.Name == "" {
			t.Errorf("%s: no source, date or name", id)
		}
		for _, g := range s.Groups {
			if g.Code == "" || len(g.Antigens) == 0 {
				t.Errorf("%s: group %+v", id, g)
			}
			for _, a := range g.Antigens {
				if s.Antigens[a] == nil {
					t.Errorf("%s: group %s names antigen %q without a series", id, g.Name, a)
				}
			}
		}
	}
	if _, err := Lookup("mars"); err == nil {
		t.Error("Lookup(mars) succeeded")
	}
}

type groupWant struct {
	code   string
	status Status
	// for not complete: the dose number, and whether it is overdue (past
	// due before the assessment date)
	dose    int
	overdue bool
}

// The schedules' own catch-up rules, as table tests. Ages are from each
// source's table (see schedules.go): a 10-year-old who missed varicella is
// caught up; rotavirus after its age limit is too late; an adult gets no
// infant series.
func TestScheduleTables(t *testing.T) {
	type person struct {
		name  string
		birth string
		doses []Dose
	}
	at := "2026-12-07"
	demo, demoDoses, err := FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	tenNoVaricella := person{"10-year-old with MMR, no varicella", "2016-04-12", []Dose{
		{ID: "mmr1", CVX: "03", Date: d("2017-04-15")}, {ID: "mmr2", CVX: "03", Date: d("2017-10-17")}}}
	baby := person{"1-year-old, no rotavirus", "2025-12-01", nil}
	toddler := person{"3-year-old, no rotavirus", "2023-11-01", nil}
	adult := person{"adult of 30, no record", "1996-05-05", nil}
	for _, c := range []struct {
		sched  string
		p      person
		groups []groupWant
	}{
		// WHO Table 2: varicella 2 doses from 12 months where introduced; Table 3: catch-up through childhood.
		{"who", tenNoVaricella, []groupWant{{code: "VAR", status: NotComplete, dose: 1, overdue: true}, {code: "MMR", status: Complete}}},
		// MOHAP: varicella at 12 and 18 months, caught up to 18 years.
		{"ae", tenNoVaricella, []groupWant{{code: "VAR", status: NotComplete, dose: 1, overdue: true}, {code: "MMR", status: Complete}}},
		// Rotavirus: WHO not after 24 months; UAE and France finished by 8 months.
		{"who", baby, []groupWant{{code: "ROTA", status: NotComplete, dose: 1, overdue: true}}},
		{"who", toddler, []groupWant{{code: "ROTA", status: AgedOut}}},
		{"ae", baby, []groupWant{{code: "ROTA", status: AgedOut}}},
		{"fr", baby, []groupWant{{code: "ROTA", status: AgedOut}}},
		// An adult: no infant series (Hib, PCV, rotavirus); WHO's childhood
		// catch-up ends at 18; France: MMR for everyone born since 1980, and
		// the dTcaP booster at 25.
		{"who", adult, []groupWant{{code: "ROTA", status: AgedOut}, {code: "HIB", status: AgedOut}, {code: "PCV", status: AgedOut}, {code: "MMR", status: AgedOut}}},
		{"ae", adult, []groupWant{{code: "ROTA", status: AgedOut}, {code: "HIB", status: AgedOut}, {code: "PCV", status: AgedOut}, {code: "DTAP", status: NotComplete, dose: 1, overdue: true}}},
		{"fr", adult, []groupWant{{code: "ROTA", status: AgedOut}, {code: "HIB", status: AgedOut}, {code: "PCV", status: AgedOut}, {code: "MMR", status: NotComplete, dose: 1, overdue: true}}},
	} {
		s, err := Lookup(c.sched)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(s, Patient{BirthDate: d(c.p.birth)}, c.p.doses, d(at))
		if err != nil {
			t.Fatalf("%s %s: %v", c.sched, c.p.name, err)
		}
		checkGroups(t, c.sched+" "+c.p.name, res, c.groups)
	}

	// The demo child (10 years on 2026-12-07: BCG, three hexavalent doses
	// at 2, 4, 6 months, two MMR): per schedule, what was given counts, and
	// what is missing is caught up or too late, never both.
	for _, c := range []struct {
		sched  string
		groups []groupWant
	}{
		{"who", []groupWant{
			{code: "BCG", status: Complete}, {code: "HepB", status: Complete}, {code: "HIB", status: Complete},
			{code: "MMR", status: Complete}, {code: "ROTA", status: AgedOut}, {code: "PCV", status: AgedOut},
			{code: "DTAP", status: NotComplete, dose: 4},               // the Td booster of 9–15 years
			{code: "POL", status: NotComplete, dose: 4, overdue: true}, // the hexavalent doses are 1–3 (no birth dose)
			{code: "VAR", status: NotComplete, dose: 1, overdue: true},
		}},
		{"ae", []groupWant{
			{code: "BCG", status: Complete}, {code: "HepB", status: Complete}, {code: "MMR", status: Complete},
			{code: "HIB", status: AgedOut}, {code: "ROTA", status: AgedOut}, {code: "PCV", status: AgedOut},
			{code: "DTAP", status: NotComplete, dose: 4, overdue: true}, // the school-entry booster
			{code: "POL", status: NotComplete, dose: 4, overdue: true},
			{code: "VAR", status: NotComplete, dose: 1, overdue: true},
			{code: "HepA", status: NotComplete, dose: 1, overdue: true},
			{code: "HPV", status: NotComplete, dose: 1},
		}},
		{"fr", []groupWant{
			{code: "HepB", status: Complete}, {code: "HIB", status: Complete}, {code: "MMR", status: Complete},
			{code: "ROTA", status: AgedOut}, {code: "PCV", status: AgedOut}, {code: "MENB", status: AgedOut},
			{code: "DTAP", status: NotComplete, dose: 4, overdue: true}, // the 6-year booster
		}},
	} {
		s, _ := Lookup(c.sched)
		res, err := Run(s, demo, demoDoses, d(at))
		if err != nil {
			t.Fatal(err)
		}
		checkGroups(t, c.sched+" demo child", res, c.groups)
		for _, dr := range res.Doses {
			if dr.Status == NotValid {
				t.Errorf("%s demo child: dose %s %s not valid (%s)", c.sched, dr.ID, dr.Date, dr.Reason)
			}
		}
	}
}

func checkGroups(t *testing.T, name string, res *Result, want []groupWant) {
	t.Helper()
	for _, w := range want {
		g := res.Group(w.code)
		if g == nil {
			t.Errorf("%s: no group %s", name, w.code)
			continue
		}
		if g.Status != w.status {
			t.Errorf("%s: %s is %s, want %s", name, w.code, g.Status, w.status)
			continue
		}
		if w.status != NotComplete {
			continue
		}
		overdue := !g.PastDue.IsZero() && g.PastDue.Compare(res.At) < 0
		if g.DoseNumber != w.dose || overdue != w.overdue {
			t.Errorf("%s: %s dose %d (overdue %v, past due %s), want dose %d (overdue %v)", name, w.code, g.DoseNumber, overdue, g.PastDue, w.dose, w.overdue)
		}
		if !g.Latest.IsZero() && g.Latest.Compare(res.At) < 0 {
			t.Errorf("%s: %s not complete but too late since %s", name, w.code, g.Latest)
		}
	}
}

// A context rule asks the forecaster: up to date for school entry at 6 in
// the UAE.
func TestUpToDate(t *testing.T) {
	ae, err := UAE()
	if err != nil {
		t.Fatal(err)
	}
	p, doses, err := FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	// At 6 (2022-04-12) the demo child lacks the 18-month DTaP booster
	// (past due at 2) and varicella; the school-entry polio dose is due
	// until 7.
	res, err := Run(ae, p, doses, d("2022-04-12"))
	if err != nil {
		t.Fatal(err)
	}
	ok, behind := res.UpToDate("DTAP", "POL", "MMR", "VAR")
	if ok || !slices.Equal(behind, []string{"DTAP", "VAR"}) {
		t.Errorf("school entry at 6: %v %v", ok, behind)
	}
	if ok, behind := res.UpToDate("MMR", "HepB"); !ok {
		t.Errorf("MMR and HepB: behind %v", behind)
	}
	if ok, behind := res.UpToDate("YF"); ok || behind[0] != "YF" {
		t.Errorf("a group the schedule lacks: %v %v", ok, behind)
	}
	// A baby of 2 months who had everything so far is up to date.
	baby := Patient{BirthDate: d("2026-10-01")}
	res, _ = Run(ae, baby, []Dose{{ID: "bcg", CVX: "19", Date: d("2026-10-01")}, {ID: "hepb", CVX: "08", Date: d("2026-10-01")}}, d("2026-12-01"))
	if ok, behind := res.UpToDate(); !ok {
		t.Errorf("baby: behind %v", behind)
	}
}

package wallet

import (
	"slices"
	"testing"
)

// Due follows the schedules' catch-up limits: a missed dose past the age
// up to which it is caught up is "too-late", never overdue, so an adult
// sees only what still applies to adults.
func TestDueCatchUp(t *testing.T) {
	type want struct {
		vaccine string
		state   DueState
		missing []string // checked when set
	}
	full := func(diseases map[string][]string) []DiseaseGroup {
		var gs []DiseaseGroup
		for dis, dates := range diseases {
			g := DiseaseGroup{Disease: dis}
			for _, d := range dates {
				g.Doses = append(g.Doses, Dose{Date: mustDate(d)})
			}
			gs = append(gs, g)
		}
		return gs
	}
	infant := []string{"2011-08-01", "2011-10-01", "2012-05-01"}
	tests := []struct {
		name    string
		p       Profile
		groups  []DiseaseGroup
		want    []want
		overdue int // how many items are overdue
	}{
		{
			name: "child of 3 in the UAE, nothing recorded",
			p:    Profile{BirthDate: mustDate("2023-09-18"), Country: "AE"},
			want: []want{
				{"BCG", Overdue, nil}, // unvaccinated children under 5
				{"Hep B (birth dose)", TooLate, nil},
				// Rotavirus is past its limit (32 weeks); the rest is still caught up.
				{"DTaP-IPV-Hib-HepB (hexavalent), PCV, rotavirus", Overdue,
					[]string{"Diphtheria", "Tetanus", "Pertussis", "Polio", "Hib", "Hepatitis B", "Pneumococcal"}},
				{"MMR, varicella", Overdue, nil},
				{"DTaP-IPV booster (school entry)", Later, nil},
			},
			overdue: 6,
		},
		{
			name: "child of 6 in France with only rotavirus and pneumococcal missing",
			p:    Profile{BirthDate: mustDate("2020-05-01"), Country: "FR"},
			groups: full(map[string][]string{
				"Diphtheria": {"2020-07-01", "2020-09-01", "2021-04-01"}, "Tetanus": {"2020-07-01", "2020-09-01", "2021-04-01"},
				"Pertussis": {"2020-07-01", "2020-09-01", "2021-04-01"}, "Polio": {"2020-07-01", "2020-09-01", "2021-04-01"},
				"Hib": {"2020-07-01", "2020-09-01", "2021-04-01"}, "Hepatitis B": {"2020-07-01", "2020-09-01", "2021-04-01"},
				"Measles": {"2021-05-01", "2021-09-01"}, "Mumps": {"2021-05-01", "2021-09-01"}, "Rubella": {"2021-05-01", "2021-09-01"},
				"Meningococcal": {"2020-08-01", "2020-10-01", "2020-11-01", "2021-05-01"},
			}),
			want: []want{
				{"DTCaP-Hib-HepB (hexavalent), PCV, rotavirus", TooLate, nil}, // PCV after 24 months, rotavirus after 32 weeks
				{"DTCaP-Hib-HepB (hexavalent) booster, PCV booster", TooLate, nil},
				{"DTCaP booster", Due, nil},
			},
			overdue: 0,
		},
		{
			name: "teenager of 15 in France without the 11–13 booster",
			p:    Profile{BirthDate: mustDate("2011-06-01"), Country: "FR"},
			groups: full(map[string][]string{
				"Diphtheria": append(slices.Clone(infant), "2017-06-10"), "Tetanus": append(slices.Clone(infant), "2017-06-10"),
				"Pertussis": append(slices.Clone(infant), "2017-06-10"), "Polio": append(slices.Clone(infant), "2017-06-10"),
				"Hib": infant, "Hepatitis B": infant, "Pneumococcal": infant,
				"Measles": {"2012-06-01", "2012-10-01"}, "Mumps": {"2012-06-01", "2012-10-01"}, "Rubella": {"2012-06-01", "2012-10-01"},
			}),
			want: []want{
				{"DTCaP-Hib-HepB (hexavalent), PCV, rotavirus", TooLate, nil},
				{"Meningococcal B", TooLate, nil},
				{"MMR (ROR), second dose", Done, nil},
				{"dTcaP booster, HPV, meningococcal ACWY", Overdue, []string{"Diphtheria", "Tetanus", "Pertussis", "Polio", "HPV", "Meningococcal"}},
			},
			// The 6- and 12-month meningococcal ACWY doses too (catch-up to
			// 24 years); MenB is past its limit.
			overdue: 3,
		},
		{
			name: "adult of 41 in the UAE, nothing recorded: only the Tdap",
			p:    Profile{BirthDate: mustDate("1985-02-03"), Country: "AE"},
			want: []want{
				{"BCG", TooLate, nil},
				{"MMR, varicella", TooLate, nil},
				{"Tdap, HPV", Overdue, []string{"Diphtheria", "Tetanus", "Pertussis"}}, // HPV past 26 years
				{"Meningococcal ACWY", TooLate, nil},
			},
			overdue: 1,
		},
		{
			name:    "adult of 68, WHO schedule, nothing recorded: only the Td booster",
			p:       Profile{BirthDate: mustDate("1958-06-21")},
			want:    []want{{"Td booster", Overdue, nil}, {"HPV", TooLate, nil}, {"Measles-rubella (MR/MMR)", TooLate, nil}},
			overdue: 1,
		},
		{
			name: "adult of 41 in France, nothing recorded: MMR (born after 1980), next booster at 45",
			p:    Profile{BirthDate: mustDate("1985-02-03"), Country: "FR"},
			want: []want{
				{"MMR (ROR), meningococcal B and ACWY", Overdue, []string{"Measles", "Mumps", "Rubella"}},
				{"dTcaP booster", TooLate, nil},
				{"dTP booster", Later, nil},
			},
			overdue: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := dueFor(tc.p, tc.groups, testNow)
			if err != nil {
				t.Fatal(err)
			}
			overdue := 0
			for _, it := range items {
				if it.State == Overdue {
					overdue++
				}
				if it.State == TooLate && it.Until.IsZero() {
					t.Errorf("%s: too late without a limit", it.Vaccine)
				}
			}
			for _, w := range tc.want {
				i := slices.IndexFunc(items, func(it DueItem) bool { return it.Vaccine == w.vaccine })
				if i < 0 {
					t.Fatalf("no %q", w.vaccine)
				}
				it := items[i]
				if it.State != w.state || (w.missing != nil && !slices.Equal(it.Missing, w.missing)) {
					t.Errorf("%s: %s missing %v (until %s), want %s missing %v", w.vaccine, it.State, it.Missing, it.Until, w.state, w.missing)
				}
			}
			if overdue != tc.overdue {
				for _, it := range items {
					t.Logf("%-50s %-9s %v until %s", it.Vaccine, it.State, it.Missing, it.Until)
				}
				t.Errorf("%d overdue, want %d", overdue, tc.overdue)
			}
		})
	}
}

package wallet

import (
	"slices"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
)

const (
	sct   = "http://snomed.info/sct"
	icd11 = "http://id.who.int/icd/release/11/mms"
	cvx   = vax.SystemCVX
)

// Common non-COVID vaccines coded in SNOMED CT, ICD-11 and CVX map to the
// diseases the grouped and due views use (assets/vaccines.csv).
var vaccineCodes = []struct {
	system, code string
	diseases     []string
}{
	{sct, "871831003", []string{"Measles", "Mumps", "Rubella"}},
	{sct, "871908002", []string{"Measles", "Mumps", "Rubella", "Varicella"}},
	{sct, "836382004", []string{"Measles"}},
	{sct, "871876003", []string{"Diphtheria", "Tetanus", "Pertussis"}},
	{sct, "2051000221107", []string{"Diphtheria", "Tetanus", "Pertussis"}}, // Tdap
	{sct, "871826000", []string{"Diphtheria", "Tetanus"}},
	{sct, "871740006", []string{"Polio"}},     // IPV
	{sct, "1051000221104", []string{"Polio"}}, // bOPV
	{sct, "871822003", []string{"Hepatitis B"}},
	{sct, "871764007", []string{"Hib"}},
	{sct, "1252709000", []string{"Pneumococcal"}}, // PCV20
	{sct, "1081000221109", []string{"Rotavirus"}},
	{sct, "871919004", []string{"Varicella"}},
	{sct, "1209197008", []string{"HPV"}},
	{sct, "1861000221106", []string{"Tuberculosis"}},
	{sct, "1121000221106", []string{"Yellow fever"}},
	{sct, "1181000221105", []string{"Influenza"}},
	{sct, "871916006", []string{"Meningococcal"}},
	{sct, "1162637003", []string{"Diphtheria", "Tetanus", "Pertussis", "Polio", "Hib", "Hepatitis B"}},
	{icd11, "XM8TF3", []string{"Measles", "Mumps", "Rubella"}},
	{icd11, "XM4AJ8", []string{"Measles", "Mumps", "Rubella", "Varicella"}},
	{icd11, "XM8L15", []string{"Measles"}},
	{icd11, "XM31Q8", []string{"Diphtheria", "Tetanus", "Pertussis"}},
	{icd11, "XM5V19", []string{"Polio"}},
	{icd11, "XM79H3", []string{"Polio"}},
	{icd11, "XM9V38", []string{"Hepatitis B"}},
	{icd11, "XM11V3", []string{"Hib"}},
	{icd11, "XM9G97", []string{"Pneumococcal"}},
	{icd11, "XM4GV0", []string{"Rotavirus"}},
	{icd11, "XM0NS8", []string{"Varicella"}},
	{icd11, "XM5CE9", []string{"HPV"}},
	{icd11, "XM8142", []string{"Tuberculosis"}},
	{icd11, "XM3418", []string{"Yellow fever"}},
	{icd11, "XM1LR5", []string{"Influenza"}},
	{icd11, "XM1X81", []string{"Meningococcal"}},
	{icd11, "XM84S1", []string{"Diphtheria", "Tetanus", "Pertussis", "Polio", "Hib", "Hepatitis B"}},
	{cvx, "215", []string{"Pneumococcal"}},
	{cvx, "216", []string{"Pneumococcal"}},
	{cvx, "51", []string{"Hib", "Hepatitis B"}},
	{cvx, "203", []string{"Meningococcal"}},
	{cvx, "146", []string{"Diphtheria", "Tetanus", "Pertussis", "Polio", "Hib", "Hepatitis B"}},
}

func TestVaccineCodesGroup(t *testing.T) {
	for _, tc := range vaccineCodes {
		if got := vax.Diseases(tc.system, tc.code); !slices.Equal(got, tc.diseases) {
			t.Errorf("%s|%s: diseases %q, want %q", tc.system, tc.code, got, tc.diseases)
		}
		if vax.Display(tc.system, tc.code) == "" {
			t.Errorf("%s|%s: no display name", tc.system, tc.code)
		}
		// The grouped view files the dose under each disease, with its
		// display name.
		c := Credential{ID: "c", Doses: []verifier.Immunization{{Vaccine: verifier.Vaccine{System: tc.system, Code: tc.code}, Date: "2020-01-02"}}}
		var groups []string
		for _, g := range mergeDoses([]Credential{c}) {
			groups = append(groups, g.Disease)
			if len(g.Doses) != 1 || !slices.Equal(g.Doses[0].Diseases, tc.diseases) {
				t.Errorf("%s|%s in %s: %+v", tc.system, tc.code, g.Disease, g.Doses)
			}
		}
		slices.Sort(groups)
		want := slices.Sorted(slices.Values(tc.diseases))
		if !slices.Equal(groups, want) {
			t.Errorf("%s|%s: groups %q, want %q", tc.system, tc.code, groups, want)
		}
	}
}

// A child whose record is coded in SNOMED CT and ICD-11 (as WHO DDCC and
// European records are) is as up to date in the due view as one coded in
// CVX.
func TestVaccineCodesDue(t *testing.T) {
	p := Profile{ID: "p", Given: "Lina", BirthDate: mustDate("2016-04-12")} // WHO schedule
	birth := p.BirthDate.Earliest()
	dose := func(system, code string, days int) verifier.Immunization {
		return verifier.Immunization{Vaccine: verifier.Vaccine{System: system, Code: code}, Date: birth.AddDate(0, 0, days).Format("2006-01-02")}
	}
	c := Credential{ID: "c", Doses: []verifier.Immunization{
		dose(icd11, "XM8142", 0),        // BCG
		dose(sct, "871822003", 0),       // hep B birth dose
		dose(icd11, "XM79H3", 0),        // bOPV birth dose
		dose(icd11, "XM84S1", 42),       // hexavalent at 6, 10, 14 weeks
		dose(sct, "1162637003", 70),     //
		dose(icd11, "XM84S1", 98),       //
		dose(sct, "1252709000", 42),     // PCV
		dose(icd11, "XM9G97", 70),       //
		dose(sct, "1252709000", 98),     //
		dose(sct, "1081000221109", 42),  // rotavirus
		dose(icd11, "XM4GV0", 70),       //
		dose(sct, "871740006", 126),     // IPV
		dose(sct, "871831003", 274),     // MMR at 9 and 15 months
		dose(icd11, "XM8TF3", 457),      //
		dose(sct, "1121000221106", 274), // yellow fever
	}}
	s, err := scheduleFor("")
	if err != nil {
		t.Fatal(err)
	}
	items, err := dueFor(s, p, uniqueDoses([]Credential{c}), time.Date(2017, 9, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// At 17 months, WHO's infant series are complete except the DTP booster
	// of the second year, and every coded dose counts.
	for _, g := range []string{"BCG", "HepB", "POL", "HIB", "PCV", "ROTA", "MMR"} {
		if it := item(items, g); it == nil || it.State != Done {
			t.Errorf("%s: %+v", g, it)
		}
	}
	if it := item(items, "DTAP"); it == nil || it.State == Done || it.Dose != 4 || len(it.Given) != 3 {
		t.Errorf("DTAP: %+v", it)
	}
	for _, it := range items {
		for _, g := range it.Given {
			if !g.Valid && it.Group != "POL" {
				t.Errorf("%s: %s %s not valid (%s)", it.Group, g.Date, g.Vaccine, g.Reason)
			}
		}
	}
}

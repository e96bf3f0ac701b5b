package forecast

import (
	"errors"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
)

// FuzzParseCDSi: any antigen file next to the real schedule file gives a
// schedule or a *LoadError, never a panic.
func FuzzParseCDSi(f *testing.F) {
	files := assets.CDSi()
	// A small schedule file, so that each run parses only the fuzzed one.
	sched := []byte(`<scheduleSupportingData><liveVirusConflicts><liveVirusConflict><previous><cvx>03</cvx></previous><current><cvx>21</cvx></current><conflictBeginInterval>1 day</conflictBeginInterval><minConflictEndInterval>24 days</minConflictEndInterval><conflictEndInterval>28 days</conflictEndInterval></liveVirusConflict></liveVirusConflicts><vaccineGroups><vaccineGroup><name>MMR</name><administerFullVaccineGroup>Yes</administerFullVaccineGroup></vaccineGroup></vaccineGroups><vaccineGroupToAntigenMap><vaccineGroupMap><name>MMR</name><antigen>Measles</antigen></vaccineGroupMap></vaccineGroupToAntigenMap><cvxToAntigenMap><cvxMap><cvx>03</cvx><association><antigen>Measles</antigen></association></cvxMap></cvxToAntigenMap></scheduleSupportingData>`)
	// The smallest real antigen file (a few kB: larger ones make each run
	// slow under coverage instrumentation).
	f.Add(files["AntigenSupportingData-_Cholera-508.xml"])
	f.Add([]byte(`<antigenSupportingData><series><seriesName>x</seriesName><targetDisease>Measles</targetDisease><seriesDose><doseNumber>Dose 1</doseNumber><age><minAge>6 weeks - 4 days</minAge></age></seriesDose></series></antigenSupportingData>`))
	f.Add([]byte(`<antigenSupportingData><series><targetDisease>Measles</targetDisease><seriesDose><age><minAge>6 fortnights</minAge></age></seriesDose></series></antigenSupportingData>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseCDSi(map[string][]byte{"ScheduleSupportingData.xml": sched, "AntigenSupportingData-_X-508.xml": data})
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v is not a *LoadError", err, err)
			}
			return
		}
		if s == nil {
			t.Fatal("nil schedule without an error")
		}
		if _, err := Run(s, Patient{BirthDate: d("2020-01-01")}, []Dose{{CVX: "03", Date: d("2021-01-01")}, {CVX: "03", Date: d("2021-01-20")}}, d("2025-01-01")); err != nil {
			t.Fatalf("Run on a parsed schedule: %v", err)
		}
	})
}

// FuzzFromFHIR: any input gives a person and doses or an *InputError.
func FuzzFromFHIR(f *testing.F) {
	for _, c := range loadCases(f)[:20] {
		f.Add([]byte(c.Bundle))
	}
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","birthDate":"2020-01-01"}}]}`))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, doses, err := FromFHIR(data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v is not an *InputError", err, err)
			}
			return
		}
		if p.BirthDate.IsZero() || len(doses) > MaxDoses {
			t.Fatalf("accepted %+v with %d doses", p, len(doses))
		}
	})
}

// FuzzRun: any history of up to 50 doses (CVX codes from the schedule's
// map, any dates after birth) gives an answer quickly, without a panic.
func FuzzRun(f *testing.F) {
	us, err := US()
	if err != nil {
		f.Fatal(err)
	}
	var cvx []string
	for c := range us.Vaccines {
		cvx = append(cvx, c)
	}
	sortStrings(cvx)
	f.Add(uint16(3000), uint16(4000), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint16(20000), uint16(30000), []byte{})
	f.Add(uint16(0), uint16(1), []byte{200, 0, 200, 0})
	f.Fuzz(func(t *testing.T, birth, age uint16, hist []byte) {
		b := day(birth) + dayOf(1950, 1, 1)
		at := b + day(age)
		var doses []Dose
		for i := 0; i+1 < len(hist) && len(doses) < 50; i += 2 {
			off := day(int(hist[i+1]) * 37 % (int(age) + 1))
			doses = append(doses, Dose{ID: "d", CVX: cvx[int(hist[i])%len(cvx)], Date: (b + off).vax()})
		}
		start := time.Now()
		res, err := Run(us, Patient{BirthDate: b.vax(), Gender: "female"}, doses, at.vax())
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if len(res.Doses) != len(doses) {
			t.Fatalf("%d dose results for %d doses", len(res.Doses), len(doses))
		}
		for _, g := range res.Groups {
			if g.Status == NotComplete && (g.Earliest.IsZero() || g.Recommended.Compare(g.Earliest) < 0) {
				t.Fatalf("%s: %+v", g.Group.Code, g)
			}
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("%d doses took %v", len(doses), el)
		}
	})
}

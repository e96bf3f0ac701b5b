package verifier_test

import (
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func meetsFromWorld(t testing.TB) (*verifiertest.World, *trust.Store, *policy.Set) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	st := trust.New()
	st.UsePolicy(w.Policy)
	if _, err := st.LoadBundle("bundle", w.Rules, w.Policy, verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	set, err := policy.Parse(st.Policies())
	if err != nil {
		t.Fatal(err)
	}
	return w, st, set
}

func TestMeetsFrom(t *testing.T) {
	w, st, set := meetsFromWorld(t)
	yf, _ := set.Context("yellow-fever")
	school, _ := set.Context("school-entry-ae")
	v := verifier.Verifier{Trust: st, At: verifiertest.Now, Context: yf}
	r := v.Verify([]verifier.Input{{Name: "yf", Data: []byte(w.Creds["yf"])}})[0]
	if !r.Valid || r.Policy == nil || r.Policy.Result != policy.Fails {
		t.Fatalf("yf: %+v", r)
	}
	// Vaccinated 2026-11-15: valid from the 10th day, 2026-11-25.
	day, ok := verifier.MeetsFrom(r, yf, verifiertest.Now)
	if !ok || day.Format(time.DateOnly) != "2026-11-25" {
		t.Fatalf("yellow fever meets from %v %v, want 2026-11-25", day, ok)
	}
	// The demo child misses doses for school entry: waiting does not help.
	if day, ok := verifier.MeetsFrom(r, school, verifiertest.Now); ok {
		t.Fatalf("school entry met from %v by waiting", day)
	}
	// A credential that is not valid, or no context: nothing to tell.
	if _, ok := verifier.MeetsFrom(r, nil, verifiertest.Now); ok {
		t.Fatal("no context, yet an answer")
	}
	r.Valid = false
	if _, ok := verifier.MeetsFrom(r, yf, verifiertest.Now); ok {
		t.Fatal("an invalid credential meets a rule later")
	}
}

// BenchmarkMeetsFromSchoolEntry: the worst case, 31 days of a 30-rule
// context that waiting cannot meet.
func BenchmarkMeetsFromSchoolEntry(b *testing.B) {
	w, st, set := meetsFromWorld(b)
	school, _ := set.Context("school-entry-ae")
	v := verifier.Verifier{Trust: st, At: verifiertest.Now}
	r := v.Verify([]verifier.Input{{Name: "yf", Data: []byte(w.Creds["yf"])}})[0]
	for b.Loop() {
		verifier.MeetsFrom(r, school, verifiertest.Now)
	}
}

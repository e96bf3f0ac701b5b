package policy

import (
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
)

// FuzzParse: the policy reader never panics; what it accepts marshals to a
// file it accepts again, and every context evaluates without panicking.
func FuzzParse(f *testing.F) {
	f.Add(assets.ContextPolicies())
	f.Add([]byte(`{"type":"` + Type + `","contexts":[{"name":"x","title":[{"lang":"en","desc":"X"}],"country":"AE","payload":"view","rules":[` +
		ruleJSON("AE", "Acceptance", `{"if":[{"var":"payload.person.birthDate"},true,false]}`) + `]}]}`))
	f.Add([]byte(`{"type":"` + Type + `","contexts":[]}`))
	view := &View{Kind: KindVaccination, Format: "shc"}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		b, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(b); err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
		for _, c := range s.Contexts {
			c.Check(Subject{View: view}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "en")
		}
	})
}

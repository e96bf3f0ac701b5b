package webapi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func contextList(t *testing.T, b []byte) ContextList {
	t.Helper()
	var l ContextList
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return l
}

func TestContexts(t *testing.T) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	a := New()
	a.Now = func() time.Time { return verifiertest.Now }
	// No bundle: the shipped rules, titles in the language asked for.
	l := contextList(t, a.ContextsJSON("fr"))
	if l.From != FromShipped || len(l.Contexts) == 0 || l.Error != "" {
		t.Fatalf("shipped: %+v", l)
	}
	found := false
	for _, c := range l.Contexts {
		if c.Name == "yellow-fever" && c.Title == "Vaccination contre la fièvre jaune (RSI, annexe 7)" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no yellow-fever in French: %+v", l.Contexts)
	}
	// Bad choices are refused, with their own errors, and change nothing.
	var ue *policy.UnknownContextError
	if err := a.SetContext("school-entry-xx", "en"); !errors.As(err, &ue) || ue.Name != "school-entry-xx" {
		t.Fatalf("unknown context: %v", err)
	}
	var le *LanguageError
	if err := a.SetContext("yellow-fever", "de"); !errors.As(err, &le) {
		t.Fatalf("unknown language: %v", err)
	}
	if a.ctxName != "" {
		t.Fatalf("a refused choice was kept: %q", a.ctxName)
	}

	// The bundle with the registry's rules: those are used.
	for _, f := range []struct {
		name string
		data []byte
	}{{"policy.json", w.PolicyJSON}, {"bundle", w.Rules}} {
		if err := a.LoadTrust(f.name, f.data); err != nil {
			t.Fatal(err)
		}
	}
	if l := contextList(t, a.ContextsJSON("en")); l.From != FromBundle {
		t.Fatalf("with the bundle's rules: %+v", l)
	}
	if err := a.SetContext("yellow-fever", "fr"); err != nil {
		t.Fatal(err)
	}
	// The world's yellow fever dose is six days old: not valid yet for
	// travel, said in French.
	o := outcome(t, a.Submit(w.Creds["yf"]))
	if len(o.Results) != 1 || !o.Results[0].Valid || o.Results[0].Policy == nil {
		t.Fatalf("yf: %+v", o)
	}
	p := o.Results[0].Policy
	if p.Result != policy.Fails || len(p.Rules) != 1 || p.Rules[0].ID != "YF-UN-0001" || !strings.Contains(p.Rules[0].Description, "fièvre jaune") {
		t.Fatalf("yf policy: %+v", p)
	}
	if len(o.MeetsFrom) != 1 || o.MeetsFrom[0] != "2026-11-25" {
		t.Fatalf("meets from %q, want the 10th day after 2026-11-15", o.MeetsFrom)
	}
	// The same card a month later meets it.
	a.Now = func() time.Time { return verifiertest.Now.Add(30 * 24 * time.Hour) }
	o = outcome(t, a.Submit(w.Creds["yf"]))
	if len(o.Results) != 1 || o.Results[0].Policy == nil || o.Results[0].Policy.Result != policy.Meets {
		t.Fatalf("yf a month later: %+v", o.Results)
	}
	if o.MeetsFrom != nil {
		t.Fatalf("met, yet meets from %q", o.MeetsFrom)
	}
	a.Now = func() time.Time { return verifiertest.Now }
	// None: no policy answer.
	if err := a.SetContext("", "en"); err != nil {
		t.Fatal(err)
	}
	if o := outcome(t, a.Submit(w.Creds["yf"])); len(o.Results) != 1 || o.Results[0].Policy != nil || o.ContextProblem != "" {
		t.Fatalf("no context: %+v", o)
	}
}

// A context chosen, then trust whose rules lack it: the verdict says why
// the rule was not answered.
func TestContextGone(t *testing.T) {
	a := New()
	if err := a.SetContext("up-to-date-fr", "en"); err != nil {
		t.Fatal(err)
	}
	a.ctxSet = &policy.Set{} // as if a bundle's rules had been loaded without it
	o := outcome(t, a.Submit("shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745222809286133314564376531415906402203064504590856435503414245413640370636654171372412363803043756220467374075323239254334433260573601064529315312707424283950386922127667690324"))
	if !strings.Contains(o.ContextProblem, `no context policy named "up-to-date-fr"`) {
		t.Fatalf("context problem %q", o.ContextProblem)
	}
}

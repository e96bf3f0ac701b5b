package station

import (
	"slices"
	"testing"

	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func TestContexts(t *testing.T) {
	set, from, err := Contexts(nil)
	if err != nil || from != ContextsFromShipped || !slices.Contains(set.Names(), "school-entry-ae") {
		t.Fatalf("no store: %v %q %v", set.Names(), from, err)
	}
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	load := func(bundle []byte) *trust.Store {
		st := trust.New()
		st.UsePolicy(w.Policy)
		if _, err := st.LoadBundle("bundle", bundle, w.Policy, verifiertest.Now); err != nil {
			t.Fatal(err)
		}
		return st
	}
	// A bundle without rules: the shipped ones.
	if _, from, err := Contexts(load(w.Bundle)); err != nil || from != ContextsFromShipped {
		t.Fatalf("bundle without rules: from %q, %v", from, err)
	}
	// A bundle with rules (`registry rules post`): the bundle's.
	set, from, err = Contexts(load(w.Rules))
	if err != nil || from != ContextsFromBundle || !slices.Contains(set.Names(), "yellow-fever") {
		t.Fatalf("bundle with rules: %v %q %v", set.Names(), from, err)
	}
}

package station

import (
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/trust"
)

// Where the context policies in force come from.
const (
	ContextsFromBundle  = "bundle"  // the registry's, in the loaded trust bundle (`registry rules post`)
	ContextsFromShipped = "shipped" // the ones ImmunoPass ships (assets/policies)
)

// Contexts returns the context policies in force, as `verifier verify
// --context` finds them: the loaded trust bundle's when it carries some,
// else the shipped ones. from is ContextsFromBundle or ContextsFromShipped.
// A bundle whose policies do not parse is an error (its signature was
// checked, so this is the registry's mistake): the shipped ones are not
// used in its place, since the registry meant to replace them.
func Contexts(store *trust.Store) (set *policy.Set, from string, err error) {
	if store != nil {
		if data := store.Policies(); data != nil {
			set, err := policy.Parse(data)
			return set, ContextsFromBundle, err
		}
	}
	set, err = policy.Shipped()
	return set, ContextsFromShipped, err
}

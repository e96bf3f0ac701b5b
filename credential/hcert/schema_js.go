//go:build js

package hcert

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/immunopass/immunopass/assets"
)

var ownSchemas struct {
	sync.Mutex
	compiled map[string]*dccSchema
	raw      map[string][]byte
}

// validateSchema checks an instance against the official schema of its
// payload version with dccSchema (schema.go): in the verifier's
// WebAssembly, jsonschema's init would cost the page's start more than
// all the rest.
func validateSchema(ver string, inst any) error {
	ownSchemas.Lock()
	defer ownSchemas.Unlock()
	if ownSchemas.raw == nil {
		ownSchemas.raw = assets.DCCSchemas()
		ownSchemas.compiled = map[string]*dccSchema{}
	}
	s := ownSchemas.compiled[ver]
	if s == nil {
		b, ok := ownSchemas.raw[ver]
		if !ok {
			var known []string
			for v := range ownSchemas.raw {
				known = append(known, v)
			}
			sort.Strings(known)
			return fmt.Errorf("unknown payload version %q (known: %s)", ver, strings.Join(known, ", "))
		}
		var err error
		if s, err = compileDCCSchema(b); err != nil {
			return err
		}
		ownSchemas.compiled[ver] = s
	}
	return s.validate(inst)
}

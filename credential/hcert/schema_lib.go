//go:build !js

package hcert

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/immunopass/immunopass/assets"
)

// validateSchema checks an instance against the official schema of its
// payload version with santhosh-tekuri/jsonschema (the WebAssembly build
// uses schema.go's dccSchema instead: schema_js.go).
func validateSchema(ver string, inst any) error {
	sch, err := schemaFor(ver)
	if err != nil {
		return err
	}
	if err := sch.Validate(inst); err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

var schemas struct {
	sync.Mutex
	compiled map[string]*jsonschema.Schema
	raw      map[string][]byte
}

// noFetch refuses every external reference: schemas are embedded.
type noFetch struct{}

func (noFetch) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema reference %q is not embedded (nothing is fetched)", url)
}

func schemaFor(ver string) (*jsonschema.Schema, error) {
	schemas.Lock()
	defer schemas.Unlock()
	if schemas.raw == nil {
		schemas.raw = assets.DCCSchemas()
		schemas.compiled = map[string]*jsonschema.Schema{}
	}
	if s := schemas.compiled[ver]; s != nil {
		return s, nil
	}
	b, ok := schemas.raw[ver]
	if !ok {
		var known []string
		for v := range schemas.raw {
			known = append(known, v)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("unknown payload version %q (known: %s)", ver, strings.Join(known, ", "))
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	comp := jsonschema.NewCompiler()
	comp.UseLoader(noFetch{})
	url := "mem:///dcc/" + ver + ".json"
	if err := comp.AddResource(url, doc); err != nil {
		return nil, err
	}
	s, err := comp.Compile(url)
	if err != nil {
		return nil, err
	}
	schemas.compiled[ver] = s
	return s, nil
}

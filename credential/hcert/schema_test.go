//go:build !js

package hcert

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
)

// schemaInstances are payloads to validate: the package's own valid
// payloads and every JSON payload of the common vectors.
func schemaInstances(t testing.TB) []any {
	t.Helper()
	docs := []string{hcerttest.Vaccination, hcerttest.Test, hcerttest.Recovery}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "dcc", "common", "*", "*", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ JSON json.RawMessage }
		if json.Unmarshal(b, &v) == nil && len(v.JSON) > 0 && v.JSON[0] == '{' {
			docs = append(docs, string(v.JSON))
		}
	}
	var out []any
	for _, d := range docs {
		out = append(out, decodeInstance(t, []byte(d)))
	}
	return out
}

func decodeInstance(t testing.TB, b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// mutations returns copies of v with one change each: every value
// replaced by values of other types and edge sizes, every member removed.
func mutations(v any) []any {
	var out []any
	repl := []any{nil, true, json.Number("0"), json.Number("1"), json.Number("9"), json.Number("10"), json.Number("1.5"), json.Number("2.0"),
		json.Number("-1"), "", "x", strings.Repeat("A", 81), strings.Repeat("é", 50), "2021-13-45", []any{}, map[string]any{}}
	var walk func(cur any, set func(any))
	walk = func(cur any, set func(any)) {
		for _, r := range repl {
			set(r)
			out = append(out, deepCopy(v))
		}
		set(cur)
		switch x := cur.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				e := x[k]
				delete(x, k)
				out = append(out, deepCopy(v))
				x[k] = e
				walk(e, func(n any) { x[k] = n })
			}
			x["extra"] = "member"
			out = append(out, deepCopy(v))
			delete(x, "extra")
		case []any:
			for i, e := range x {
				walk(e, func(n any) { x[i] = n })
			}
		}
	}
	root := v
	walk(root, func(n any) { root = n; v = n })
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// ownSchema compiles schema.go's validator for a payload version.
func ownSchema(t testing.TB, ver string) *dccSchema {
	t.Helper()
	s, err := compileDCCSchema(assets.DCCSchemas()[ver])
	if err != nil {
		t.Fatalf("%s: %v", ver, err)
	}
	return s
}

// TestSchemaAgrees: schema.go's validator (the WebAssembly build's) and
// santhosh-tekuri/jsonschema (every other build's) accept and refuse the
// same payloads under every official schema version: the vectors' payloads
// and thousands of one-change mutations of them.
func TestSchemaAgrees(t *testing.T) {
	insts := schemaInstances(t)
	if len(insts) < 3 {
		t.Fatalf("only %d payloads", len(insts))
	}
	var all []any
	seen := map[string]bool{}
	for _, in := range insts {
		for _, m := range append([]any{in}, mutations(deepCopy(in))...) {
			b, _ := json.Marshal(m)
			if !seen[string(b)] {
				seen[string(b)] = true
				all = append(all, m)
			}
		}
	}
	n, refused := 0, 0
	for ver := range assets.DCCSchemas() {
		own := ownSchema(t, ver)
		lib, err := schemaFor(ver)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range all {
			ownErr, libErr := own.validate(in), lib.Validate(in)
			n++
			if ownErr != nil {
				refused++
			}
			if (ownErr == nil) != (libErr == nil) {
				b, _ := json.Marshal(in)
				t.Fatalf("schema %s, payload %s: ours %v, jsonschema %v", ver, b, ownErr, libErr)
			}
		}
	}
	if refused == 0 || refused == n {
		t.Fatalf("%d of %d refused: the mutations test nothing", refused, n)
	}
	t.Logf("%d validations agree, %d refused", n, refused)
}

// TestSchemaRefusesUnknownKeywords: a schema with a keyword that could
// constrain an instance and that schema.go does not implement is refused,
// never half-checked; so is a reference outside the document.
func TestSchemaRefusesUnknownKeywords(t *testing.T) {
	for _, doc := range []string{
		`{"type":"object","additionalProperties":false}`,
		`{"properties":{"a":{"exclusiveMaximum":3}}}`,
		`{"$ref":"https://example.org/s.json"}`,
		`{"$ref":"#/$defs/missing"}`,
		`{"type":"decimal"}`,
		`{"pattern":"("}`,
		`[]`,
	} {
		if _, err := compileDCCSchema([]byte(doc)); err == nil {
			t.Errorf("%s compiled", doc)
		}
	}
}

// TestSchemaRefCycle: a schema whose references go round without
// descending into the instance fails validation instead of recursing
// forever.
func TestSchemaRefCycle(t *testing.T) {
	s, err := compileDCCSchema([]byte(`{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.validate(map[string]any{}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
}

// TestSchemaMessages: the validator says where and what.
func TestSchemaMessages(t *testing.T) {
	s := ownSchema(t, "1.3.0")
	in := decodeInstance(t, []byte(strings.Replace(hcerttest.Vaccination, `"dn":2`, `"dn":0`, 1)))
	if err := s.validate(in); err == nil || !strings.Contains(err.Error(), "/v/0/dn") || !strings.Contains(err.Error(), "minimum") {
		t.Errorf("dn 0: %v", err)
	}
	in = decodeInstance(t, []byte(strings.Replace(hcerttest.Vaccination, `"dob":"2016-03",`, ``, 1)))
	if err := s.validate(in); err == nil || !strings.Contains(err.Error(), "oneOf") {
		t.Errorf("no dob: %v", err)
	}
}

// FuzzSchemaAgrees: for any JSON payload, schema.go's validator and
// jsonschema agree under the 1.3.0 schema.
func FuzzSchemaAgrees(f *testing.F) {
	f.Add([]byte(hcerttest.Vaccination))
	f.Add([]byte(hcerttest.Test))
	f.Add([]byte(`{"ver":"1.3.0","nam":{"fnt":"A"},"dob":"","r":[{}]}`))
	own := ownSchema(f, "1.3.0")
	lib, err := schemaFor("1.3.0")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var in any
		if d.Decode(&in) != nil {
			return
		}
		ownErr, libErr := own.validate(in), lib.Validate(in)
		if (ownErr == nil) != (libErr == nil) {
			t.Fatalf("ours %v, jsonschema %v", ownErr, libErr)
		}
	})
}

// BenchmarkSchema: one 1.3.0 vaccination payload validated by schema.go's
// validator and by jsonschema.
func BenchmarkSchema(b *testing.B) {
	in := decodeInstance(b, []byte(hcerttest.Vaccination))
	own := ownSchema(b, "1.3.0")
	lib, err := schemaFor("1.3.0")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("own", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := own.validate(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonschema", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := lib.Validate(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

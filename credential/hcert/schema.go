package hcert

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dccSchema is a JSON schema (draft 2020-12) compiled for the keywords the
// official EU DCC schemas use: type, properties, required, items,
// minItems, maxItems, minLength, maxLength, pattern (Go regexp syntax, not
// anchored, as santhosh-tekuri/jsonschema reads it), minimum, maximum,
// enum, const, oneOf, anyOf, allOf, and local references
// ("#/$defs/name"). "format" is an annotation in 2020-12 and is not
// asserted, as jsonschema does not by default. Any other keyword that
// could constrain an instance is refused when the schema is compiled, so
// that a schema this code does not understand is never half-checked.
//
// It replaces jsonschema in the verifier's WebAssembly (schema_js.go),
// where that library's own init (compiling the metaschemas of five drafts)
// was the largest part of the page's start; TestSchemaAgrees and
// FuzzSchemaAgrees hold the two to the same verdicts.
type dccSchema struct {
	types      []string
	properties map[string]*dccSchema
	propOrder  []string
	required   []string
	items      *dccSchema
	minItems   int
	maxItems   int // -1: none
	minLength  int
	maxLength  int // -1: none
	pattern    *regexp.Regexp
	minimum    *big.Rat
	maximum    *big.Rat
	enum       []any
	oneOf      []*dccSchema
	anyOf      []*dccSchema
	allOf      []*dccSchema
	ref        string
	root       *dccSchemaRoot
}

type dccSchemaRoot struct {
	defs map[string]*dccSchema
}

// annotations are keywords that never reject an instance.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "$defs": true, "title": true, "description": true,
	"examples": true, "format": true, "valueset-uri": true, "default": true, "deprecated": true,
	"readOnly": true, "writeOnly": true,
}

// compileDCCSchema compiles a schema document.
func compileDCCSchema(doc []byte) (*dccSchema, error) {
	var v any
	d := json.NewDecoder(strings.NewReader(string(doc)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("schema: %v", err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema: not an object")
	}
	root := &dccSchemaRoot{defs: map[string]*dccSchema{}}
	if defs, ok := top["$defs"].(map[string]any); ok {
		for name, dv := range defs {
			s, err := compileNode(dv, root, "/$defs/"+name)
			if err != nil {
				return nil, err
			}
			root.defs[name] = s
		}
	}
	s, err := compileNode(top, root, "")
	if err != nil {
		return nil, err
	}
	// Every reference resolves.
	var check func(*dccSchema, map[*dccSchema]bool) error
	check = func(s *dccSchema, seen map[*dccSchema]bool) error {
		if s == nil || seen[s] {
			return nil
		}
		seen[s] = true
		if s.ref != "" && root.defs[s.ref] == nil {
			return fmt.Errorf("schema: $ref %q is not a local definition", "#/$defs/"+s.ref)
		}
		for _, c := range s.properties {
			if err := check(c, seen); err != nil {
				return err
			}
		}
		for _, l := range [][]*dccSchema{s.oneOf, s.anyOf, s.allOf, {s.items}} {
			for _, c := range l {
				if err := check(c, seen); err != nil {
					return err
				}
			}
		}
		return nil
	}
	seen := map[*dccSchema]bool{}
	for _, d := range root.defs {
		if err := check(d, seen); err != nil {
			return nil, err
		}
	}
	return s, check(s, seen)
}

func compileNode(v any, root *dccSchemaRoot, at string) (*dccSchema, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema %s: not an object", at)
	}
	s := &dccSchema{root: root, maxItems: -1, maxLength: -1}
	fail := func(kw, problem string) error { return fmt.Errorf("schema %s/%s: %s", at, kw, problem) }
	count := func(kw string) (int, error) {
		n, ok := m[kw].(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil || i < 0 {
			return 0, fail(kw, "not a count")
		}
		return i, nil
	}
	list := func(kw string) ([]*dccSchema, error) {
		a, ok := m[kw].([]any)
		if !ok || len(a) == 0 {
			return nil, fail(kw, "not a list of schemas")
		}
		var out []*dccSchema
		for i, e := range a {
			c, err := compileNode(e, root, fmt.Sprintf("%s/%s/%d", at, kw, i))
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var err error
	for _, kw := range keys {
		val := m[kw]
		switch kw {
		case "type":
			switch t := val.(type) {
			case string:
				s.types = []string{t}
			case []any:
				for _, e := range t {
					str, ok := e.(string)
					if !ok {
						return nil, fail(kw, "not a type name")
					}
					s.types = append(s.types, str)
				}
			default:
				return nil, fail(kw, "not a type name")
			}
			for _, t := range s.types {
				switch t {
				case "string", "integer", "number", "object", "array", "boolean", "null":
				default:
					return nil, fail(kw, fmt.Sprintf("unknown type %q", t))
				}
			}
		case "properties":
			props, ok := val.(map[string]any)
			if !ok {
				return nil, fail(kw, "not an object")
			}
			s.properties = map[string]*dccSchema{}
			for name, pv := range props {
				if s.properties[name], err = compileNode(pv, root, at+"/properties/"+name); err != nil {
					return nil, err
				}
				s.propOrder = append(s.propOrder, name)
			}
			sort.Strings(s.propOrder)
		case "required":
			a, ok := val.([]any)
			if !ok {
				return nil, fail(kw, "not a list of names")
			}
			for _, e := range a {
				str, ok := e.(string)
				if !ok {
					return nil, fail(kw, "not a list of names")
				}
				s.required = append(s.required, str)
			}
		case "items":
			if s.items, err = compileNode(val, root, at+"/items"); err != nil {
				return nil, err
			}
		case "minItems":
			if s.minItems, err = count(kw); err != nil {
				return nil, err
			}
		case "maxItems":
			if s.maxItems, err = count(kw); err != nil {
				return nil, err
			}
		case "minLength":
			if s.minLength, err = count(kw); err != nil {
				return nil, err
			}
		case "maxLength":
			if s.maxLength, err = count(kw); err != nil {
				return nil, err
			}
		case "pattern":
			p, ok := val.(string)
			if !ok {
				return nil, fail(kw, "not a string")
			}
			if s.pattern, err = regexp.Compile(p); err != nil {
				return nil, fail(kw, err.Error())
			}
		case "minimum", "maximum":
			n, ok := val.(json.Number)
			r, ok2 := new(big.Rat).SetString(string(n))
			if !ok || !ok2 {
				return nil, fail(kw, "not a number")
			}
			if kw == "minimum" {
				s.minimum = r
			} else {
				s.maximum = r
			}
		case "enum":
			a, ok := val.([]any)
			if !ok {
				return nil, fail(kw, "not a list")
			}
			s.enum = a
		case "const":
			s.enum = []any{val}
		case "oneOf":
			if s.oneOf, err = list(kw); err != nil {
				return nil, err
			}
		case "anyOf":
			if s.anyOf, err = list(kw); err != nil {
				return nil, err
			}
		case "allOf":
			if s.allOf, err = list(kw); err != nil {
				return nil, err
			}
		case "$ref":
			r, ok := val.(string)
			if !ok || !strings.HasPrefix(r, "#/$defs/") || strings.Contains(r[len("#/$defs/"):], "/") {
				return nil, fail(kw, fmt.Sprintf("%v is not a local definition (#/$defs/name)", val))
			}
			s.ref = r[len("#/$defs/"):]
		default:
			if !annotations[kw] {
				return nil, fail(kw, "keyword not supported")
			}
		}
	}
	return s, nil
}

// validate checks an instance: the JSON model of encoding/json with
// numbers as json.Number (hcert's instance()). The error names the first
// place that fails, as a JSON pointer.
func (s *dccSchema) validate(v any) error { return s.check(v, "", 0) }

// maxSchemaDepth bounds how deep schemas apply within one another: a
// reference cycle that never descends into the instance would not end.
const maxSchemaDepth = 64

func (s *dccSchema) check(v any, at string, depth int) error {
	if depth > maxSchemaDepth {
		return fmt.Errorf("at %s: schemas nested more than %d deep (a reference cycle?)", at, maxSchemaDepth)
	}
	depth++
	where := at
	if where == "" {
		where = "/"
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("at %s: %s", where, fmt.Sprintf(format, args...))
	}
	if s.ref != "" {
		if err := s.root.defs[s.ref].check(v, at, depth); err != nil {
			return err
		}
	}
	if len(s.types) > 0 {
		ok := false
		for _, t := range s.types {
			if isType(v, t) {
				ok = true
				break
			}
		}
		if !ok {
			return fail("%s, want %s", jsonType(v), strings.Join(s.types, " or "))
		}
	}
	if len(s.enum) > 0 {
		ok := false
		for _, e := range s.enum {
			if jsonEqual(v, e) {
				ok = true
				break
			}
		}
		if !ok {
			return fail("value not one of those allowed")
		}
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if n < s.minLength {
			return fail("%d characters, fewer than %d", n, s.minLength)
		}
		if s.maxLength >= 0 && n > s.maxLength {
			return fail("%d characters, more than %d", n, s.maxLength)
		}
		if s.pattern != nil && !s.pattern.MatchString(x) {
			return fail("%q does not match %q", short(x), s.pattern.String())
		}
	case json.Number:
		if s.minimum != nil || s.maximum != nil {
			r, ok := new(big.Rat).SetString(string(x))
			if !ok {
				return fail("%q is not a number", string(x))
			}
			if s.minimum != nil && r.Cmp(s.minimum) < 0 {
				return fail("%s is less than the minimum %s", x, s.minimum.RatString())
			}
			if s.maximum != nil && r.Cmp(s.maximum) > 0 {
				return fail("%s is more than the maximum %s", x, s.maximum.RatString())
			}
		}
	case []any:
		if len(x) < s.minItems {
			return fail("%d items, fewer than %d", len(x), s.minItems)
		}
		if s.maxItems >= 0 && len(x) > s.maxItems {
			return fail("%d items, more than %d", len(x), s.maxItems)
		}
		if s.items != nil {
			for i, e := range x {
				if err := s.items.check(e, at+"/"+strconv.Itoa(i), depth); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		for _, name := range s.required {
			if _, ok := x[name]; !ok {
				return fail("missing property %q", name)
			}
		}
		for _, name := range s.propOrder {
			if e, ok := x[name]; ok {
				if err := s.properties[name].check(e, at+"/"+pointerEscape(name), depth); err != nil {
					return err
				}
			}
		}
	}
	for _, c := range s.allOf {
		if err := c.check(v, at, depth); err != nil {
			return err
		}
	}
	if len(s.anyOf) > 0 {
		var first error
		for _, c := range s.anyOf {
			err := c.check(v, at, depth)
			if err == nil {
				first = nil
				break
			}
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return fail("matches none of anyOf (first: %v)", first)
		}
	}
	if len(s.oneOf) > 0 {
		n := 0
		var first error
		for _, c := range s.oneOf {
			if err := c.check(v, at, depth); err == nil {
				n++
			} else if first == nil {
				first = err
			}
		}
		if n == 0 {
			return fail("matches none of oneOf (first: %v)", first)
		}
		if n > 1 {
			return fail("matches %d of oneOf, want exactly one", n)
		}
	}
	return nil
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// isType follows JSON Schema: an integer is a number with no fraction
// ("1.0" counts).
func isType(v any, t string) bool {
	switch x := v.(type) {
	case string:
		return t == "string"
	case bool:
		return t == "boolean"
	case nil:
		return t == "null"
	case map[string]any:
		return t == "object"
	case []any:
		return t == "array"
	case json.Number:
		if t == "number" {
			return true
		}
		if t == "integer" {
			r, ok := new(big.Rat).SetString(string(x))
			return ok && r.IsInt()
		}
	}
	return false
}

func jsonType(v any) string {
	for _, t := range []string{"string", "boolean", "null", "object", "array", "integer", "number"} {
		if isType(v, t) {
			return t
		}
	}
	return fmt.Sprintf("%T", v)
}

func jsonEqual(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		ar, ok1 := new(big.Rat).SetString(string(an))
		br, ok2 := new(big.Rat).SetString(string(bn))
		return ok1 && ok2 && ar.Cmp(br) == 0
	}
	return reflect.DeepEqual(a, b)
}

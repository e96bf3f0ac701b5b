package vax

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// maxJSONDepth bounds nesting; FHIR Bundles of immunizations need about 10.
const maxJSONDepth = 64

// parseJSON decodes data into a tree of strictjson.Object, []any, string,
// json.Number, bool and nil. Unlike json.Unmarshal it rejects invalid UTF-8,
// duplicate object keys (which different readers resolve differently), deep
// nesting and trailing data.
func parseJSON(data []byte) (any, error) {
	v, err := strictjson.Parse(data, maxJSONDepth)
	if err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) && se.Duplicate != "" {
			parent := "Bundle" + strings.TrimSuffix(se.Path, "."+se.Duplicate)
			return nil, &FHIRError{Path: parent, Problem: "duplicate key", Value: se.Duplicate}
		}
		if errors.As(err, &se) && strings.HasPrefix(se.Problem, "nested deeper") {
			return nil, &FHIRError{Path: "Bundle" + se.Path, Problem: se.Problem}
		}
		if errors.As(err, &se) {
			return nil, &FHIRError{Problem: fmt.Sprintf("invalid JSON near offset %d (at Bundle%s): %s", se.Offset, se.Path, se.Problem), Err: err}
		}
		return nil, &FHIRError{Problem: err.Error(), Err: err}
	}
	return v, nil
}

// object is a JSON object with its path, for error messages.
type object struct {
	m    strictjson.Object
	path string
}

func (o object) at(key string) string { return o.path + "." + key }

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case strictjson.Object:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func wrongType(path, want string, v any) error {
	return &FHIRError{Path: path, Problem: "want " + want + ", got " + typeName(v)}
}

// str returns the string member key; ok is false if it is absent.
func (o object) str(key string) (s string, ok bool, err error) {
	v, present := o.m.Get(key)
	if !present {
		return "", false, nil
	}
	s, ok = v.(string)
	if !ok {
		return "", false, wrongType(o.at(key), "a string", v)
	}
	return s, true, nil
}

// obj returns the object member key; ok is false if it is absent.
func (o object) obj(key string) (object, bool, error) {
	v, present := o.m.Get(key)
	return asObject(v, o.at(key), present)
}

func hasKey(m strictjson.Object, k string) bool { _, ok := m.Get(k); return ok }

func asObject(v any, path string, present bool) (object, bool, error) {
	if !present {
		return object{}, false, nil
	}
	m, ok := v.(strictjson.Object)
	if !ok {
		return object{}, false, wrongType(path, "an object", v)
	}
	return object{m, path}, true, nil
}

// arr returns the array member key; ok is false if it is absent.
func (o object) arr(key string) ([]any, bool, error) {
	v, present := o.m.Get(key)
	if !present {
		return nil, false, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, false, wrongType(o.at(key), "an array", v)
	}
	return a, true, nil
}

// objects returns the array member key as objects.
func (o object) objects(key string) ([]object, error) {
	a, _, err := o.arr(key)
	if err != nil {
		return nil, err
	}
	out := make([]object, len(a))
	for i, v := range a {
		p := o.at(key) + "[" + strconv.Itoa(i) + "]"
		if out[i], _, err = asObject(v, p, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// positiveInt returns the FHIR positiveInt member key (1..2^31-1), or 0 if
// absent.
func (o object) positiveInt(key string) (int, error) {
	v, present := o.m.Get(key)
	if !present {
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, wrongType(o.at(key), "a positive integer", v)
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil || i < 1 {
		return 0, &FHIRError{Path: o.at(key), Problem: "want a positive integer, got", Value: string(n)}
	}
	return int(i), nil
}

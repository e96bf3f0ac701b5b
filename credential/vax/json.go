package vax

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting; FHIR Bundles of immunizations need about 10.
const maxJSONDepth = 64

// parseJSON decodes data into a tree of map[string]any, []any, string,
// json.Number, bool and nil. Unlike json.Unmarshal it rejects invalid UTF-8,
// duplicate object keys (which different readers resolve differently), deep
// nesting and trailing data.
func parseJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, &FHIRError{Problem: "input is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec, "Bundle", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &FHIRError{Problem: "invalid JSON: data after the top-level value"}
	}
	return v, nil
}

func syntaxError(dec *json.Decoder, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &FHIRError{Problem: fmt.Sprintf("invalid JSON near offset %d: %v", dec.InputOffset(), err), Err: err}
}

func readValue(dec *json.Decoder, path string, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(dec, err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxJSONDepth {
		return nil, &FHIRError{Path: path, Problem: fmt.Sprintf("nested deeper than %d levels", maxJSONDepth)}
	}
	switch d {
	case '{':
		m := map[string]any{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, syntaxError(dec, err)
			}
			k, ok := tok.(string)
			if !ok {
				return nil, syntaxError(dec, errors.New("object key is not a string"))
			}
			if _, dup := m[k]; dup {
				return nil, &FHIRError{Path: path, Problem: "duplicate key", Value: k}
			}
			v, err := readValue(dec, path+"."+k, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntaxError(dec, err)
		}
		return m, nil
	case '[':
		a := []any{}
		for dec.More() {
			v, err := readValue(dec, path+"["+strconv.Itoa(len(a))+"]", depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntaxError(dec, err)
		}
		return a, nil
	}
	return nil, syntaxError(dec, fmt.Errorf("unexpected %v", d))
}

// object is a JSON object with its path, for error messages.
type object struct {
	m    map[string]any
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
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func wrongType(path, want string, v any) error {
	return &FHIRError{Path: path, Problem: "want " + want + ", got " + typeName(v)}
}

// str returns the string member key; ok is false if it is absent.
func (o object) str(key string) (s string, ok bool, err error) {
	v, present := o.m[key]
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
	return asObject(o.m[key], o.at(key), hasKey(o.m, key))
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func asObject(v any, path string, present bool) (object, bool, error) {
	if !present {
		return object{}, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return object{}, false, wrongType(path, "an object", v)
	}
	return object{m, path}, true, nil
}

// arr returns the array member key; ok is false if it is absent.
func (o object) arr(key string) ([]any, bool, error) {
	v, present := o.m[key]
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
	v, present := o.m[key]
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

package vax

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// maxJSONDepth bounds nesting; FHIR Bundles of immunizations need about 10.
const maxJSONDepth = 64

// parseJSON parses data strictly (see internal/strictjson): it rejects
// invalid UTF-8, duplicate object keys (which different readers resolve
// differently), deep nesting and trailing data.
func parseJSON(data []byte) (strictjson.Value, error) {
	v, err := strictjson.ParseDoc(data, maxJSONDepth)
	if err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) && se.Duplicate != "" {
			parent := "Bundle" + strings.TrimSuffix(se.Path, "."+se.Duplicate)
			return strictjson.Value{}, &FHIRError{Path: parent, Problem: "duplicate key", Value: se.Duplicate}
		}
		if errors.As(err, &se) && strings.HasPrefix(se.Problem, "nested deeper") {
			return strictjson.Value{}, &FHIRError{Path: "Bundle" + se.Path, Problem: se.Problem}
		}
		if errors.As(err, &se) {
			return strictjson.Value{}, &FHIRError{Problem: fmt.Sprintf("invalid JSON near offset %d (at Bundle%s): %s", se.Offset, se.Path, se.Problem), Err: err}
		}
		return strictjson.Value{}, &FHIRError{Problem: err.Error(), Err: err}
	}
	return v, nil
}

// object is a JSON object inside a Bundle. Its FHIRPath-style path, for
// error messages, is worked out from the document only when an error needs
// it: mapping a valid Bundle builds no path strings.
type object struct {
	v    strictjson.Value
	root strictjson.Value // the Bundle
}

func (o object) path() string { return pathOf(o.v, o.root) }

func pathOf(v, root strictjson.Value) string { return "Bundle" + v.Path(root) }

func (o object) at(key string) string { return o.path() + "." + key }

func wrongType(path, want string, v strictjson.Value) error {
	return &FHIRError{Path: path, Problem: "want " + want + ", got " + v.Kind().String()}
}

// str returns the string member key; ok is false if it is absent.
func (o object) str(key string) (s string, ok bool, err error) {
	v := o.v.Get(key)
	if !v.Exists() {
		return "", false, nil
	}
	s, ok = v.Str()
	if !ok {
		return "", false, wrongType(o.at(key), "a string", v)
	}
	return s, true, nil
}

// obj returns the object member key; ok is false if it is absent.
func (o object) obj(key string) (object, bool, error) {
	return asObject(o.v.Get(key), o.root)
}

func (o object) has(key string) bool { return o.v.Get(key).Exists() }

func asObject(v, root strictjson.Value) (object, bool, error) {
	if !v.Exists() {
		return object{}, false, nil
	}
	if v.Kind() != strictjson.ObjectKind {
		return object{}, false, wrongType(pathOf(v, root), "an object", v)
	}
	return object{v, root}, true, nil
}

// arr returns the array member key; ok is false if it is absent.
func (o object) arr(key string) (strictjson.Value, bool, error) {
	v := o.v.Get(key)
	if !v.Exists() {
		return v, false, nil
	}
	if v.Kind() != strictjson.Array {
		return strictjson.Value{}, false, wrongType(o.at(key), "an array", v)
	}
	return v, true, nil
}

// list is an array of objects, as [object.objects] returns it.
type list struct{ a, root strictjson.Value }

func (l list) len() int { return l.a.Len() }

// first returns the first object, absent (o.v.Exists() false) for an empty
// list; next walks on. A loop over them costs no closure.
func (l list) first() object { return object{l.a.First(), l.root} }

func (o object) next() object { return object{o.v.Next(), o.root} }

func (o object) ok() bool { return o.v.Exists() }

// objects returns the array member key, checking that every item is an
// object; an absent member is an empty list.
func (o object) objects(key string) (list, error) {
	a, _, err := o.arr(key)
	if err != nil {
		return list{}, err
	}
	for v := a.First(); v.Exists(); v = v.Next() {
		if _, _, err := asObject(v, o.root); err != nil {
			return list{}, err
		}
	}
	return list{a, o.root}, nil
}

// positiveInt returns the FHIR positiveInt member key (1..2^31-1), or 0 if
// absent.
func (o object) positiveInt(key string) (int, error) {
	v := o.v.Get(key)
	if !v.Exists() {
		return 0, nil
	}
	n, ok := v.Num()
	if !ok {
		return 0, wrongType(o.at(key), "a positive integer", v)
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil || i < 1 {
		return 0, &FHIRError{Path: o.at(key), Problem: "want a positive integer, got", Value: string(n)}
	}
	return int(i), nil
}

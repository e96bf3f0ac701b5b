package strictjson

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// CaseError reports a member whose name matches a field of the target only
// when case is ignored. encoding/json would fill the field from it, so a
// signed body {"status":"valid","Status":"revoked"} — two distinct names to
// a duplicate check — would be applied as "revoked".
type CaseError struct {
	Path, Name, Field string
}

func (e *CaseError) Error() string {
	return fmt.Sprintf("member %q%s: names are case-sensitive, the field is %q", e.Name, at(e.Path), e.Field)
}

func at(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

// Unmarshal decodes security-relevant input into v exactly: the input must
// be strict JSON (see [Parse]: no duplicate names at any depth, valid
// UTF-8, depth bounded by MaxDepth), and every member that names a field
// of v's type must name it with exact case ([*CaseError] otherwise). Members
// no field names are ignored, as encoding/json ignores them. Then the input
// is decoded by encoding/json, which, with those checks done, sees the same
// object the checks saw.
func Unmarshal(data []byte, v any) error {
	if err := CheckCase(data, v); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// CheckCase is Unmarshal's checks without the decoding, for callers that
// decode with options of their own (DisallowUnknownFields, UseNumber).
func CheckCase(data []byte, v any) error {
	tree, err := Parse(data, MaxDepth)
	if err != nil {
		return err
	}
	return checkCase(tree, reflect.TypeOf(v), "")
}

var (
	rawMessage  = reflect.TypeOf(json.RawMessage(nil))
	unmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

func checkCase(val any, t reflect.Type, path string) error {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshaler) {
			return nil
		}
		t = t.Elem()
	}
	if t == rawMessage || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil // decoded later by its own, strict, reader
	}
	switch t.Kind() {
	case reflect.Struct:
		o, ok := val.(Object)
		if !ok {
			return nil // a type error encoding/json reports
		}
		fields := fieldsOf(t)
		for _, m := range o {
			f, ok := fields.exact[m.Name]
			if !ok {
				// strings.EqualFold folds as encoding/json does (Unicode
				// simple folding: "ſtatus" and "\u212aid" match too).
				for _, want := range fields.names {
					if strings.EqualFold(m.Name, want) {
						return &CaseError{Path: path, Name: m.Name, Field: want}
					}
				}
				continue
			}
			if err := checkCase(m.Value, f, join(path, m.Name)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if o, ok := val.(Object); ok {
			for _, m := range o {
				if err := checkCase(m.Value, t.Elem(), join(path, m.Name)); err != nil {
					return err
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if a, ok := val.([]any); ok {
			for i, e := range a {
				if err := checkCase(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

type fieldSet struct {
	exact map[string]reflect.Type // JSON name → field type
	names []string
}

var fieldCache sync.Map // reflect.Type → *fieldSet

// fieldsOf lists the JSON names encoding/json decodes into t, embedded
// structs flattened.
func fieldsOf(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{exact: map[string]reflect.Type{}}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := fs.exact[name]; dup {
				continue // the outer field wins, as in encoding/json
			}
			fs.exact[name] = f.Type
			fs.names = append(fs.names, name)
		}
	}
	walk(t)
	fieldCache.Store(t, fs)
	return fs
}

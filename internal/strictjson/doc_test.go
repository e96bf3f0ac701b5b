package strictjson

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestDocValues(t *testing.T) {
	in := []byte(` {"a":[1,"x\u00e9",{"b":null}],"c":true,"d":{},"e":[],"f":"\"q\""} `)
	v, err := ParseDoc(in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind() != ObjectKind || v.Len() != 5 {
		t.Fatalf("top: %v, %d members", v.Kind(), v.Len())
	}
	a := v.Get("a")
	if a.Kind() != Array || a.Len() != 3 {
		t.Fatalf("a: %v %d", a.Kind(), a.Len())
	}
	var kinds []Kind
	for i, it := range a.Items() {
		kinds = append(kinds, it.Kind())
		if got := it.Path(v); got != ".a["+strconv.Itoa(i)+"]" {
			t.Errorf("path of a[%d] = %q", i, got)
		}
	}
	if !reflect.DeepEqual(kinds, []Kind{Number, String, ObjectKind}) {
		t.Errorf("kinds %v", kinds)
	}
	if n, ok := a.Get("x").Num(); ok || n != "" {
		t.Error("Get on an array found a member")
	}
	b := v.Get("a").Get("nope").Get("deeper")
	if b.Exists() || b.Kind() != Absent || b.Len() != 0 || b.Raw() != "" || b.Path(v) != "" {
		t.Error("absent chain is not absent")
	}
	var third Value
	for i, it := range a.Items() {
		if i == 2 {
			third = it
		}
	}
	if null := third.Get("b"); null.Kind() != Null || null.Path(v) != ".a[2].b" {
		t.Errorf("a[2].b: %v at %q", null.Kind(), null.Path(v))
	}
	if s, ok := v.Get("f").Str(); !ok || s != `"q"` || v.Get("f").Raw() != `"\"q\""` {
		t.Errorf("f = %q raw %q", s, v.Get("f").Raw())
	}
	if s, ok := v.Get("a").Str(); ok || s != "" {
		t.Error("Str on an array")
	}
	if bv, ok := v.Get("c").Bool(); !ok || !bv {
		t.Error("c")
	}
	start, end := v.Get("a").Span()
	if string(in[start:end]) != `[1,"x\u00e9",{"b":null}]` {
		t.Errorf("span %q", in[start:end])
	}
	var names []string
	for name := range v.Members() {
		names = append(names, name)
	}
	if strings.Join(names, ",") != "a,c,d,e,f" {
		t.Errorf("members %v", names)
	}
	if v.Get("d").Len() != 0 || v.Get("e").Len() != 0 || v.Get("d").Kind() != ObjectKind || v.Get("e").Kind() != Array {
		t.Error("empty containers")
	}
}

// TestDocErrorsMatchParse: ParseDoc refuses what Parse refuses, with the
// same message (Parse is ParseDoc boxed, so this guards the split).
func TestDocErrorsMatchParse(t *testing.T) {
	for _, tt := range invalid {
		_, err := ParseDoc([]byte(tt.in), 0)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDoc(%q) = %v, want an error about %q", tt.in, err, tt.want)
		}
	}
}

// checkDoc walks every value of a document and checks that its raw text
// parses to the same boxed value, that its path leads back to it, and that
// Len counts what Items and Members yield.
func checkDoc(t *testing.T, root, v Value) {
	t.Helper()
	sub, err := Parse([]byte(v.Raw()), 0)
	if err != nil {
		t.Fatalf("raw %q of a value does not parse: %v", v.Raw(), err)
	}
	if !reflect.DeepEqual(Plain(sub), Plain(v.Any())) {
		t.Fatalf("raw %q parses to %#v, the value is %#v", v.Raw(), sub, v.Any())
	}
	if back := follow(root, v.Path(root)); back != v {
		t.Fatalf("path %q does not lead back", v.Path(root))
	}
	n := 0
	for _, it := range v.Items() {
		checkDoc(t, root, it)
		n++
	}
	for _, m := range v.Members() {
		checkDoc(t, root, m)
		n++
	}
	if n != v.Len() {
		t.Fatalf("Len %d, %d yielded", v.Len(), n)
	}
}

// follow resolves a path that Path made, for member names without '.' or
// '['.
func follow(v Value, path string) Value {
	for path != "" {
		if path[0] == '[' {
			j := strings.IndexByte(path, ']')
			i, _ := strconv.Atoi(path[1:j])
			path = path[j+1:]
			var next Value
			for k, it := range v.Items() {
				if k == i {
					next = it
				}
			}
			v = next
			continue
		}
		j := strings.IndexAny(path[1:], ".[")
		if j < 0 {
			j = len(path) - 1
		}
		v, path = v.Get(path[1:j+1]), path[j+1:]
	}
	return v
}

func FuzzParseDoc(f *testing.F) {
	for _, v := range valid {
		f.Add([]byte(v))
	}
	f.Add([]byte(`{"a":[{"b":[1,{"c":"d"}]},2],"e":{"f":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseDoc(data, 0)
		if err != nil {
			return
		}
		if strings.ContainsAny(string(data), ".[") {
			// follow cannot split names holding '.' or '['; check the
			// boxed tree only.
			if _, err := Parse(data, 0); err != nil {
				t.Fatal(err)
			}
			return
		}
		checkDoc(t, v, v)
	})
}

func BenchmarkParseDoc(b *testing.B) {
	doc := []byte(`{"iss":"https://spec.smarthealth.cards/examples/issuer","nbf":1687450764.656,"vc":{"type":["https://smarthealth.cards#health-card"],"credentialSubject":{"fhirVersion":"4.0.1","fhirBundle":{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Anyperson","given":["John","B."]}],"birthDate":"1951-01-20"}},{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01","performer":[{"actor":{"display":"ABC General Hospital"}}],"lotNumber":"0000001"}}]}}}}`)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDoc(doc, 0); err != nil {
			b.Fatal(err)
		}
	}
}

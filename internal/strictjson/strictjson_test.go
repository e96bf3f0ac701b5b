package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// stdParse is encoding/json's reading of data, with numbers kept as text.
func stdParse(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing")
	}
	var rest json.RawMessage
	if d.Decode(&rest) == nil {
		return nil, errors.New("trailing")
	}
	return v, nil
}

var valid = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `true`, `false`, `null`,
	` { "a" : [1, 2, {"b": null}], "c": "d\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00" } `,
	`{"iss":"https://x","nbf":1687450764.656,"vc":{"type":["a"]}}`,
	`"\ud800"`, `"é"`, `[1E5, 2e+3, -0.0]`,
}

var invalid = []struct{ in, want string }{
	{``, "end of input"},
	{`{`, "member name"},
	{`{"a":1,"a":2}`, "duplicate"},
	{`{"a":{"b":1,"b":1}}`, "duplicate"},
	{`{"a":1,"\u0061":2}`, "duplicate"},
	{`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":3}`, "duplicate"},
	{`[1,]`, "unexpected"},
	{`{"a":1,}`, "member name"},
	{`01`, "after the top-level"},
	{`1.`, "after '.'"},
	{`1e`, "exponent"},
	{`-`, "invalid number"},
	{`"a`, "unterminated"},
	{"\"\x01\"", "control"},
	{`"\x"`, "escape"},
	{`"\u12"`, "\\u"},
	{`tru`, "literal"},
	{`{} {}`, "after the top-level"},
	{"\"\xff\"", "UTF-8"},
	{`{"a" 1}`, "':'"},
	{`[1 2]`, "','"},
	{strings.Repeat("[", 65) + strings.Repeat("]", 65), "deeper"},
	{`NaN`, "unexpected character"},
}

func plain(v any) any { return Plain(v) }

func TestAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range valid {
		got, err := Parse([]byte(in), 0)
		if err != nil {
			t.Errorf("Parse(%s): %v", in, err)
			continue
		}
		want, err := stdParse([]byte(in))
		if err != nil {
			t.Fatalf("std(%s): %v", in, err)
		}
		if !reflect.DeepEqual(plain(got), want) {
			t.Errorf("Parse(%s) = %#v, want %#v", in, got, want)
		}
	}
}

func TestRefuses(t *testing.T) {
	for _, tt := range invalid {
		_, err := Parse([]byte(tt.in), 0)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error about %q", tt.in, err, tt.want)
		}
	}
	_, err := Parse([]byte(`{"entry":[{"r":{"x":1,"x":2}}]}`), 0)
	if e := err.(*Error); e.Path != ".entry[0].r.x" {
		t.Errorf("path %q", e.Path)
	}
}

func TestSpan(t *testing.T) {
	doc := []byte(`{"iss":"x","s":"a\"}{","vc":{"type":["a","}"],"credentialSubject":{"fhirVersion":"4","fhirBundle":{"a":[1,{"b":"]"}]}}},"n":1}`)
	if _, err := Parse(doc, 0); err != nil {
		t.Fatal(err)
	}
	got, ok := Span(doc, "vc", "credentialSubject", "fhirBundle")
	if !ok || string(got) != `{"a":[1,{"b":"]"}]}` {
		t.Fatalf("%q %v", got, ok)
	}
	if got, ok := Span(doc, "n"); !ok || string(got) != "1" {
		t.Fatalf("%q", got)
	}
	if _, ok := Span(doc, "nope"); ok {
		t.Fatal("found a missing member")
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range valid {
		f.Add([]byte(v))
	}
	for _, v := range invalid {
		f.Add([]byte(v.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data, 0)
		want, stdErr := stdParse(data)
		if err == nil {
			// What we accept, encoding/json reads the same way.
			if stdErr != nil {
				t.Fatalf("accepted what encoding/json refuses (%v): %q", stdErr, data)
			}
			if !reflect.DeepEqual(plain(got), want) {
				t.Fatalf("differs from encoding/json: %#v vs %#v", got, want)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	doc := []byte(`{"iss":"https://spec.smarthealth.cards/examples/issuer","nbf":1687450764.656,"vc":{"type":["https://smarthealth.cards#health-card"],"credentialSubject":{"fhirVersion":"4.0.1","fhirBundle":{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Anyperson","given":["John","B."]}],"birthDate":"1951-01-20"}},{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01","performer":[{"actor":{"display":"ABC General Hospital"}}],"lotNumber":"0000001"}}]}}}}`)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Parse(doc, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUnmarshalExactCase(t *testing.T) {
	type inner struct {
		Kid string `json:"kid"`
	}
	type body struct {
		Status string           `json:"status"`
		Keys   []inner          `json:"keys"`
		ByName map[string]inner `json:"byName"`
		Raw    json.RawMessage  `json:"raw"`
		Plain  string
		Extra  map[string]string `json:"-"`
	}
	tests := []struct {
		in      string
		wantErr bool
	}{
		{`{"status":"valid"}`, false},
		{`{"status":"valid","unknown":1}`, false},
		{`{"Plain":"x"}`, false},
		{`{"raw":{"Status":"revoked"}}`, false}, // RawMessage: decoded later by its own reader
		{`{"status":"valid","Status":"revoked"}`, true},
		{`{"Status":"revoked"}`, true},
		{`{"STATUS":"revoked"}`, true},
		{"{\"\u017ftatus\":\"revoked\"}", true}, // long s folds to s in encoding/json
		{`{"plain":"x"}`, true},
		{`{"keys":[{"kid":"a"},{"KID":"b"}]}`, true},
		{`{"byName":{"x":{"Kid":"b"}}}`, true},
		{`{"status":"valid","status":"revoked"}`, true}, // a plain duplicate
	}
	for _, tt := range tests {
		var b body
		err := Unmarshal([]byte(tt.in), &b)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v, want error %v", tt.in, err, tt.wantErr)
		}
	}
	var b body
	err := Unmarshal([]byte(`{"status":"valid","Status":"revoked"}`), &b)
	var ce *CaseError
	if !errors.As(err, &ce) || ce.Name != "Status" || ce.Field != "status" || b.Status != "" {
		t.Fatalf("got %v (%+v), status %q", err, ce, b.Status)
	}
}

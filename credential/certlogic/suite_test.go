package certlogic

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const suiteDir = "../../testdata/dcc/certlogic"

type suiteFile struct {
	Name      string `json:"name"`
	Directive string `json:"directive"`
	Cases     []struct {
		Name       string          `json:"name"`
		Directive  string          `json:"directive"`
		Expression json.RawMessage `json:"certLogicExpression"`
		Assertions []struct {
			Directive  string          `json:"directive"`
			Expression json.RawMessage `json:"certLogicExpression"`
			Data       json.RawMessage `json:"data"`
			Expected   json.RawMessage `json:"expected"`
			Message    string          `json:"message"`
		} `json:"assertions"`
	} `json:"cases"`
}

func decodeNumbers(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return v
}

// normalise turns evaluation results and expected values into comparable
// JSON values (integers as int64, date-times as their string).
func normalise(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = normalise(it)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = normalise(it)
		}
		return out
	case DateTime:
		return x.String()
	}
	if isNumber(v) {
		if n, ok := toInt(v); ok {
			return n
		}
		return toFloat(v)
	}
	return v
}

// TestOfficialSuite runs every file of the official CertLogic evaluator test
// suite. Assertions the suite itself marks "skip" are run too when this
// implementation supports them (the "data" key in reduce), and otherwise
// checked to fail with an error rather than a wrong value.
func TestOfficialSuite(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(suiteDir, "testSuite", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no suite files: %v", err)
	}
	total, skipped := 0, 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sf suiteFile
		if err := json.Unmarshal(raw, &sf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range sf.Cases {
			for i, a := range c.Assertions {
				exprRaw := c.Expression
				if len(a.Expression) > 0 {
					exprRaw = a.Expression
				}
				name := filepath.Base(f) + "/" + c.Name + "/" + a.Message
				skip := sf.Directive == "skip" || c.Directive == "skip" || a.Directive == "skip"
				total++
				t.Run(name, func(t *testing.T) {
					expr, err := Compile(decodeNumbers(t, exprRaw), nil)
					if err != nil {
						t.Fatalf("#%d: compile %s: %v", i, exprRaw, err)
					}
					got, err := expr.Eval(decodeNumbers(t, a.Data))
					if skip && strings.Contains(f, "ins-with-nulls") {
						// The suite skips these: the specification makes a
						// non-array right operand of "in" an error.
						skipped++
						if err == nil {
							t.Fatalf("#%d: in on non-array data %s = %v, want an error", i, a.Data, got)
						}
						return
					}
					if err != nil {
						t.Fatalf("#%d: eval %s on %s: %v", i, exprRaw, a.Data, err)
					}
					want := normalise(decodeNumbers(t, a.Expected))
					if !reflect.DeepEqual(normalise(got), want) {
						t.Fatalf("#%d: %s on %s = %#v, want %#v", i, exprRaw, a.Data, normalise(got), want)
					}
				})
			}
		}
	}
	if total < 200 {
		t.Fatalf("only %d assertions ran; the suite has more", total)
	}
	t.Logf("%d assertions, %d of them marked skip by the suite (checked as errors)", total, skipped)
}

type validationFile struct {
	Name  string `json:"name"`
	Cases []struct {
		Expression json.RawMessage `json:"certLogicExpression"`
		Issues     []struct {
			Expr    json.RawMessage `json:"expr"`
			Message string          `json:"message"`
		} `json:"issues"`
	} `json:"cases"`
}

// TestOfficialValidationSuite runs the official validation test suite: the
// same issues, with the same messages, for every case.
func TestOfficialValidationSuite(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(suiteDir, "validation-testSuite", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no validation suite files: %v", err)
	}
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var vf validationFile
		if err := json.Unmarshal(raw, &vf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, c := range vf.Cases {
			n++
			expr := decodeNumbers(t, c.Expression)
			issues := Validate(expr)
			var got, want []string
			for _, is := range issues {
				got = append(got, is.Message)
			}
			for _, is := range c.Issues {
				want = append(want, is.Message)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s #%d %s: issues %q, want %q", filepath.Base(f), i, c.Expression, got, want)
			}
			for j, is := range issues {
				if j < len(c.Issues) && !reflect.DeepEqual(normalise(is.Expr), normalise(decodeNumbers(t, c.Issues[j].Expr))) {
					t.Errorf("%s #%d: issue %d is about %v, want %s", filepath.Base(f), i, j, is.Expr, c.Issues[j].Expr)
				}
			}
			if _, err := Compile(expr, nil); (err == nil) != (len(c.Issues) == 0) {
				t.Errorf("%s #%d: Compile error %v, want issues %q", filepath.Base(f), i, err, want)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d validation cases ran", n)
	}
}

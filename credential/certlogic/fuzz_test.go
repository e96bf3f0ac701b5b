package certlogic

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzEval: any JSON text either fails to parse or evaluates (to a value or
// an error) without panicking, against a few data contexts.
func FuzzEval(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(suiteDir, "testSuite", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 8000 {
			f.Add(b, []byte(`{"x":[1,2],"payload":{"dob":"2004-01"}}`))
		}
	}
	f.Add([]byte(`{"reduce":[{"var":"x"},{"+":[{"var":"accumulator"},{"var":"current"}]},0]}`), []byte(`{"x":[1,2,3]}`))
	f.Add([]byte(`{"after":[{"plusTime":[{"var":"d"},-18,"year"]},{"dccDateOfBirth":[{"var":"b"}]}]}`), []byte(`{"d":"2021-06-01T00:00:00+1:30","b":"2004"}`))
	f.Add([]byte(deepNot(300)), []byte(`null`))
	f.Fuzz(func(t *testing.T, expr, data []byte) {
		e, err := Parse(expr)
		if err != nil {
			return
		}
		d, err := decodeJSON(data)
		if err != nil {
			d = nil
		}
		_, _ = e.Eval(d)
		_ = Validate(e.Source())
	})
}

// FuzzParseRules: the rules reader never panics, and what it accepts
// evaluates without panicking.
func FuzzParseRules(f *testing.F) {
	if b, err := os.ReadFile("testdata/rules-eu.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"Identifier":"VR-XX-0001"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rules, err := ParseRules(b, nil)
		if err != nil {
			return
		}
		for _, r := range rules {
			_, _ = r.Logic.Eval(Data(vaccination("2021-08-01", 1, 2, "x", "y"), External{}))
		}
	})
}

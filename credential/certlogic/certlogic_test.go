package certlogic

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, s string) *Expr {
	t.Helper()
	e, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%s): %v", s, err)
	}
	return e
}

func TestPlusTime(t *testing.T) {
	for _, tc := range []struct {
		in     string
		amount int
		unit   string
		want   string
	}{
		// The specification's leap-day table.
		{"2020-02-29", 1, "day", "2020-03-01T00:00:00.000Z"},
		{"2020-02-29", 1, "month", "2020-03-29T00:00:00.000Z"},
		{"2020-02-29", 1, "year", "2021-03-01T00:00:00.000Z"},
		// JavaScript month overflow.
		{"2021-01-31", 1, "month", "2021-03-03T00:00:00.000Z"},
		{"2021-03-31", -1, "month", "2021-03-03T00:00:00.000Z"},
		// Partial dates are their last day.
		{"2004", 0, "day", "2004-12-31T00:00:00.000Z"},
		{"2004-02", 0, "day", "2004-02-29T00:00:00.000Z"},
		{"2004-01", 18, "year", "2022-01-31T00:00:00.000Z"},
		// Every allowed form of time and offset.
		{"2021-06-01T10:00:00", 0, "hour", "2021-06-01T10:00:00.000Z"},
		{"2021-06-01T10:00:00Z", 2, "hour", "2021-06-01T12:00:00.000Z"},
		{"2021-06-01T10:00:00+2", 0, "hour", "2021-06-01T08:00:00.000Z"},
		{"2021-06-01T10:00:00-02", 0, "hour", "2021-06-01T12:00:00.000Z"},
		{"2021-06-01T10:00:00+130", 0, "hour", "2021-06-01T08:30:00.000Z"},
		{"2021-06-01T10:00:00+0130", 0, "hour", "2021-06-01T08:30:00.000Z"},
		{"2021-06-01T10:00:00+1:30", 0, "hour", "2021-06-01T08:30:00.000Z"},
		{"2021-06-01T10:00:00+01:30", 0, "hour", "2021-06-01T08:30:00.000Z"},
		{"2021-06-01T10:00:00.1", 0, "hour", "2021-06-01T10:00:00.100Z"},
		{"2021-06-01T10:00:00.123456Z", 0, "hour", "2021-06-01T10:00:00.123Z"},
		{"2021-06-01T10:00:00.9999+05:30", 0, "hour", "2021-06-01T04:30:00.999Z"},
		// DST does not exist in UTC offsets.
		{"2021-03-27T12:00:00+01:00", 24, "hour", "2021-03-28T11:00:00.000Z"},
	} {
		d, err := ParseDateTime(tc.in)
		if err != nil {
			t.Fatalf("ParseDateTime(%q): %v", tc.in, err)
		}
		got, err := d.Plus(tc.amount, tc.unit)
		if err != nil {
			t.Fatalf("%q plus %d %s: %v", tc.in, tc.amount, tc.unit, err)
		}
		if got.String() != tc.want {
			t.Errorf("%q plus %d %s = %s, want %s", tc.in, tc.amount, tc.unit, got, tc.want)
		}
	}
}

func TestParseDateTimeRejects(t *testing.T) {
	for _, in := range []string{"", "21-06-01", "2021-13", "2021-02-30", "2021-09-99", "2021-06-01T24:00:00",
		"2021-06-01T10:00", "2021-06-01 10:00:00", "2021-06-01T10:00:00+25:00", "2021-06-01T10:00:00+01:75",
		"2021-06-01T10:00:00.Z", "２０２１"} {
		if d, err := ParseDateTime(in); err == nil {
			t.Errorf("ParseDateTime(%q) = %s, want an error", in, d)
		}
	}
	if _, err := DateOfBirth("2021-06-01T00:00:00Z"); err == nil {
		t.Error("DateOfBirth accepted a date-time")
	}
	if _, err := (DateTime{time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}).Plus(20000, "year"); err == nil {
		t.Error("Plus accepted 20,000 years")
	}
	if _, err := (DateTime{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}).Plus(1, "year"); err == nil {
		t.Error("Plus left year 9999")
	}
}

func TestDateOfBirth(t *testing.T) {
	for in, want := range map[string]string{
		"1964":       "1964-12-31T00:00:00.000Z",
		"1964-02":    "1964-02-29T00:00:00.000Z",
		"1963-02":    "1963-02-28T00:00:00.000Z",
		"1964-03-07": "1964-03-07T00:00:00.000Z",
	} {
		d, err := DateOfBirth(in)
		if err != nil || d.String() != want {
			t.Errorf("DateOfBirth(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
}

// TestEvalErrors checks that type mismatches are errors naming the problem,
// never silent coercions.
func TestEvalErrors(t *testing.T) {
	for _, tc := range []struct {
		expr, data, want string
	}{
		{`{"if":[{"plusTime":["2021",0,"day"]},1,2]}`, `null`, "neither truthy nor falsy"},
		{`{"!":[{"plusTime":["2021",0,"day"]}]}`, `null`, "neither truthy nor falsy"},
		{`{"and":[true,{"var":"x"}]}`, `{"x":1.5}`, "neither truthy nor falsy"},
		{`{"in":["a",{"var":"x"}]}`, `{"x":"abc"}`, "must be an array"},
		{`{"<":[1,"2"]}`, `null`, "must be integers"},
		{`{"<":[1,{"var":"x"}]}`, `{}`, "must be integers"},
		{`{"after":[1,2]}`, `null`, "must be date-times"},
		{`{"before":[{"plusTime":["2021",0,"day"]},"2022"]}`, `null`, "must be date-times"},
		{`{"plusTime":[{"var":"x"},1,"day"]}`, `{}`, "must be a string"},
		{`{"plusTime":["yesterday",1,"day"]}`, `null`, "not a date-time"},
		{`{"dccDateOfBirth":[42]}`, `null`, "must be a string"},
		{`{"+":["1",2]}`, `null`, "must be integers"},
		{`{"+":[9223372036854775807,1]}`, `null`, "overflows"},
		{`{"reduce":[{"var":"x"},1,0]}`, `{"x":"abc"}`, "must be an array or null"},
		{`{"extractFromUVCI":[1,0]}`, `null`, "must be a string or null"},
	} {
		e := mustParse(t, tc.expr)
		v, err := e.Eval(decodeNumbers(t, []byte(tc.data)))
		var ee *EvalError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s on %s = %v, %v; want an EvalError containing %q", tc.expr, tc.data, v, err, tc.want)
		}
	}
}

func TestCompileRejects(t *testing.T) {
	for expr, want := range map[string]string{
		`{"if":[true,1]}`:                         "must have 3 operands",
		`{"===":[1,2,3]}`:                         "must have 2 operands",
		`{"and":[true]}`:                          "at least 2",
		`{"<":[1]}`:                               "2 or 3",
		`{"plusTime":["2021",1,"week"]}`:          "unit",
		`{"plusTime":["2021",1.5,"day"]}`:         "amount",
		`{"plusTime":["2021",{"var":"n"},"day"]}`: "amount",
		`{"extractFromUVCI":["x","1"]}`:           "index",
		`{"var":"a..b"}`:                          "valid format",
		`{"map":[[1],1]}`:                         "unrecognised operator",
		`[1,{"var":1}]`:                           "var",
		`{"if":[true,1,3.5]}`:                     "non-integer",
		`{"var":"x","if":[]}`:                     "exactly one key",
		`{"var":"x","var":"y"}`:                   "duplicate",
		`{"var":"x"} 1`:                           "after",
	} {
		_, err := Parse([]byte(expr))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v; want ErrInvalid containing %q", expr, err, want)
		}
	}
}

func deepNot(n int) string {
	return strings.Repeat(`{"!":[`, n) + "true" + strings.Repeat(`]}`, n)
}

// TestDeepExpression: a 10,000-deep expression is refused with a clear
// error, before the decoder or the evaluator recurse into it.
func TestDeepExpression(t *testing.T) {
	_, err := Parse([]byte(deepNot(10000)))
	if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "deep") {
		t.Fatalf("10,000-deep expression: %v, want a depth error", err)
	}
	// Built as Go values (no JSON text), the compiler refuses it too.
	var v any = true
	for range 10000 {
		v = map[string]any{"!": []any{v}}
	}
	if _, err := Compile(v, nil); err == nil || !strings.Contains(err.Error(), "deep") {
		t.Fatalf("10,000-deep Go value: %v, want a depth error", err)
	}
	// Depth within the limit evaluates.
	e := mustParse(t, deepNot(MaxDepth/2-1))
	if got, err := e.Eval(nil); err != nil || got != false {
		t.Fatalf("%d-deep negation = %v, %v", MaxDepth/2-1, got, err)
	}
}

// TestBudget: nested reductions over a large array stop at the step budget.
func TestBudget(t *testing.T) {
	inner := `{"reduce":[{"var":"data.xs"},{"+":[{"var":"accumulator"},1]},0]}`
	e := mustParse(t, `{"reduce":[{"var":"xs"},{"+":[{"var":"accumulator"},`+inner+`]},0]}`)
	xs := make([]any, 3000)
	for i := range xs {
		xs[i] = int64(i)
	}
	_, err := e.Eval(map[string]any{"xs": xs})
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("3000×3000 reduce: %v, want ErrBudget", err)
	}
	// The same expression on a small array is fine: 10×10.
	got, err := e.Eval(map[string]any{"xs": xs[:10]})
	if err != nil || got != int64(100) {
		t.Fatalf("10×10 reduce = %v, %v; want 100", got, err)
	}
}

func TestFunctions(t *testing.T) {
	double := func(args []any) (any, error) {
		n, ok := toInt(args[0])
		if !ok {
			return nil, errors.New("not an integer")
		}
		return 2 * n, nil
	}
	e, err := Compile(decodeNumbers(t, []byte(`{"===":[{"double":[{"var":"n"}]},8]}`)), &Options{Functions: map[string]Function{"double": double}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.Eval(map[string]any{"n": 4}); err != nil || got != true {
		t.Fatalf("double(4) === 8: %v, %v", got, err)
	}
	if _, err := e.Eval(map[string]any{"n": "x"}); err == nil || !strings.Contains(err.Error(), "double") {
		t.Fatalf("double(\"x\"): %v, want an error naming the function", err)
	}
	if _, err := Parse([]byte(`{"double":[1]}`)); err == nil {
		t.Fatal("an unregistered function compiled")
	}
	if _, err := Compile(true, &Options{Functions: map[string]Function{"if": double}}); err == nil {
		t.Fatal("a function shadowed if")
	}
}

// TestLiteralArraysAreCopies: a caller changing a result cannot change the
// compiled expression.
func TestLiteralArraysAreCopies(t *testing.T) {
	e := mustParse(t, `["a","b"]`)
	v, _ := e.Eval(nil)
	v.([]any)[0] = "z"
	v2, _ := e.Eval(nil)
	if v2.([]any)[0] != "a" {
		t.Fatal("the literal array changed")
	}
}

package certlogic

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// MaxDepth is how deeply an expression may nest (objects and arrays together).
// Published rules nest less than 20 levels; anything deeper is refused before
// evaluation, so a hostile 10,000-deep expression is an error, not a stack
// overflow.
const MaxDepth = 128

// MaxSteps bounds the work of one evaluation (operations evaluated, reduce
// iterations included). The EU rule sets need a few hundred steps per rule.
const MaxSteps = 1_000_000

// MaxSize bounds the JSON text [Parse] and [ParseRules] accept.
const MaxSize = 4 << 20

// ErrInvalid is wrapped by every error about the form of an expression.
var ErrInvalid = errors.New("invalid certlogic expression")

// ErrBudget is wrapped when an evaluation exceeds [MaxSteps].
var ErrBudget = errors.New("certlogic evaluation exceeded its step budget")

// Issue is one problem [Validate] found in an expression.
type Issue struct {
	Expr    any    // the offending (sub-)expression
	Message string // what is wrong with it
}

// InvalidError lists the problems of an expression that did not compile.
type InvalidError struct {
	Issues []Issue
}

func (e *InvalidError) Error() string {
	if len(e.Issues) == 1 {
		return "certlogic: " + e.Issues[0].Message
	}
	return fmt.Sprintf("certlogic: %s (and %d more problems)", e.Issues[0].Message, len(e.Issues)-1)
}

func (e *InvalidError) Unwrap() error { return ErrInvalid }

// EvalError is an error raised while evaluating a valid expression, such as a
// type mismatch the validator cannot see.
type EvalError struct {
	Op     string // the operation that failed
	Reason string
}

func (e *EvalError) Error() string { return fmt.Sprintf("certlogic: %s: %s", e.Op, e.Reason) }

func evalErr(op, format string, args ...any) error {
	return &EvalError{Op: op, Reason: fmt.Sprintf(format, args...)}
}

// Function is a named operation a caller adds to the language (for instance a
// forecaster a policy may ask). It receives its evaluated operands.
type Function func(args []any) (any, error)

// Options changes how an expression compiles.
type Options struct {
	// Functions are extra operations, by operator name. A name may not shadow a
	// CertLogic operation.
	Functions map[string]Function
}

// Expr is a compiled, validated CertLogic expression. It is safe for
// concurrent use.
type Expr struct {
	root node
	src  any
}

// Source returns the expression as it was given to [Compile].
func (e *Expr) Source() any { return e.src }

// Parse reads and compiles one expression from JSON text.
func Parse(text []byte) (*Expr, error) {
	v, err := decodeJSON(text)
	if err != nil {
		return nil, err
	}
	return Compile(v, nil)
}

// decodeJSON decodes JSON strictly (no duplicate member names, exact
// numbers, bounded depth and size), as a tree of map[string]any, []any,
// string, json.Number, bool and nil.
func decodeJSON(text []byte) (any, error) {
	if len(text) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalid, len(text), MaxSize)
	}
	v, err := strictjson.Parse(text, jsonDepthLimit)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return strictjson.Plain(v), nil
}

// jsonDepthLimit leaves room around an expression for the rule and rule-set
// objects that hold it.
const jsonDepthLimit = MaxDepth + 8

// Validate returns every problem in an expression (as decoded from JSON), or
// nothing if it is valid CertLogic.
func Validate(expr any) []Issue {
	c := compiler{}
	c.compile(expr, 0)
	return c.issues
}

// Compile validates an expression (as decoded from JSON, with numbers as
// json.Number, float64 or integers) and prepares it for evaluation.
func Compile(expr any, opts *Options) (*Expr, error) {
	c := compiler{}
	if opts != nil {
		for name := range opts.Functions {
			if _, builtin := operations[name]; builtin || name == "var" {
				return nil, fmt.Errorf("%w: function %q shadows a certlogic operation", ErrInvalid, name)
			}
		}
		c.funcs = opts.Functions
	}
	n := c.compile(expr, 0)
	if len(c.issues) > 0 {
		return nil, &InvalidError{Issues: c.issues}
	}
	return &Expr{root: n, src: expr}, nil
}

// Eval evaluates the expression against a data context: JSON-like values
// (nil, bool, string, numbers, []any, map[string]any). It returns nil, bool,
// int64, string, []any, map[string]any or [DateTime].
func (e *Expr) Eval(data any) (any, error) {
	st := &state{}
	return e.root.eval(st, data)
}

// operations lists the CertLogic operations and their operand counts
// (min, max; max < 0 is unbounded).
var operations = map[string][2]int{
	"if":              {3, 3},
	"===":             {2, 2},
	"and":             {2, -1},
	">":               {2, 3},
	"<":               {2, 3},
	">=":              {2, 3},
	"<=":              {2, 3},
	"in":              {2, 2},
	"+":               {2, 2},
	"!":               {1, 1},
	"after":           {2, 3},
	"before":          {2, 3},
	"not-after":       {2, 3},
	"not-before":      {2, 3},
	"plusTime":        {3, 3},
	"dccDateOfBirth":  {1, 1},
	"reduce":          {3, 3},
	"extractFromUVCI": {2, 2},
}

type compiler struct {
	issues []Issue
	funcs  map[string]Function
}

func (c *compiler) fail(expr any, format string, args ...any) node {
	c.issues = append(c.issues, Issue{Expr: expr, Message: fmt.Sprintf(format, args...)})
	return literal{}
}

func (c *compiler) compile(expr any, depth int) node {
	if depth > MaxDepth {
		return c.fail(nil, "expression nests more than %d levels deep", MaxDepth)
	}
	switch v := expr.(type) {
	case nil:
		return c.fail(expr, "invalid CertLogic expression")
	case bool, string:
		return literal{v}
	case json.Number, float64, float32, int, int64, int32:
		n, ok := toInt(v)
		if !ok {
			return c.fail(expr, "%v is a non-integer number", v)
		}
		return literal{n}
	case []any:
		items := make([]node, len(v))
		for i, it := range v {
			items[i] = c.compile(it, depth+1)
		}
		if allLiteral(items) {
			vals := make([]any, len(items))
			for i, it := range items {
				vals[i] = it.(literal).v
			}
			return arrayLiteral{vals}
		}
		return array{items}
	case map[string]any:
		return c.compileObject(v, depth)
	default:
		return c.fail(expr, "invalid CertLogic expression: unsupported value of type %T", expr)
	}
}

func allLiteral(ns []node) bool {
	for _, n := range ns {
		if _, ok := n.(literal); !ok {
			return false
		}
	}
	return true
}

func (c *compiler) compileObject(obj map[string]any, depth int) node {
	if len(obj) != 1 {
		return c.fail(obj, "expression object must have exactly one key, but it has %d", len(obj))
	}
	var op string
	var arg any
	for k, v := range obj {
		op, arg = k, v
	}
	if op == "var" {
		path, ok := arg.(string)
		if !ok {
			return c.fail(obj, "not of the form { \"var\": \"<path>\" }")
		}
		return c.compileVar(obj, path)
	}
	args, ok := arg.([]any)
	if !ok {
		return c.fail(obj, "operation not of the form { \"<operator>\": [ <values...> ] }")
	}
	if fn, ok := c.funcs[op]; ok {
		ops := make([]node, len(args))
		for i, a := range args {
			ops[i] = c.compile(a, depth+2)
		}
		return funcNode{op, fn, ops}
	}
	arity, known := operations[op]
	if !known {
		return c.fail(obj, "unrecognised operator: %q", op)
	}
	if len(args) < arity[0] || (arity[1] >= 0 && len(args) > arity[1]) {
		want := strconv.Itoa(arity[0])
		switch {
		case arity[1] < 0:
			want = "at least " + want
		case arity[1] != arity[0]:
			want = fmt.Sprintf("%d or %d", arity[0], arity[1])
		}
		return c.fail(obj, "an operation with operator %q must have %s operands, but it has %d", op, want, len(args))
	}
	sub := func(i int) node { return c.compile(args[i], depth+2) }
	switch op {
	case "if":
		return ifNode{sub(0), sub(1), sub(2)}
	case "!":
		return notNode{sub(0)}
	case "and":
		ops := make([]node, len(args))
		for i := range args {
			ops[i] = sub(i)
		}
		return andNode{ops}
	case "===":
		return eqNode{sub(0), sub(1)}
	case "in":
		return inNode{sub(0), sub(1)}
	case "+":
		return plusNode{sub(0), sub(1)}
	case ">", "<", ">=", "<=", "after", "before", "not-after", "not-before":
		ops := make([]node, len(args))
		for i := range args {
			ops[i] = sub(i)
		}
		return compareNode{op: op, ops: ops}
	case "plusTime":
		amount, ok := toInt(args[1])
		if !ok || amount < math.MinInt32 || amount > math.MaxInt32 {
			return c.fail(obj, "\"amount\" argument (#2) of \"plusTime\" must be an integer, but it is %s", show(args[1]))
		}
		unit, _ := args[2].(string)
		if !slices.Contains([]string{"year", "month", "day", "hour"}, unit) {
			return c.fail(obj, "\"unit\" argument (#3) of \"plusTime\" must be a string equal to one of \"year\", \"month\", \"day\", \"hour\", but it is %s", show(args[2]))
		}
		return plusTimeNode{sub(0), int(amount), unit}
	case "dccDateOfBirth":
		return dobNode{sub(0)}
	case "reduce":
		return reduceNode{sub(0), sub(1), sub(2)}
	case "extractFromUVCI":
		idx, ok := toInt(args[1])
		if !ok {
			return c.fail(obj, "\"index\" argument (#2) of \"extractFromUVCI\" must be an integer, but it is %s", show(args[1]))
		}
		return extractNode{sub(0), idx}
	}
	return c.fail(obj, "unrecognised operator: %q", op)
}

func (c *compiler) compileVar(obj map[string]any, path string) node {
	if path == "" {
		return varNode{}
	}
	frags := strings.Split(path, ".")
	for _, f := range frags {
		if f == "" {
			return c.fail(obj, "data access path doesn't have a valid format: %s", path)
		}
	}
	n := varNode{frags: frags, index: make([]int, len(frags))}
	for i, f := range frags {
		n.index[i] = -1
		if isDigits(f) {
			if k, err := strconv.Atoi(f); err == nil {
				n.index[i] = k
			}
		}
	}
	return n
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// toInt reports whether v is an integral JSON number and returns it.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) <= 1<<53 {
			return int64(n), true
		}
	case float32:
		return toInt(float64(n))
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		if f, err := n.Float64(); err == nil {
			return toInt(f)
		}
	}
	return 0, false
}

// isNumber reports whether v is any JSON number.
func isNumber(v any) bool {
	switch v.(type) {
	case int64, int, int32, float64, float32, json.Number:
		return true
	}
	return false
}

// Truthy reports whether v is truthy in CertLogic's sense.
func Truthy(v any) bool {
	t, ok := boolsiness(v)
	return ok && t
}

// Falsy reports whether v is falsy in CertLogic's sense.
func Falsy(v any) bool {
	t, ok := boolsiness(v)
	return ok && !t
}

// boolsiness returns (truthy, defined): defined is false for values that are
// neither truthy nor falsy (date-times, non-integer numbers, unknown types).
func boolsiness(v any) (bool, bool) {
	switch x := v.(type) {
	case nil:
		return false, true
	case bool:
		return x, true
	case string:
		return x != "", true
	case []any:
		return len(x) > 0, true
	case map[string]any:
		return len(x) > 0, true
	}
	if isNumber(v) {
		n, ok := toInt(v)
		if !ok {
			return false, false
		}
		return n != 0, true
	}
	return false, false
}

// strictEqual is JavaScript's === on evaluated JSON values: scalars by type
// and value; arrays, objects and date-times are distinct values, never equal.
func strictEqual(a, b any) bool {
	if isNumber(a) || isNumber(b) {
		if !isNumber(a) || !isNumber(b) {
			return false
		}
		ai, aok := toInt(a)
		bi, bok := toInt(b)
		if aok && bok {
			return ai == bi
		}
		return toFloat(a) == toFloat(b)
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	return false
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int:
		return float64(n)
	case int32:
		return float64(n)
	case float64:
		return n
	case float32:
		return float64(n)
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return math.NaN()
}

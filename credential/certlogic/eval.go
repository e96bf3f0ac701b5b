package certlogic

import (
	"strings"
)

type state struct {
	steps int
}

func (s *state) step() error {
	s.steps++
	if s.steps > MaxSteps {
		return ErrBudget
	}
	return nil
}

type node interface {
	eval(s *state, data any) (any, error)
}

type literal struct{ v any }

func (n literal) eval(*state, any) (any, error) { return n.v, nil }

// arrayLiteral is an array of literals; every evaluation returns a fresh copy
// so that no caller can change the compiled expression.
type arrayLiteral struct{ vals []any }

func (n arrayLiteral) eval(s *state, _ any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	out := make([]any, len(n.vals))
	copy(out, n.vals)
	return out, nil
}

type array struct{ items []node }

func (n array) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	out := make([]any, len(n.items))
	for i, it := range n.items {
		v, err := it.eval(s, data)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type varNode struct {
	frags []string
	index []int // the fragment as an array index, or -1
}

func (n varNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	cur := data
	for i, f := range n.frags {
		switch c := cur.(type) {
		case nil:
			return nil, nil
		case map[string]any:
			cur = c[f]
		case []any:
			k := n.index[i]
			if k < 0 || k >= len(c) {
				return nil, nil
			}
			cur = c[k]
		default:
			return nil, nil
		}
	}
	return cur, nil
}

type ifNode struct{ guard, then, els node }

func (n ifNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	g, err := n.guard.eval(s, data)
	if err != nil {
		return nil, err
	}
	t, ok := boolsiness(g)
	if !ok {
		return nil, evalErr("if", "the guard evaluates to %s, which is neither truthy nor falsy", describe(g))
	}
	if t {
		return n.then.eval(s, data)
	}
	return n.els.eval(s, data)
}

type notNode struct{ op node }

func (n notNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	v, err := n.op.eval(s, data)
	if err != nil {
		return nil, err
	}
	t, ok := boolsiness(v)
	if !ok {
		return nil, evalErr("!", "the operand evaluates to %s, which is neither truthy nor falsy", describe(v))
	}
	return !t, nil
}

type andNode struct{ ops []node }

func (n andNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	var v any
	for _, op := range n.ops {
		var err error
		v, err = op.eval(s, data)
		if err != nil {
			return nil, err
		}
		t, ok := boolsiness(v)
		if !ok {
			return nil, evalErr("and", "an operand evaluates to %s, which is neither truthy nor falsy", describe(v))
		}
		if !t {
			return v, nil
		}
	}
	return v, nil
}

type eqNode struct{ l, r node }

func (n eqNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	l, err := n.l.eval(s, data)
	if err != nil {
		return nil, err
	}
	r, err := n.r.eval(s, data)
	if err != nil {
		return nil, err
	}
	return strictEqual(l, r), nil
}

type inNode struct{ l, r node }

func (n inNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	l, err := n.l.eval(s, data)
	if err != nil {
		return nil, err
	}
	r, err := n.r.eval(s, data)
	if err != nil {
		return nil, err
	}
	arr, ok := r.([]any)
	if !ok {
		return nil, evalErr("in", "the right operand must be an array, but it is %s", describe(r))
	}
	for _, it := range arr {
		if err := s.step(); err != nil {
			return nil, err
		}
		if strictEqual(l, it) {
			return true, nil
		}
	}
	return false, nil
}

type plusNode struct{ l, r node }

func (n plusNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	l, err := n.l.eval(s, data)
	if err != nil {
		return nil, err
	}
	r, err := n.r.eval(s, data)
	if err != nil {
		return nil, err
	}
	a, aok := toInt(l)
	b, bok := toInt(r)
	if !aok || !bok {
		return nil, evalErr("+", "both operands must be integers, but they are %s and %s", describe(l), describe(r))
	}
	sum := a + b
	if (sum > a) != (b > 0) {
		return nil, evalErr("+", "%d + %d overflows", a, b)
	}
	return sum, nil
}

type compareNode struct {
	op  string
	ops []node
}

func (n compareNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	vals := make([]any, len(n.ops))
	for i, op := range n.ops {
		v, err := op.eval(s, data)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	// signs[i] is the sign of vals[i] - vals[i+1].
	var signs []int
	switch n.op {
	case ">", "<", ">=", "<=":
		ints := make([]int64, len(vals))
		for i, v := range vals {
			k, ok := toInt(v)
			if !ok {
				return nil, evalErr(n.op, "all operands must be integers, but operand %d is %s", i+1, describe(v))
			}
			ints[i] = k
		}
		for i := 0; i+1 < len(ints); i++ {
			signs = append(signs, sign64(ints[i], ints[i+1]))
		}
	default:
		dts := make([]DateTime, len(vals))
		for i, v := range vals {
			d, ok := v.(DateTime)
			if !ok {
				return nil, evalErr(n.op, "all operands must be date-times (made by plusTime or dccDateOfBirth), but operand %d is %s", i+1, describe(v))
			}
			dts[i] = d
		}
		for i := 0; i+1 < len(dts); i++ {
			signs = append(signs, dts[i].t.Compare(dts[i+1].t))
		}
	}
	for _, c := range signs {
		var ok bool
		switch n.op {
		case ">", "after":
			ok = c > 0
		case "<", "before":
			ok = c < 0
		case ">=", "not-before":
			ok = c >= 0
		case "<=", "not-after":
			ok = c <= 0
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func sign64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type plusTimeNode struct {
	op     node
	amount int
	unit   string
}

func (n plusTimeNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	v, err := n.op.eval(s, data)
	if err != nil {
		return nil, err
	}
	str, ok := v.(string)
	if !ok {
		return nil, evalErr("plusTime", "the date-time operand must be a string, but it is %s", describe(v))
	}
	d, err := ParseDateTime(str)
	if err != nil {
		return nil, &EvalError{Op: "plusTime", Reason: err.Error()}
	}
	out, err := d.Plus(n.amount, n.unit)
	if err != nil {
		return nil, &EvalError{Op: "plusTime", Reason: err.Error()}
	}
	return out, nil
}

type dobNode struct{ op node }

func (n dobNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	v, err := n.op.eval(s, data)
	if err != nil {
		return nil, err
	}
	str, ok := v.(string)
	if !ok {
		return nil, evalErr("dccDateOfBirth", "the operand must be a string, but it is %s", describe(v))
	}
	d, err := DateOfBirth(str)
	if err != nil {
		return nil, &EvalError{Op: "dccDateOfBirth", Reason: err.Error()}
	}
	return d, nil
}

type reduceNode struct{ operand, lambda, initial node }

func (n reduceNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	v, err := n.operand.eval(s, data)
	if err != nil {
		return nil, err
	}
	acc, err := n.initial.eval(s, data)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return acc, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, evalErr("reduce", "the operand must be an array or null, but it is %s", describe(v))
	}
	for _, cur := range arr {
		if err := s.step(); err != nil {
			return nil, err
		}
		ctx := map[string]any{"current": cur, "accumulator": acc, "data": data}
		acc, err = n.lambda.eval(s, ctx)
		if err != nil {
			return nil, err
		}
	}
	return acc, nil
}

type extractNode struct {
	op    node
	index int64
}

func (n extractNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	v, err := n.op.eval(s, data)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	str, ok := v.(string)
	if !ok {
		return nil, evalErr("extractFromUVCI", "the operand must be a string or null, but it is %s", describe(v))
	}
	return ExtractFromUVCI(str, n.index), nil
}

// ExtractFromUVCI returns fragment index of a UCI split on "/", "#" and ":",
// after an optional "URN:UVCI:" prefix, or nil if there is no such fragment.
func ExtractFromUVCI(uci string, index int64) any {
	uci = strings.TrimPrefix(uci, "URN:UVCI:")
	if index < 0 {
		return nil
	}
	frags := splitUCI(uci)
	if index >= int64(len(frags)) {
		return nil
	}
	return frags[index]
}

func splitUCI(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '#', ':':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

type funcNode struct {
	name string
	fn   Function
	ops  []node
}

func (n funcNode) eval(s *state, data any) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	args := make([]any, len(n.ops))
	for i, op := range n.ops {
		v, err := op.eval(s, data)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	v, err := n.fn(args)
	if err != nil {
		return nil, &EvalError{Op: n.name, Reason: err.Error()}
	}
	return v, nil
}

// describe names a value for an error message.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case DateTime:
		return "the date-time " + x.String()
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return show(x)
	}
	return show(v)
}

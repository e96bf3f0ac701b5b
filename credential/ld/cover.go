package ld

import "fmt"

// CoverageError reports data a caller would show that the signed quads do
// not hold: JSON-LD dropped it (a term no context defines, a node without a
// usable id) or it was never signed.
type CoverageError struct{ Field, Value string }

func (e *CoverageError) Error() string {
	return fmt.Sprintf("%s %q is not covered by the signature (JSON-LD drops it from the signed data)", e.Field, e.Value)
}

// Field is one value a caller shows, for [Covers].
type Field struct {
	Name  string // for messages: "name", "birth date", "dose 1 vaccine"
	Value string // its lexical form, as the display document holds it
}

// Covers checks that what a caller shows is signed: display is a JSON-LD
// document (the same @context as the signed one) holding only the shown
// fields, on the same node structure and ids; its quads must be a subgraph
// of signed (blank nodes matched structurally), and each field's value must
// be the lexical form of a literal in the display quads — a value JSON-LD
// drops from the display document would otherwise pass unnoticed.
func Covers(display any, fields []Field, signed []Quad, lim Limits) error {
	dq, err := ToRDF(display, lim)
	if err != nil {
		return err
	}
	for _, f := range fields {
		found := false
		for _, q := range dq {
			if q.O.Kind == Literal && q.O.Value == f.Value {
				found = true
				break
			}
		}
		if !found {
			return &CoverageError{Field: f.Name, Value: f.Value}
		}
	}
	m := &matcher{d: dq, s: signed, bn: map[string]Term{}, budget: 100_000}
	if !m.match(0) {
		// Find the first field whose quad has no counterpart, for the message.
		for _, f := range fields {
			for _, q := range dq {
				if q.O.Kind == Literal && q.O.Value == f.Value && !m.anyLike(q) {
					return &CoverageError{Field: f.Name, Value: f.Value}
				}
			}
		}
		return &CoverageError{Field: "the shown data", Value: fmt.Sprintf("%d quads", len(dq))}
	}
	return nil
}

// matcher finds a mapping of the display quads' blank nodes onto the signed
// quads' nodes under which every display quad is a signed quad.
type matcher struct {
	d, s   []Quad
	bn     map[string]Term // display blank node → signed term
	budget int
}

func (m *matcher) term(dt, st Term) (ok bool, bound string) {
	if dt.Kind != Blank {
		return dt == st, ""
	}
	if st.Kind != Blank && st.Kind != IRI {
		return false, ""
	}
	if v, ok := m.bn[dt.Value]; ok {
		return v == st, ""
	}
	m.bn[dt.Value] = st
	return true, dt.Value
}

func (m *matcher) match(i int) bool {
	if i == len(m.d) {
		return true
	}
	m.budget--
	if m.budget < 0 {
		return false
	}
	dq := m.d[i]
	for si := range m.s {
		sq := &m.s[si]
		if dq.P.Kind != Blank && dq.P != sq.P || dq.O.Kind != Blank && dq.O != sq.O {
			continue // the common case, decided without binding anything
		}
		var bound [4]string
		nb := 0
		ok := true
		for _, pair := range [4][2]Term{{dq.S, sq.S}, {dq.P, sq.P}, {dq.O, sq.O}, {dq.G, sq.G}} {
			good, b := m.term(pair[0], pair[1])
			if b != "" {
				bound[nb] = b
				nb++
			}
			if !good {
				ok = false
				break
			}
		}
		if ok && m.match(i+1) {
			return true
		}
		for _, b := range bound[:nb] {
			delete(m.bn, b)
		}
	}
	return false
}

// anyLike reports whether some signed quad has q's predicate and object.
func (m *matcher) anyLike(q Quad) bool {
	for _, s := range m.s {
		if s.P == q.P && s.O == q.O {
			return true
		}
	}
	return false
}

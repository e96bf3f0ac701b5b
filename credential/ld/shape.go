package ld

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/immunopass/immunopass/assets"
	jsonld "github.com/piprate/json-gold/ld"
)

// The shape cache: JSON-LD expansion is almost all of the work of reading
// a credential (processing type- and property-scoped contexts on every
// node: json-gold copies the whole active context each time), yet two
// credentials of one issuer differ only in their values — names, dates,
// ids — while expansion maps a value to RDF in a way that depends on its
// member and its node, not on the value itself. So a document is expanded
// once per shape: its structure, member names, @context and @type values,
// numbers, booleans and nulls, with every other string replaced by a
// marker ("urn:zqipm<N>q", N its place in the walk); later documents of the
// same shape take those quads with their own strings put back in. A
// document holding the marker text anywhere takes the full path.
//
// A marker stands for the real string only where expansion cannot tell
// them apart. The entry for a shape is used only if every marker comes out
// whole, as the lexical form of a literal or as a subject, object (not of
// rdf:type) or graph IRI, and appears nowhere else (not inside a longer IRI
// — a @base or @vocab applied to it — nor as a predicate, datatype or
// language). A literal's lexical form is copied from the JSON string
// whatever it holds. For a string that comes out as an IRI, the document's
// string must itself be an IRI that IRI expansion returns unchanged, as it
// did the marker: absolute, not a blank node id, not a term or a compact
// IRI under a prefix any context might define (checked against every
// member name of the embedded contexts and of the document's own inline
// contexts). An IRI that json-gold's validity check refuses drops its
// statements, as json-gold does. Two statements that become one (two
// strings equal in this document, distinct markers in the shape) send the
// document through the full path, as does anything else the cache cannot
// vouch for. The full path and this one are held to each other by
// TestShapeMatchesFull and FuzzShapeMatchesFull.

const (
	markPrefix = "urn:zqipm"
	markSuffix = "q"
)

func marker(n int) string { return markPrefix + strconv.Itoa(n) + markSuffix }

// markerIndex returns N for a whole marker, or -1.
func markerIndex(s string) int {
	if !strings.HasPrefix(s, markPrefix) || !strings.HasSuffix(s, markSuffix) {
		return -1
	}
	n, err := strconv.Atoi(s[len(markPrefix) : len(s)-len(markSuffix)])
	if err != nil || n < 0 || marker(n) != s {
		return -1
	}
	return n
}

// knownTerms holds every member name of every embedded context, at any
// depth: a superset of the terms and prefixes an active context built from
// them can define.
var knownTerms = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	for _, u := range assets.LDContextURLs() {
		b, ok := assets.LDContext(u)
		if !ok {
			continue
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			memberNames(v, names)
		}
	}
	return names
})

func memberNames(v any, into map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			into[k] = true
			memberNames(x, into)
		}
	case []any:
		for _, x := range t {
			memberNames(x, into)
		}
	}
}

// shaper walks a document once: its shape key, the marked copy and the
// strings the markers replace.
type shaper struct {
	key    strings.Builder
	values []string
	inline map[string]bool // member names inside the document's own @context values
	err    bool
}

// verbatimMembers are the members whose strings stay in the shape key as
// they are (always exact; only the cache's reach is at stake): types choose
// type-scoped contexts; keywords whose values are never a literal's
// lexical form or a node's IRI; proofPurpose, a term expanded under @vocab
// that takes a handful of values.
var verbatimMembers = map[string]bool{"type": true, "@type": true, "@language": true, "@direction": true,
	"@index": true, "@base": true, "@vocab": true, "@version": true, "proofPurpose": true}

func (s *shaper) walk(v any, underType bool) any {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make(map[string]any, len(t))
		s.key.WriteByte('{')
		for _, k := range keys {
			if strings.Contains(k, markPrefix) {
				s.err = true
			}
			s.key.WriteString(strconv.Quote(k))
			s.key.WriteByte(':')
			if k == "@context" {
				b, err := json.Marshal(t[k])
				if err != nil || bytes.Contains(b, []byte(markPrefix)) {
					s.err = true
				}
				s.key.Write(b)
				if s.inline == nil {
					s.inline = map[string]bool{}
				}
				memberNames(t[k], s.inline)
				out[k] = t[k]
			} else {
				out[k] = s.walk(t[k], verbatimMembers[k])
			}
			s.key.WriteByte(',')
		}
		s.key.WriteByte('}')
		return out
	case []any:
		out := make([]any, len(t))
		s.key.WriteByte('[')
		for i, x := range t {
			out[i] = s.walk(x, underType)
			s.key.WriteByte(',')
		}
		s.key.WriteByte(']')
		return out
	case string:
		if strings.Contains(t, markPrefix) {
			s.err = true // the marker text in the document: the full path
		}
		if underType || strings.HasPrefix(t, "@") || strings.HasPrefix(t, "_:") {
			s.key.WriteString(strconv.Quote(t))
			return t
		}
		m := marker(len(s.values))
		s.values = append(s.values, t)
		s.key.WriteByte('M')
		return m
	case float64:
		s.key.WriteByte('n')
		s.key.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
		return t
	case bool:
		if t {
			s.key.WriteByte('t')
		} else {
			s.key.WriteByte('f')
		}
		return t
	case nil:
		s.key.WriteByte('z')
		return nil
	}
	s.err = true // json.Number or another type: not from Parse
	return v
}

// substitution puts occurrence Occ's string at Quad's subject (0), object
// (1) or graph (2).
type substitution struct {
	Quad, Pos, Occ int
}

type shapeEntry struct {
	fast  bool
	quads []Quad // with markers; statements json-gold would drop whatever the strings removed
	subs  []substitution
	iri   []int          // occurrences that come out as IRIs
	sig   map[int]string // occurrence → its expanded value object without @value
}

// sameValue reports whether marked statements i and j are one node's
// property holding two value objects equal but for their strings.
func (e *shapeEntry) sameValue(i, j int) bool {
	a, b := e.quads[i], e.quads[j]
	if a.S != b.S || a.P != b.P || a.G != b.G || a.O.Kind != Literal || b.O.Kind != Literal {
		return false
	}
	oa, ob := markerIndex(a.O.Value), markerIndex(b.O.Value)
	if oa < 0 || ob < 0 {
		return false
	}
	sa, okA := e.sig[oa]
	sb, okB := e.sig[ob]
	return okA && okB && sa == sb
}

// valueSigs records, for each value object of the expanded document whose
// @value is a marker, its other members.
func valueSigs(v any, into map[int]string) {
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t["@value"].(string); ok {
			if occ := markerIndex(s); occ >= 0 {
				rest := make(map[string]any, len(t))
				for k, x := range t {
					if k != "@value" {
						rest[k] = x
					}
				}
				b, err := json.Marshal(rest)
				if err == nil {
					if _, twice := into[occ]; twice {
						into[occ] = "\x00" + strconv.Itoa(occ) // one string in two value objects: never merged here
					} else {
						into[occ] = string(b)
					}
				}
			}
		}
		for _, x := range t {
			valueSigs(x, into)
		}
	case []any:
		for _, x := range t {
			valueSigs(x, into)
		}
	}
}

var shapes struct {
	sync.Mutex
	m map[string]*shapeEntry
}

// The cache holds at most maxShapes shapes (then starts afresh), each of a
// document whose shape key is at most maxShapeKey bytes: credentials are a
// few kilobytes; a larger document (a trust list) takes the full path, so
// the cache stays within a few megabytes whatever it is fed.
const (
	maxShapes   = 128
	maxShapeKey = 16 << 10
)

// shapeQuads is ToRDF through the shape cache; ok is false when the
// document must take the full path.
func shapeQuads(doc any, lim Limits, expandFn func(any) (any, error)) (quads []Quad, ok bool, err error) {
	var s shaper
	s.key.WriteString(strconv.FormatBool(lim.DropUndefined))
	s.key.WriteByte('|')
	s.key.WriteString(strconv.Itoa(lim.MaxQuads))
	s.key.WriteByte('|')
	marked := s.walk(doc, false)
	if s.err || len(s.values) == 0 || s.key.Len() > maxShapeKey {
		return nil, false, nil
	}
	key := s.key.String()
	shapes.Lock()
	e := shapes.m[key]
	shapes.Unlock()
	if e == nil {
		e = buildShape(marked, len(s.values), lim, expandFn)
		shapes.Lock()
		if shapes.m == nil || len(shapes.m) >= maxShapes {
			shapes.m = map[string]*shapeEntry{}
		}
		shapes.m[key] = e
		shapes.Unlock()
	}
	if !e.fast {
		return nil, false, nil
	}
	for _, occ := range e.iri {
		if !s.plainIRI(s.values[occ]) {
			return nil, false, nil
		}
	}
	out := slices.Clone(e.quads)
	drop := make([]bool, len(out))
	for _, sb := range e.subs {
		v := s.values[sb.Occ]
		q := &out[sb.Quad]
		var t *Term
		switch sb.Pos {
		case 0:
			t = &q.S
		case 1:
			t = &q.O
		default:
			t = &q.G
		}
		t.Value = v
		if t.Kind == IRI && !validIRI(v) {
			drop[sb.Quad] = true
		}
	}
	kept := make([]Quad, 0, len(out))
	idx := make([]int, 0, len(out)) // kept → e.quads
	for i, q := range out {
		if !drop[i] {
			kept = append(kept, q)
			idx = append(idx, i)
		}
	}
	if len(kept) > 1 {
		// Two equal statements: JSON-LD's node map keeps one when they are
		// two equal values of one property of one node (two members
		// mapped to one predicate, holding the same string), which the
		// shape shows as two markers in value objects equal but for
		// @value. Anything else goes through the full path.
		seen := make(map[Quad]int, len(kept))
		dedup := kept[:0]
		for i, q := range kept {
			first, dup := seen[q]
			if !dup {
				seen[q] = i
				dedup = append(dedup, q)
				continue
			}
			if !e.sameValue(idx[first], idx[i]) {
				return nil, false, nil
			}
		}
		kept = dedup
	}
	if len(kept) > lim.MaxQuads {
		return nil, true, &LimitError{What: "quads", Limit: int64(lim.MaxQuads)}
	}
	return kept, true, nil
}

// plainIRI reports whether IRI expansion returns v unchanged in any
// position, as it returned the marker.
func (s *shaper) plainIRI(v string) bool {
	i := strings.IndexByte(v, ':')
	if i <= 0 || v[:i] == "_" {
		return false
	}
	known := func(n string) bool { return knownTerms()[n] || s.inline[n] }
	if known(v) || !strings.HasPrefix(v[i+1:], "//") && known(v[:i]) {
		return false
	}
	return jsonld.IsAbsoluteIri(v)
}

// buildShape expands the marked document and records where each marker
// came out.
func buildShape(marked any, n int, lim Limits, expandFn func(any) (any, error)) (entry *shapeEntry) {
	no := &shapeEntry{}
	// json-gold panics on some malformed input (see ToRDF): then the full
	// path decides, on the document itself.
	defer func() {
		if recover() != nil {
			entry = no
		}
	}()
	expanded, err := expandFn(marked)
	if err != nil {
		return no
	}
	raw, err := convert(expanded, lim.MaxQuads, true)
	if err != nil {
		return no
	}
	e := &shapeEntry{fast: true, sig: map[int]string{}}
	valueSigs(expanded, e.sig)
	isIRI := map[int]bool{}
	seen := map[Quad]bool{}
	for _, q := range raw {
		if seen[q] {
			return no // the document's own duplicates: not this path
		}
		seen[q] = true
		if strings.Contains(q.P.Value, markPrefix) || strings.Contains(q.O.Datatype, markPrefix) || strings.Contains(q.O.Language, markPrefix) {
			return no
		}
		var subs []substitution
		valid := true
		for pos, t := range []Term{q.S, q.O, q.G} {
			if !strings.Contains(t.Value, markPrefix) {
				if !validTerm(t) {
					valid = false
				}
				continue
			}
			occ := markerIndex(t.Value)
			if occ < 0 || occ >= n || t.Kind == Blank || pos == 1 && t.Kind == IRI && q.P.Value == rdfType {
				return no
			}
			if t.Kind == Literal && !validTerm(t) {
				valid = false
			}
			if t.Kind == IRI {
				isIRI[occ] = true
			}
			subs = append(subs, substitution{Pos: pos, Occ: occ})
		}
		if !valid || !validTerm(q.P) {
			continue
		}
		for _, sb := range subs {
			sb.Quad = len(e.quads)
			e.subs = append(e.subs, sb)
		}
		e.quads = append(e.quads, q)
	}
	for occ := range isIRI {
		e.iri = append(e.iri, occ)
	}
	slices.Sort(e.iri)
	return e
}

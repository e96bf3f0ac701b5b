package ld

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
	"time"
)

// Kind is the kind of an RDF term.
type Kind uint8

// The kinds of RDF terms. The zero Term (kind None) is the default graph.
const (
	None Kind = iota
	IRI
	Blank
	Literal
)

// Term is one RDF term. Blank node values carry their "_:" prefix.
type Term struct {
	Kind     Kind
	Value    string
	Datatype string // literals: the datatype IRI (xsd:string when plain)
	Language string // literals: the language tag of an rdf:langString
}

// Quad is one RDF quad; G is the zero Term in the default graph.
type Quad struct{ S, P, O, G Term }

const (
	xsdString     = "http://www.w3.org/2001/XMLSchema#string"
	rdfLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// NQuads serialises quads in canonical N-Quads, one line each, in the order
// given.
func NQuads(quads []Quad) []byte {
	var b strings.Builder
	for i := range quads {
		writeQuad(&b, &quads[i])
	}
	return []byte(b.String())
}

// Line returns the canonical N-Quads line of q, with its newline.
func (q Quad) Line() string {
	var b strings.Builder
	writeQuad(&b, &q)
	return b.String()
}

func writeQuad(b *strings.Builder, q *Quad) {
	writeTerm(b, q.S)
	b.WriteByte(' ')
	writeTerm(b, q.P)
	b.WriteByte(' ')
	writeTerm(b, q.O)
	if q.G.Kind != None {
		b.WriteByte(' ')
		writeTerm(b, q.G)
	}
	b.WriteString(" .\n")
}

func writeTerm(b *strings.Builder, t Term) {
	switch t.Kind {
	case IRI:
		b.WriteByte('<')
		b.WriteString(t.Value)
		b.WriteByte('>')
	case Blank:
		b.WriteString(t.Value)
	case Literal:
		b.WriteByte('"')
		escapeLiteral(b, t.Value)
		b.WriteByte('"')
		switch {
		case t.Datatype == rdfLangString || (t.Language != "" && t.Datatype == ""):
			b.WriteByte('@')
			b.WriteString(t.Language)
		case t.Datatype != "" && t.Datatype != xsdString:
			b.WriteString("^^<")
			b.WriteString(t.Datatype)
			b.WriteByte('>')
		}
	}
}

const hexUpper = "0123456789ABCDEF"

// escapeLiteral escapes a literal's lexical form as canonical N-Quads
// (RDF 1.2, as RDFC-1.0 requires) does.
func escapeLiteral(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\u00`)
				b.WriteByte(hexUpper[c>>4])
				b.WriteByte(hexUpper[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
}

// issuer is the RDFC-1.0 identifier issuer.
type issuer struct {
	prefix string
	ids    map[string]string
	order  []string // existing identifiers in issue order
}

func newIssuer(prefix string) *issuer {
	return &issuer{prefix: prefix, ids: map[string]string{}}
}

func (is *issuer) issue(id string) string {
	if v, ok := is.ids[id]; ok {
		return v
	}
	v := is.prefix + itoa(len(is.order))
	is.ids[id] = v
	is.order = append(is.order, id)
	return v
}

func (is *issuer) has(id string) bool { _, ok := is.ids[id]; return ok }

func (is *issuer) clone() *issuer {
	c := &issuer{prefix: is.prefix, ids: make(map[string]string, len(is.ids)), order: slices.Clone(is.order)}
	for k, v := range is.ids {
		c.ids[k] = v
	}
	return c
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d [20]byte
	i := len(d)
	for n > 0 {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return string(d[i:])
}

// c14n is the state of one canonicalisation.
type c14n struct {
	quads     []Quad
	bnQuads   map[string][]int // blank node → indexes of the quads it is in
	firstHash map[string]string
	canon     *issuer
	steps     int
	maxSteps  int
	deadline  time.Time
	err       error
}

// CanonicalQuads canonicalises quads with RDFC-1.0: it returns them with
// canonical blank node labels (_:c14n0…), sorted by their N-Quads lines.
// start is when the caller's work on this document began; lim.MaxTime
// counts from it.
func CanonicalQuads(quads []Quad, lim Limits, start time.Time) ([]Quad, error) {
	lim = lim.withDefaults()
	if len(quads) > lim.MaxQuads {
		return nil, &LimitError{What: "quads", Limit: int64(lim.MaxQuads)}
	}
	c := &c14n{quads: quads, bnQuads: map[string][]int{}, firstHash: map[string]string{},
		canon: newIssuer("_:c14n"), maxSteps: lim.MaxHashNDeg, deadline: start.Add(lim.MaxTime)}
	for i := range quads {
		q := &quads[i]
		for _, t := range []Term{q.S, q.O, q.G} {
			if t.Kind != Blank {
				continue
			}
			l := c.bnQuads[t.Value]
			if len(l) == 0 || l[len(l)-1] != i {
				c.bnQuads[t.Value] = append(l, i)
			}
		}
	}
	if len(c.bnQuads) > lim.MaxBlankNodes {
		return nil, &LimitError{What: "blank nodes", Limit: int64(lim.MaxBlankNodes)}
	}
	// Hash first degree quads; issue canonical ids to unique hashes.
	byHash := map[string][]string{}
	for id := range c.bnQuads {
		h := c.hashFirstDegree(id)
		byHash[h] = append(byHash[h], id)
	}
	hashes := make([]string, 0, len(byHash))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		if l := byHash[h]; len(l) == 1 {
			c.canon.issue(l[0])
		}
	}
	if time.Now().After(c.deadline) {
		return nil, &LimitError{What: "time", Limit: int64(lim.MaxTime)}
	}
	// Shared hashes: Hash N-Degree Quads decides.
	for _, h := range hashes {
		ids := byHash[h]
		if len(ids) < 2 {
			continue
		}
		sort.Strings(ids)
		type result struct {
			hash string
			is   *issuer
		}
		var results []result
		for _, id := range ids {
			if c.canon.has(id) {
				continue
			}
			tmp := newIssuer("_:b")
			tmp.issue(id)
			hh, is := c.hashNDegree(id, tmp)
			if c.err != nil {
				if c.err == errTime {
					return nil, &LimitError{What: "time", Limit: int64(lim.MaxTime)}
				}
				return nil, &LimitError{What: "hash-n-degree calls", Limit: int64(lim.MaxHashNDeg)}
			}
			results = append(results, result{hh, is})
		}
		sort.SliceStable(results, func(i, j int) bool { return results[i].hash < results[j].hash })
		for _, r := range results {
			for _, e := range r.is.order {
				c.canon.issue(e)
			}
		}
	}
	out := make([]Quad, len(quads))
	lines := make([]string, len(quads))
	for i, q := range quads {
		for _, t := range []*Term{&q.S, &q.O, &q.G} {
			if t.Kind == Blank {
				t.Value = c.canon.issue(t.Value)
			}
		}
		out[i] = q
		lines[i] = q.Line()
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return lines[idx[a]] < lines[idx[b]] })
	sorted := make([]Quad, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted, nil
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func (c *c14n) hashFirstDegree(id string) string {
	if h, ok := c.firstHash[id]; ok {
		return h
	}
	idx := c.bnQuads[id]
	lines := make([]string, 0, len(idx))
	for _, i := range idx {
		q := c.quads[i]
		for _, t := range []*Term{&q.S, &q.O, &q.G} {
			if t.Kind == Blank {
				if t.Value == id {
					t.Value = "_:a"
				} else {
					t.Value = "_:z"
				}
			}
		}
		lines = append(lines, q.Line())
	}
	sort.Strings(lines)
	h := hashHex(strings.Join(lines, ""))
	c.firstHash[id] = h
	return h
}

func (c *c14n) hashRelated(related string, q *Quad, is *issuer, pos byte) string {
	var id string
	switch {
	case c.canon.has(related):
		id = c.canon.issue(related)
	case is.has(related):
		id = is.issue(related)
	default:
		id = c.hashFirstDegree(related)
	}
	var b strings.Builder
	b.WriteByte(pos)
	if pos != 'g' {
		b.WriteByte('<')
		b.WriteString(q.P.Value)
		b.WriteByte('>')
	}
	b.WriteString(id)
	return hashHex(b.String())
}

type stop string

func (s stop) Error() string { return string(s) }

const (
	errTime  = stop("time")
	errSteps = stop("steps")
)

// step counts one unit of Hash N-Degree work and reports whether to go on.
func (c *c14n) step() bool {
	if c.err != nil {
		return false
	}
	c.steps++
	if c.steps > c.maxSteps {
		c.err = errSteps
		return false
	}
	if c.steps%64 == 0 && time.Now().After(c.deadline) {
		c.err = errTime
		return false
	}
	return true
}

func (c *c14n) hashNDegree(id string, is *issuer) (string, *issuer) {
	if !c.step() {
		return "", is
	}
	related := map[string][]string{}
	for _, i := range c.bnQuads[id] {
		q := &c.quads[i]
		for k, t := range []Term{q.S, q.O, q.G} {
			if t.Kind != Blank || t.Value == id {
				continue
			}
			h := c.hashRelated(t.Value, q, is, "sog"[k])
			related[h] = append(related[h], t.Value)
		}
	}
	hashes := make([]string, 0, len(related))
	for h := range related {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	var data strings.Builder
	for _, h := range hashes {
		data.WriteString(h)
		chosenPath := ""
		var chosen *issuer
		perm := slices.Clone(related[h])
		sort.Strings(perm)
		for {
			if !c.step() {
				return "", is
			}
			cp := is.clone()
			path := ""
			var recursion []string
			skip := false
			for _, r := range perm {
				if c.canon.has(r) {
					path += c.canon.issue(r)
				} else {
					if !cp.has(r) {
						recursion = append(recursion, r)
					}
					path += cp.issue(r)
				}
				if chosenPath != "" && len(path) >= len(chosenPath) && path > chosenPath {
					skip = true
					break
				}
			}
			if !skip {
				for _, r := range recursion {
					rh, ris := c.hashNDegree(r, cp)
					if c.err != nil {
						return "", is
					}
					path += cp.issue(r) + "<" + rh + ">"
					cp = ris
					if chosenPath != "" && len(path) >= len(chosenPath) && path > chosenPath {
						skip = true
						break
					}
				}
			}
			if !skip && (chosenPath == "" || path < chosenPath) {
				chosenPath, chosen = path, cp
			}
			if !nextPermutation(perm) {
				break
			}
		}
		data.WriteString(chosenPath)
		is = chosen
	}
	return hashHex(data.String()), is
}

// nextPermutation rearranges p into its next lexicographic permutation and
// reports whether there was one (p sorted ascending starts the cycle).
func nextPermutation(p []string) bool {
	i := len(p) - 2
	for i >= 0 && p[i] >= p[i+1] {
		i--
	}
	if i < 0 {
		return false
	}
	j := len(p) - 1
	for p[j] <= p[i] {
		j--
	}
	p[i], p[j] = p[j], p[i]
	slices.Reverse(p[i+1:])
	return true
}

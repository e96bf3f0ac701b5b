package ld

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	jsonld "github.com/piprate/json-gold/ld"
)

// The conversion of expanded JSON-LD to RDF (JSON-LD 1.1 API, "Deserialize
// JSON-LD to RDF"), done here over json-gold's node map rather than by
// json-gold's ToRDF, for speed: json-gold checks every http(s) IRI of every
// quad with a large regular expression (its IsURL) and remembers the
// results only for one call, which was a third of a DIVOC verification. The
// rules, and so the quads, are json-gold's — the same statements dropped
// (relative IRIs, an http(s) IRI its IsURL refuses, a malformed language
// tag) — held to json-gold's own ToRDF by TestToRDFMatchesJSONGold and
// FuzzToRDFMatchesJSONGold; IsURL's verdicts are remembered process-wide
// (bounded). A @json literal (its canonical JSON form needs json-gold's
// internal JCS) goes through json-gold's ToRDF as before.

// errJSONLiteral asks ToRDF to use json-gold's own conversion.
var errJSONLiteral = errors.New("json literal")

const (
	rdfType   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	rdfFirst  = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
	rdfRest   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
	rdfNil    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
	xsdBool   = "http://www.w3.org/2001/XMLSchema#boolean"
	xsdDouble = "http://www.w3.org/2001/XMLSchema#double"
	xsdInt    = "http://www.w3.org/2001/XMLSchema#integer"
)

// urlVerdicts remembers jsonld.IsURL per IRI across documents: the IRIs
// of predicates, types and datatypes are the same in every credential.
// Bounded in entries and in the length of the IRIs kept.
var (
	urlVerdicts sync.Map // string → bool
	urlCount    atomic.Int64
)

const (
	maxURLVerdicts = 8192
	maxURLKeyLen   = 512
)

func isURL(s string) bool {
	if v, ok := urlVerdicts.Load(s); ok {
		return v.(bool)
	}
	ok := jsonld.IsURL(s)
	if len(s) <= maxURLKeyLen && urlCount.Load() < maxURLVerdicts {
		if _, loaded := urlVerdicts.LoadOrStore(s, ok); !loaded {
			urlCount.Add(1)
		}
	}
	return ok
}

// validIRI is json-gold's test for an IRI in a quad: an http(s) IRI must
// pass IsURL; anything else passes.
func validIRI(s string) bool {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return isURL(s)
	}
	return true
}

// validLanguage is ^[a-zA-Z]+(-[a-zA-Z0-9]+)*$, json-gold's test for a
// literal's language tag.
func validLanguage(s string) bool {
	alpha := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	i := 0
	for i < len(s) && alpha(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) {
		if s[i] != '-' {
			return false
		}
		i++
		j := i
		for i < len(s) && (alpha(s[i]) || digit(s[i])) {
			i++
		}
		if i == j {
			return false
		}
	}
	return true
}

func validTerm(t Term) bool {
	switch t.Kind {
	case IRI:
		return validIRI(t.Value)
	case Literal:
		if t.Language != "" && !validLanguage(t.Language) {
			return false
		}
		if t.Datatype != "" && !validIRI(t.Datatype) {
			return false
		}
	}
	return true
}

// rdfConv holds one conversion's state.
type rdfConv struct {
	issuer   *jsonld.IdentifierIssuer
	relative map[string]bool // IsRelativeIri per string, for this call
	graph    Term
	out      []Quad
	max      int
	raw      bool // keep quads with IRIs json-gold would drop (for the shape cache)
}

func (c *rdfConv) isRelative(s string) bool {
	if strings.HasPrefix(s, "_:") {
		return false
	}
	if v, ok := c.relative[s]; ok {
		return v
	}
	v := jsonld.IsRelativeIri(s)
	c.relative[s] = v
	return v
}

func (c *rdfConv) emit(q Quad) error {
	if !c.raw && !validTerm(q.S) || !validTerm(q.P) || !validTerm(q.O) || !validTerm(q.G) {
		return nil
	}
	if len(c.out) >= c.max {
		return &LimitError{What: "quads", Limit: int64(c.max)}
	}
	c.out = append(c.out, q)
	return nil
}

func node(id string) Term {
	if strings.HasPrefix(id, "_:") {
		return Term{Kind: Blank, Value: id}
	}
	return Term{Kind: IRI, Value: id}
}

// toQuads converts expanded JSON-LD to quads, at most max of them.
func toQuads(expanded any, max int) ([]Quad, error) { return convert(expanded, max, false) }

// convert is toQuads; raw keeps the statements whose IRIs json-gold's
// validity check would drop.
func convert(expanded any, max int, raw bool) ([]Quad, error) {
	c := &rdfConv{issuer: jsonld.NewIdentifierIssuer("_:b"), relative: map[string]bool{}, max: max, raw: raw}
	nodeMap := map[string]any{"@default": map[string]any{}}
	if _, err := jsonld.NewJsonLdApi().GenerateNodeMap(expanded, nodeMap, "@default", c.issuer, "", "", nil); err != nil {
		return nil, err
	}
	for gname, gv := range nodeMap {
		if c.isRelative(gname) && gname != "@default" {
			continue
		}
		graph, ok := gv.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("node map graph %q is not an object", gname)
		}
		c.graph = Term{}
		if gname != "@default" {
			c.graph = node(gname)
		}
		if err := c.graphQuads(graph); err != nil {
			return nil, err
		}
	}
	return c.out, nil
}

func (c *rdfConv) graphQuads(graph map[string]any) error {
	for id, nv := range graph {
		if c.isRelative(id) {
			continue
		}
		n, ok := nv.(map[string]any)
		if !ok {
			return fmt.Errorf("node %q is not an object", id)
		}
		subject := node(id)
		for prop, pv := range n {
			pred := prop
			switch {
			case prop == "@type":
				pred = rdfType
			case jsonld.IsKeyword(prop), strings.HasPrefix(prop, "_:"), c.isRelative(prop):
				continue
			}
			values, ok := pv.([]any)
			if !ok {
				return fmt.Errorf("values of %q are not an array", prop)
			}
			p := Term{Kind: IRI, Value: pred}
			for _, item := range values {
				obj, ok, err := c.object(item)
				if err != nil {
					return err
				}
				if ok {
					if err := c.emit(Quad{S: subject, P: p, O: obj, G: c.graph}); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// object converts a value, list or node reference to an RDF term; ok is
// false when it has none (a relative IRI).
func (c *rdfConv) object(item any) (Term, bool, error) {
	m, isMap := item.(map[string]any)
	if !isMap {
		s, isStr := item.(string)
		if !isStr {
			return Term{}, false, fmt.Errorf("node reference %T is not a string", item)
		}
		return node(s), true, nil
	}
	if v, isValue := m["@value"]; isValue {
		return c.literal(v, m)
	}
	if l, isList := m["@list"]; isList {
		items, ok := l.([]any)
		if !ok {
			return Term{}, false, errors.New("@list is not an array")
		}
		t, err := c.list(items)
		return t, err == nil, err
	}
	id, ok := m["@id"].(string)
	if !ok {
		return Term{}, false, errors.New("node reference without a string @id")
	}
	if c.isRelative(id) {
		return Term{}, false, nil
	}
	return node(id), true, nil
}

func (c *rdfConv) literal(v any, m map[string]any) (Term, bool, error) {
	dt, hasType := m["@type"]
	dts := ""
	if hasType {
		s, ok := dt.(string)
		if !ok {
			return Term{}, false, errors.New("value @type is not a string")
		}
		if s == "@json" {
			return Term{}, false, errJSONLiteral
		}
		dts = s
	}
	or := func(def string) string {
		if hasType {
			return dts
		}
		return def
	}
	switch t := v.(type) {
	case bool:
		return Term{Kind: Literal, Value: strconv.FormatBool(t), Datatype: or(xsdBool)}, true, nil
	case float64:
		if t != float64(int64(t)) || dts == xsdDouble {
			return Term{Kind: Literal, Value: jsonld.GetCanonicalDouble(t), Datatype: or(xsdDouble)}, true, nil
		}
		return Term{Kind: Literal, Value: strconv.FormatInt(int64(t), 10), Datatype: or(xsdInt)}, true, nil
	case string:
		if lv, hasLang := m["@language"]; hasLang {
			lang, ok := lv.(string)
			if !ok {
				return Term{}, false, errors.New("@language is not a string")
			}
			return Term{Kind: Literal, Value: t, Datatype: or(rdfLangString), Language: lang}, true, nil
		}
		return Term{Kind: Literal, Value: t, Datatype: or(xsdString)}, true, nil
	}
	return Term{}, false, fmt.Errorf("@value of type %T", v)
}

// list writes an RDF collection and returns its head.
func (c *rdfConv) list(items []any) (Term, error) {
	if len(items) == 0 {
		return Term{Kind: IRI, Value: rdfNil}, nil
	}
	head := Term{Kind: Blank, Value: c.issuer.GetId("")}
	subj := head
	first, rest := Term{Kind: IRI, Value: rdfFirst}, Term{Kind: IRI, Value: rdfRest}
	for i, it := range items {
		obj, ok, err := c.object(it)
		if err != nil {
			return Term{}, err
		}
		next := Term{Kind: IRI, Value: rdfNil}
		if i < len(items)-1 {
			next = Term{Kind: Blank, Value: c.issuer.GetId("")}
		}
		if ok {
			if err := c.emit(Quad{S: subj, P: first, O: obj, G: c.graph}); err != nil {
				return Term{}, err
			}
		}
		if err := c.emit(Quad{S: subj, P: rest, O: next, G: c.graph}); err != nil {
			return Term{}, err
		}
		subj = next
	}
	return head, nil
}

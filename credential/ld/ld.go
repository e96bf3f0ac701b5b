// Package ld reads JSON-LD offline and canonicalises it with RDFC-1.0
// (the W3C RDF Dataset Canonicalization, identical in output to the
// URDNA2015 algorithm that Linked Data Signatures name), for the formats
// whose signatures cover canonical N-Quads: DIVOC certificates, W3C
// Verifiable Credentials with Data Integrity proofs and the WHO GDHCN trust
// list.
//
// # What is trusted
//
// Only the JSON-LD contexts embedded in package assets (W3C credentials v1
// and v2, security v1/v2, the Ed25519 2018/2020 and JWS 2020 suites, Data
// Integrity v1/v2, DID v1, the DIVOC vaccination contexts under each URL
// they are published at, the W3C CCG vaccination vocabulary, the GDHCN
// trust-list context). A context URL that is not embedded is an
// [*UnknownContextError]: the loader never touches the network.
//
// # What is checked
//
// JSON-LD expansion and the conversion to RDF are done by
// github.com/piprate/json-gold, in safe mode: a term that no context
// defines is an [*UndefinedTermError] rather than being dropped silently
// (dropped data would be displayed by a naive reader but not covered by the
// signature). The canonicalisation itself is written here, after the
// RDFC-1.0 specification, so that its work can be bounded: [Limits] caps
// the input size, the JSON nesting, the number of JSON values, quads and
// blank nodes, the calls of the Hash N-Degree Quads algorithm (the step
// that blank-node "poison graphs" make exponential) and the wall time. Any
// bound exceeded is a [*LimitError] naming the bound.
//
// # Speed
//
// Expansion is the costly step (json-gold processes every type- and
// property-scoped context on every node), so [ToRDF] expands a document
// once per shape — its structure, member names, contexts and types, with
// its other strings as markers — and for later documents of that shape
// puts their strings back where the markers came out, only where
// expansion cannot tell a marker from the string (see shape.go; anything
// else takes the full path). The conversion of expanded JSON-LD to quads is
// written here, with json-gold's rules and its IRI checks remembered.
//
// # Compatibility
//
// The canonical N-Quads are byte-identical to json-gold's own URDNA2015
// and to rdf-canonize (the JavaScript implementation that jsonld.js and
// jsonld-signatures use) on the documents tested; literals are escaped as
// RDFC-1.0 requires (\b \t \n \f \r \" \\ as escapes, other control
// characters as \u00XX).
package ld

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/internal/strictjson"
	jsonld "github.com/piprate/json-gold/ld"
)

// Limits bounds the work of reading and canonicalising one document. A zero
// field means the value of [DefaultLimits].
type Limits struct {
	MaxBytes      int           // size of the JSON text
	MaxDepth      int           // nesting of JSON objects and arrays
	MaxValues     int           // JSON values (objects, arrays, scalars)
	MaxQuads      int           // RDF quads after expansion
	MaxBlankNodes int           // distinct blank nodes
	MaxHashNDeg   int           // calls of Hash N-Degree Quads
	MaxTime       time.Duration // wall time of the canonicalisation
	// DropUndefined processes JSON-LD as signers of the 2018–2020 suites
	// did (jsonld.js without safe mode): a member no context defines is
	// dropped instead of being an [*UndefinedTermError]. The signature
	// then does not cover it: a caller that sets this must show only data
	// it has found in the signed quads (see [Covers]).
	DropUndefined bool
}

// DefaultLimits suit a credential or a trust list: a few megabytes at most.
// Real credentials have no blank node whose first-degree hash is shared,
// so they need no Hash N-Degree call at all; the GDHCN DEV list needs none
// either.
var DefaultLimits = Limits{
	MaxBytes:      4 << 20,
	MaxDepth:      32,
	MaxValues:     200_000,
	MaxQuads:      50_000,
	MaxBlankNodes: 10_000,
	MaxHashNDeg:   2_000,
	MaxTime:       5 * time.Second,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxValues > 0 {
		d.MaxValues = l.MaxValues
	}
	if l.MaxQuads > 0 {
		d.MaxQuads = l.MaxQuads
	}
	if l.MaxBlankNodes > 0 {
		d.MaxBlankNodes = l.MaxBlankNodes
	}
	if l.MaxHashNDeg > 0 {
		d.MaxHashNDeg = l.MaxHashNDeg
	}
	if l.MaxTime > 0 {
		d.MaxTime = l.MaxTime
	}
	d.DropUndefined = l.DropUndefined
	return d
}

// LimitError reports a bound of [Limits] that a document exceeds.
type LimitError struct {
	What  string // "bytes", "nesting depth", "JSON values", "quads", "blank nodes", "hash-n-degree calls", "time"
	Limit int64
}

func (e *LimitError) Error() string {
	if e.What == "time" {
		return fmt.Sprintf("json-ld canonicalisation stopped after %v, its time bound (too complex to canonicalise)", time.Duration(e.Limit))
	}
	if e.What == "hash-n-degree calls" {
		return fmt.Sprintf("json-ld canonicalisation stopped after %d hash-n-degree calls (blank nodes too symmetric to canonicalise: a poison graph?)", e.Limit)
	}
	return fmt.Sprintf("json-ld document has more %s than the %d allowed", e.What, e.Limit)
}

// UnknownContextError reports a context URL that is not embedded.
type UnknownContextError struct{ URL string }

func (e *UnknownContextError) Error() string {
	return fmt.Sprintf("json-ld context %q is not one this verifier holds (contexts are never fetched)", e.URL)
}

// UndefinedTermError reports a member that no context defines; JSON-LD
// would drop it, leaving it outside the signed data.
type UndefinedTermError struct{ Detail string }

func (e *UndefinedTermError) Error() string {
	return "json-ld term not defined by the document's contexts, so not covered by a signature: " + e.Detail
}

// SyntaxError reports input that is not a JSON-LD document json-gold can
// process (bad JSON, an invalid context, a keyword misused…).
type SyntaxError struct{ Err error }

func (e *SyntaxError) Error() string { return "invalid json-ld: " + e.Err.Error() }
func (e *SyntaxError) Unwrap() error { return e.Err }

// loader serves the embedded contexts and nothing else.
type loader struct{}

// parsedContexts caches the decoded embedded contexts: decoding them on
// every load was 16% of a DIVOC verification. json-gold only reads them.
var parsedContexts sync.Map // URL → any

func (loader) LoadDocument(u string) (*jsonld.RemoteDocument, error) {
	if doc, ok := parsedContexts.Load(u); ok {
		return &jsonld.RemoteDocument{DocumentURL: u, Document: doc}, nil
	}
	b, ok := assets.LDContext(u)
	if !ok {
		return nil, &UnknownContextError{URL: u}
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("embedded context %q: %w", u, err)
	}
	parsedContexts.Store(u, doc)
	return &jsonld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// Parse reads JSON text for the canonicaliser: strict JSON (no duplicate
// member names, valid UTF-8), within the size, depth and value-count
// bounds. It returns maps, slices, strings, float64, bool and nil.
func Parse(data []byte, lim Limits) (any, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, &LimitError{What: "bytes", Limit: int64(lim.MaxBytes)}
	}
	v, err := strictjson.Parse(data, lim.MaxDepth)
	if err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) && strings.Contains(se.Problem, "nest") {
			return nil, &LimitError{What: "nesting depth", Limit: int64(lim.MaxDepth)}
		}
		return nil, &SyntaxError{Err: err}
	}
	n := 0
	out, err := plain(v, &n, lim.MaxValues)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func plain(v any, n *int, max int) (any, error) {
	*n++
	if *n > max {
		return nil, &LimitError{What: "JSON values", Limit: int64(max)}
	}
	switch t := v.(type) {
	case strictjson.Object:
		m := make(map[string]any, len(t))
		for _, mb := range t {
			x, err := plain(mb.Value, n, max)
			if err != nil {
				return nil, err
			}
			m[mb.Name] = x
		}
		return m, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			y, err := plain(x, n, max)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return nil, &SyntaxError{Err: fmt.Errorf("number %s out of range", t)}
		}
		return f, nil
	}
	return v, nil
}

// countValues counts the JSON values of an already decoded document.
func countValues(v any, n *int, max, depth, maxDepth int) error {
	*n++
	if *n > max {
		return &LimitError{What: "JSON values", Limit: int64(max)}
	}
	if depth > maxDepth {
		return &LimitError{What: "nesting depth", Limit: int64(maxDepth)}
	}
	switch t := v.(type) {
	case map[string]any:
		for _, x := range t {
			if err := countValues(x, n, max, depth+1, maxDepth); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range t {
			if err := countValues(x, n, max, depth+1, maxDepth); err != nil {
				return err
			}
		}
	}
	return nil
}

// ToRDF expands a decoded JSON-LD document (as [Parse] returns it) with
// the embedded contexts only, in safe mode, and returns its quads.
func ToRDF(doc any, lim Limits) (quads []Quad, err error) {
	lim = lim.withDefaults()
	// json-gold asserts types in places where malformed input breaks its
	// assumptions (found by FuzzCanonicalize): such input is invalid
	// JSON-LD, reported as such rather than crashing the caller.
	defer func() {
		if r := recover(); r != nil {
			quads, err = nil, &SyntaxError{Err: fmt.Errorf("json-ld processor rejected the input (%v)", r)}
		}
	}()
	n := 0
	if err := countValues(doc, &n, lim.MaxValues, 1, lim.MaxDepth); err != nil {
		return nil, err
	}
	opts := jsonld.NewJsonLdOptions("")
	opts.DocumentLoader = loader{}
	opts.ProcessingMode = jsonld.JsonLd_1_1
	opts.SafeMode = !lim.DropUndefined
	opts.Algorithm = jsonld.AlgorithmURDNA2015
	if q, ok, err := shapeQuads(doc, lim, func(d any) (any, error) { return expand(d, opts) }); ok {
		return q, err
	}
	return fullRDF(doc, opts, lim)
}

// fullRDF is ToRDF without the shape cache.
func fullRDF(doc any, opts *jsonld.JsonLdOptions, lim Limits) (quads []Quad, err error) {
	expanded, err := expand(doc, opts)
	if err != nil {
		return nil, jsonldError(err)
	}
	quads, err = toQuads(expanded, lim.MaxQuads)
	if err == nil {
		return quads, nil
	}
	var le *LimitError
	if errors.As(err, &le) {
		return nil, err
	}
	if !errors.Is(err, errJSONLiteral) {
		return nil, &SyntaxError{Err: err}
	}
	return jsonGoldRDF(expanded, opts, lim)
}

// jsonGoldRDF is json-gold's own conversion of expanded JSON-LD to RDF,
// for what toQuads leaves to it (a @json literal).
func jsonGoldRDF(expanded any, opts *jsonld.JsonLdOptions, lim Limits) (quads []Quad, err error) {
	ds, err := jsonld.NewJsonLdApi().ToRDF(expanded, opts)
	if err != nil {
		return nil, jsonldError(err)
	}
	for g, qs := range ds.Graphs {
		var gn Term
		if g != "@default" {
			if strings.HasPrefix(g, "_:") {
				gn = Term{Kind: Blank, Value: g}
			} else {
				gn = Term{Kind: IRI, Value: g}
			}
		}
		for _, q := range qs {
			if len(quads) >= lim.MaxQuads {
				return nil, &LimitError{What: "quads", Limit: int64(lim.MaxQuads)}
			}
			quads = append(quads, Quad{S: term(q.Subject), P: term(q.Predicate), O: term(q.Object), G: gn})
		}
	}
	return quads, nil
}

func jsonldError(err error) error {
	var ue *UnknownContextError
	if errors.As(err, &ue) {
		return ue
	}
	var le *jsonld.JsonLdError
	if errors.As(err, &le) {
		if le.Code == jsonld.InvalidProperty {
			return &UndefinedTermError{Detail: fmt.Sprint(le.Details)}
		}
		if d, ok := le.Details.(error); ok && errors.As(d, &ue) {
			return ue
		}
		if u, ok := unknownContextIn(fmt.Sprint(le.Details)); ok {
			return &UnknownContextError{URL: u}
		}
	}
	return &SyntaxError{Err: err}
}

// unknownContextIn finds our loader's message inside a json-gold error that
// kept only its text.
func unknownContextIn(s string) (string, bool) {
	const pre = "json-ld context "
	i := strings.Index(s, pre)
	if i < 0 || !strings.Contains(s[i:], "is not one this verifier holds") {
		return "", false
	}
	var u string
	if _, err := fmt.Sscanf(s[i+len(pre):], "%q", &u); err != nil {
		return "", false
	}
	return u, true
}

func term(n jsonld.Node) Term {
	switch t := n.(type) {
	case jsonld.IRI:
		return Term{Kind: IRI, Value: t.Value}
	case jsonld.BlankNode:
		return Term{Kind: Blank, Value: t.Attribute}
	case jsonld.Literal:
		return Term{Kind: Literal, Value: t.Value, Datatype: t.Datatype, Language: t.Language}
	}
	return Term{}
}

// Canonicalize reads a JSON-LD document from JSON text and returns its
// canonical N-Quads (RDFC-1.0), within lim.
func Canonicalize(data []byte, lim Limits) ([]byte, error) {
	doc, err := Parse(data, lim)
	if err != nil {
		return nil, err
	}
	return CanonicalizeDoc(doc, lim)
}

// CanonicalizeDoc is [Canonicalize] for a document already decoded (as
// [Parse] returns it, or built by the caller from maps and slices).
func CanonicalizeDoc(doc any, lim Limits) ([]byte, error) {
	start := time.Now()
	quads, err := ToRDF(doc, lim)
	if err != nil {
		return nil, err
	}
	c, err := CanonicalQuads(quads, lim, start)
	if err != nil {
		return nil, err
	}
	return NQuads(c), nil
}

// activeContexts caches the active context of a top-level @context value
// (by its JSON text and the safe-mode flag, which json-gold keeps in the
// context): processing the credentials and DIVOC contexts was half of a
// DIVOC verification. A processed context is only read by expansion.
//
// Bounded: at most maxActiveContexts values are kept (a document's own
// inline @context is part of the key, so a stream of documents each with
// another one would otherwise grow it without end); past that, a new one
// is processed without being kept.
var (
	activeContexts     sync.Map // string → *jsonld.Context
	activeContextCount atomic.Int64
)

const maxActiveContexts = 64

// expand is json-gold's JsonLdProcessor expansion with the document's
// top-level @context processed once per distinct value.
func expand(doc any, opts *jsonld.JsonLdOptions) (any, error) {
	m, ok := doc.(map[string]any)
	ctxv, has := m["@context"]
	if !ok || !has {
		return jsonld.NewJsonLdProcessor().Expand(doc, opts)
	}
	kb, err := json.Marshal(ctxv)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%t|%s", opts.SafeMode, kb)
	var active *jsonld.Context
	if c, ok := activeContexts.Load(key); ok {
		active = c.(*jsonld.Context)
	} else {
		if active, err = jsonld.NewContext(nil, opts).Parse(ctxv); err != nil {
			return nil, err
		}
		if activeContextCount.Load() < maxActiveContexts {
			if _, loaded := activeContexts.LoadOrStore(key, active); !loaded {
				activeContextCount.Add(1)
			}
		}
	}
	body := make(map[string]any, len(m))
	for k, v := range m {
		if k != "@context" {
			body[k] = v
		}
	}
	out, err := jsonld.NewJsonLdApi().Expand(active, "", body, opts, false, nil)
	if err != nil {
		return nil, err
	}
	// The final steps of the expansion algorithm, as JsonLdProcessor does.
	om, isMap := out.(map[string]any)
	if isMap && len(om) == 0 {
		out = nil
	}
	if g, hasGraph := om["@graph"]; isMap && hasGraph && len(om) == 1 {
		out = g
	} else if out == nil {
		out = []any{}
	}
	if l, isList := out.([]any); isList {
		return l, nil
	}
	return []any{out}, nil
}

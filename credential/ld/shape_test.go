package ld

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	jsonld "github.com/piprate/json-gold/ld"
)

// shapeAlternatives are strings put in place of a document's strings to
// make documents of the same shape: empty, relative, compact IRIs under a
// defined prefix, terms, blank node ids, keywords, IRIs json-gold refuses
// or that do not parse, dot segments, the marker text itself.
var shapeAlternatives = []string{
	"", "x", "Asha Verma", "did:Passport:Q1", "did:india", "https://a.example/x", "https://a.example/x",
	"http://bad host/", "https://", "schema:foo", "Person", "name", "id", "_:b9", "@foo", "@id",
	"2021-01-01T00:00:00Z", "did:%zz", "http://x.example/a/../b", "urn:zqipm0q", "urn:zqipm1q", ":x",
	"cred:issuer", "https://www.w3.org/2018/credentials#issuer", "xsd:string", "a:b:c", "1abc:x", "HTTPS://A.EXAMPLE/",
}

// variant returns doc with some of its strings (outside @context and the
// verbatim members) replaced; same reports whether any were.
func variant(v any, r *rand.Rand, verbatim bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if k == "@context" {
				out[k] = x
				continue
			}
			out[k] = variant(x, r, verbatimMembers[k])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = variant(x, r, verbatim)
		}
		return out
	case string:
		if !verbatim && r.IntN(3) == 0 {
			return shapeAlternatives[r.IntN(len(shapeAlternatives))]
		}
	}
	return v
}

// compareShape checks ToRDF through the shape cache against the full
// path on doc.
func compareShape(t *testing.T, name string, doc any, lim Limits) {
	t.Helper()
	lim = lim.withDefaults()
	opts := jsonld.NewJsonLdOptions("")
	opts.DocumentLoader = loader{}
	opts.ProcessingMode = jsonld.JsonLd_1_1
	opts.SafeMode = !lim.DropUndefined
	opts.Algorithm = jsonld.AlgorithmURDNA2015
	var (
		fast            []Quad
		ok              bool
		fastErr, panic1 error
	)
	func() {
		defer func() {
			if r := recover(); r != nil {
				panic1 = errors.New("panic")
			}
		}()
		fast, ok, fastErr = shapeQuads(doc, lim, func(d any) (any, error) { return expand(d, opts) })
	}()
	if panic1 != nil || !ok {
		return
	}
	var full []Quad
	var fullErr error
	func() {
		defer func() {
			if r := recover(); r != nil {
				fullErr = errors.New("panic")
			}
		}()
		full, fullErr = fullRDF(doc, opts, lim)
	}()
	if (fastErr == nil) != (fullErr == nil) {
		b, _ := json.Marshal(doc)
		t.Fatalf("%s: shape cache error %v, full path %v\n%s", name, fastErr, fullErr, b)
	}
	if fastErr != nil {
		return
	}
	if a, b := canonicalForTest(t, fast), canonicalForTest(t, full); !bytes.Equal(a, b) {
		d, _ := json.Marshal(doc)
		t.Fatalf("%s: shape cache differs from the full path on\n%s\n cache: %s\n full:  %s", name, d, a, b)
	}
}

func shapeDocs(t testing.TB) map[string][]byte {
	docs := vectorDocs(t)
	names, _ := filepath.Glob("../divoc/testdata/interop/vectors/*-signed.json")
	more, _ := filepath.Glob("../vc/testdata/interop/vectors/*.json")
	for _, n := range append(names, more...) {
		docs[n] = readFile(t, n)
	}
	for i, c := range rdfCases {
		docs["case"+string(rune('a'+i))] = []byte(c)
	}
	return docs
}

// TestShapeMatchesFull: documents of one shape with other strings (IRIs,
// compact IRIs, terms, blank node ids, keywords, duplicates, the marker
// text) give, through the shape cache, the quads the full path gives.
func TestShapeMatchesFull(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	hits := 0
	for name, data := range shapeDocs(t) {
		doc, err := Parse(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := doc.(map[string]any); ok {
			delete(m, "proof")
		}
		for _, drop := range []bool{false, true} {
			lim := Limits{DropUndefined: drop}
			compareShape(t, name, doc, lim) // fills the cache
			for range 40 {
				v := variant(doc, r, false)
				compareShape(t, name, v, lim)
				if _, ok, _ := shapeQuads(v, lim.withDefaults(), func(d any) (any, error) {
					e, _, err := expandForTest(d, !drop)
					return e, err
				}); ok {
					hits++
				}
			}
		}
	}
	if hits < 100 {
		t.Errorf("the shape cache served only %d variants", hits)
	}
}

// FuzzShapeMatchesFull: any document, and a variant of it with other
// strings, give the same quads through the shape cache as through the
// full path.
func FuzzShapeMatchesFull(f *testing.F) {
	for _, data := range shapeDocs(f) {
		if len(data) < 8<<10 {
			f.Add(data, uint64(1))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		lim := Limits{MaxBytes: 8 << 10, MaxValues: 2_000, DropUndefined: seed&1 == 1}
		doc, err := Parse(data, lim)
		if err != nil {
			return
		}
		compareShape(t, "input", doc, lim)
		compareShape(t, "variant", variant(doc, rand.New(rand.NewPCG(seed, 7)), false), lim)
	})
}

// TestShapeCacheBounded: a document past maxShapeKey takes the full path
// (the cache is not filled with trust lists), and the cache never holds
// more than maxShapes shapes.
func TestShapeCacheBounded(t *testing.T) {
	lim := Limits{}.withDefaults()
	exp := func(d any) (any, error) { e, _, err := expandForTest(d, true); return e, err }
	big := map[string]any{"@context": map[string]any{"@vocab": "http://ex.org/"}}
	for i := range 2000 {
		big[fmt.Sprintf("p%04d", i)] = "v"
	}
	if _, ok, _ := shapeQuads(big, lim, exp); ok {
		t.Fatal("a 2,000-member document went through the shape cache")
	}
	for i := range maxShapes + 10 {
		d := map[string]any{"@context": map[string]any{"@vocab": "http://ex.org/"}, fmt.Sprintf("q%d", i): "v"}
		if _, ok, err := shapeQuads(d, lim, exp); !ok || err != nil {
			t.Fatalf("shape %d: %v %v", i, ok, err)
		}
		shapes.Lock()
		n := len(shapes.m)
		shapes.Unlock()
		if n > maxShapes {
			t.Fatalf("%d shapes held", n)
		}
	}
}

// TestActiveContextsBounded: documents with ever new inline contexts do not
// grow the processed-context cache past maxActiveContexts.
func TestActiveContextsBounded(t *testing.T) {
	for i := range maxActiveContexts + 20 {
		doc := map[string]any{"@context": map[string]any{"@vocab": fmt.Sprintf("http://ex.org/%d/", i)}, "p": "v"}
		if _, err := ToRDF(doc, Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	activeContexts.Range(func(_, _ any) bool { n++; return true })
	if n > maxActiveContexts {
		t.Fatalf("%d processed contexts kept", n)
	}
}

// TestShapeConcurrent: documents of one shape converted from several
// goroutines at once (the verifier's web server does) give each its own
// quads; run with -race.
func TestShapeConcurrent(t *testing.T) {
	doc, err := Parse(readFile(t, "../divoc/testdata/interop/vectors/rsa-signed.json"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	delete(doc.(map[string]any), "proof")
	lim := Limits{DropUndefined: true}
	done := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 20 {
				d := variant(doc, rand.New(rand.NewPCG(uint64(g), uint64(i))), false)
				a, errA := ToRDF(d, lim)
				lim2 := lim.withDefaults()
				b, errB := fullRDF(d, jsonOpts(lim2), lim2)
				if (errA == nil) != (errB == nil) || errA == nil && !bytes.Equal(canonicalForTest(t, a), canonicalForTest(t, b)) {
					done <- fmt.Errorf("goroutine %d, variant %d: %v / %v", g, i, errA, errB)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func jsonOpts(lim Limits) *jsonld.JsonLdOptions {
	opts := jsonld.NewJsonLdOptions("")
	opts.DocumentLoader = loader{}
	opts.ProcessingMode = jsonld.JsonLd_1_1
	opts.SafeMode = !lim.DropUndefined
	opts.Algorithm = jsonld.AlgorithmURDNA2015
	return opts
}

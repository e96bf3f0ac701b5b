package ld

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/internal/npmpeer"
	jsonld "github.com/piprate/json-gold/ld"
)

// The RDFC-1.0 cases: what of the W3C rdf-canon test suite the search
// index held (tests/rdfc10/test071–073 inputs, test075's expected output,
// tests/urdna2015/test057 input; see testdata/rdfc/README.md), and
// generated blank-node-heavy graphs (rings, double rings, cliques, disjoint
// identical subgraphs, random graphs, escapes). Expected outputs are
// W3C's where the index held them (test075), else rdf-canonize 5's
// (committed by TestRDFCPeer -update, checked live when node is present).

// readNQuads parses N-Quads (json-gold's reader: tests only) into quads.
func readNQuads(t testing.TB, s string) []Quad {
	t.Helper()
	ds, err := jsonld.ParseNQuads(s)
	if err != nil {
		t.Fatalf("n-quads: %v", err)
	}
	var out []Quad
	for g, qs := range ds.Graphs {
		var gn Term
		if g != "@default" {
			gn = node(g)
		}
		for _, q := range qs {
			out = append(out, Quad{S: term(q.Subject), P: term(q.Predicate), O: term(q.Object), G: gn})
		}
	}
	return out
}

type rdfcCase struct{ name, input string }

// generatedGraphs are deterministic blank-node-heavy datasets.
func generatedGraphs() []rdfcCase {
	const v = "<http://example.org/vocab#"
	var cases []rdfcCase
	ring := func(n, off int, preds ...string) string {
		var b strings.Builder
		for i := range n {
			for k, p := range preds {
				j := (i + 1 + k*(n-2)) % n
				fmt.Fprintf(&b, "_:n%d %s%s> _:n%d .\n", off+i, v, p, off+j)
			}
		}
		return b.String()
	}
	for n := 3; n <= 8; n++ {
		cases = append(cases, rdfcCase{fmt.Sprintf("gen-ring%d", n), ring(n, 0, "next")})
	}
	for n := 3; n <= 6; n++ {
		cases = append(cases, rdfcCase{fmt.Sprintf("gen-double-ring%d", n), ring(n, 0, "next", "prev")})
	}
	for n := 3; n <= 4; n++ {
		var b strings.Builder
		for i := range n {
			for j := range n {
				if i != j {
					fmt.Fprintf(&b, "_:k%d %sedge> _:k%d .\n", i, v, j)
				}
			}
		}
		cases = append(cases, rdfcCase{fmt.Sprintf("gen-clique%d", n), b.String()})
	}
	cases = append(cases, rdfcCase{"gen-disjoint-rings", ring(3, 0, "next") + ring(3, 10, "next") + ring(3, 20, "next")})
	cases = append(cases, rdfcCase{"gen-rings-in-graphs", strings.ReplaceAll(ring(4, 0, "next"), " .\n", " _:g1 .\n") + ring(4, 10, "next") +
		strings.ReplaceAll(ring(4, 20, "next"), " .\n", " <http://example.org/g2> .\n")})
	cases = append(cases, rdfcCase{"gen-escapes", "_:a " + v + "p> \"tab\\tnl\\ncr\\rbs\\bff\\fq\\\"bsl\\\\ \\u0001\\u007f\\u00e9\\U0001F303\" .\n" +
		"_:a " + v + "p> \"x\"@en-GB .\n_:a " + v + "p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n_:b " + v + "q> _:a .\n"})
	// The W3C test075 result, its blank nodes relabelled: the labelling
	// RDFC-1.0 gives this graph depends on the input's labels (rdf-canonize
	// too), so the expected outputs are rdf-canonize's.
	w075, err := os.ReadFile("testdata/rdfc/w3c-rdfc10-test075-rdfc10.nq")
	if err == nil {
		r := rand.New(rand.NewPCG(75, 75))
		for k := range 3 {
			perm := r.Perm(12)
			in := string(w075)
			for i := 11; i >= 0; i-- { // c14n10 before c14n1
				in = strings.ReplaceAll(in, fmt.Sprintf("_:c14n%d ", i), fmt.Sprintf("_:x%d ", perm[i]))
			}
			lines := strings.Split(strings.TrimSuffix(in, "\n"), "\n")
			r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
			cases = append(cases, rdfcCase{fmt.Sprintf("gen-w3c075-relabelled%d", k), strings.Join(lines, "\n") + "\n"})
		}
	}
	r := rand.New(rand.NewPCG(2026, 12))
	for i := range 20 {
		n := 6 + r.IntN(10)
		var b strings.Builder
		for e := range 2*n + r.IntN(n) {
			s, o := r.IntN(n), r.IntN(n)
			switch r.IntN(5) {
			case 0:
				fmt.Fprintf(&b, "_:r%d %sp%d> \"v%d\" .\n", s, v, r.IntN(2), r.IntN(3))
			case 1:
				fmt.Fprintf(&b, "_:r%d %sp%d> <http://example.org/o%d> .\n", s, v, r.IntN(2), r.IntN(2))
			default:
				fmt.Fprintf(&b, "_:r%d %sp%d> _:r%d .\n", s, v, r.IntN(2), o)
			}
			_ = e
		}
		cases = append(cases, rdfcCase{fmt.Sprintf("gen-random%02d", i), b.String()})
	}
	return cases
}

// rdfcCases are the committed W3C inputs and the generated graphs.
func rdfcCases(t testing.TB) []rdfcCase {
	names, _ := filepath.Glob("testdata/rdfc/*-in.nq")
	var cases []rdfcCase
	for _, n := range names {
		cases = append(cases, rdfcCase{strings.TrimSuffix(filepath.Base(n), "-in.nq"), string(readFile(t, n))})
	}
	if len(cases) < 4 {
		t.Fatalf("only %d W3C inputs in testdata/rdfc", len(cases))
	}
	return append(cases, generatedGraphs()...)
}

// rdfcLimits are wider than DefaultLimits (a policy for credentials, tested
// on its own): the test suite's graphs are built to need deep work.
var rdfcLimits = Limits{MaxHashNDeg: 200_000, MaxTime: 20 * time.Second}

func canonNQ(t testing.TB, input string) ([]byte, error) {
	c, err := CanonicalQuads(readNQuads(t, input), rdfcLimits, time.Now())
	if err != nil {
		return nil, err
	}
	return NQuads(c), nil
}

// TestRDFCCases: every case canonicalises to its committed expected
// output, byte for byte.
func TestRDFCCases(t *testing.T) {
	pass, total := 0, 0
	for _, c := range rdfcCases(t) {
		total++
		want, err := os.ReadFile("testdata/rdfc/" + c.name + "-rdfc10.nq")
		if err != nil {
			t.Errorf("%s: no expected output (run TestRDFCPeer -update with node): %v", c.name, err)
			continue
		}
		got, err := canonNQ(t, c.input)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: differs\n got: %s\nwant: %s", c.name, got, want)
			continue
		}
		pass++
	}
	t.Logf("%d of %d RDFC-1.0 cases pass", pass, total)
}

// TestRDFCW3C075: the W3C test075 graph (its expected output, relabelled:
// the index held test075's result, not its input) needs more than the
// default bound — a LimitError, as for a poison graph — and canonicalises
// within rdfcLimits (to rdf-canonize's output: the gen-w3c075-relabelled
// cases). Its labels cannot be checked against W3C's byte for byte without
// the input: the labelling depends on the input's, and rdf-canonize keeps
// input labels that already start with "c14n", so feeding the expected
// output back proves nothing.
func TestRDFCW3C075(t *testing.T) {
	var in string
	for _, c := range generatedGraphs() {
		if c.name == "gen-w3c075-relabelled0" {
			in = c.input
		}
	}
	if in == "" {
		t.Fatal("no relabelled test075 case")
	}
	quads := readNQuads(t, in)
	var le *LimitError
	if _, err := CanonicalQuads(quads, Limits{}, time.Now()); !errors.As(err, &le) {
		t.Fatalf("test075 within the default bound: %v", err)
	}
	if _, err := CanonicalQuads(quads, rdfcLimits, time.Now()); err != nil {
		t.Fatalf("test075 within rdfcLimits: %v", err)
	}
}

// TestRDFCPeer runs rdf-canonize 5 on every case (skipped without node):
// byte-identical output, or both refusing; -update rewrites the expected
// outputs that are rdf-canonize's (never test075's, which is W3C's).
func TestRDFCPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("npm peer: not in -short")
	}
	same, refused, total := 0, 0, 0
	cases := rdfcCases(t)
	in := map[string]string{}
	for _, c := range cases {
		in[c.name] = c.input
	}
	b, _ := json.Marshal(in)
	res, ok := npmpeer.Run(t, "testdata/interop", "nquads", "--cases", npmpeer.Write(t, "cases.json", b))["results"].(map[string]any)
	if !ok {
		t.Fatal("the peer printed no results")
	}
	for _, c := range cases {
		total++
		out, _ := res[c.name].(map[string]any)
		got, err := canonNQ(t, c.input)
		peer, ok := out["nquads"].(string)
		if !ok {
			var le *LimitError
			if err == nil || !errors.As(err, &le) {
				t.Errorf("%s: rdf-canonize refuses (%v), ours: %v", c.name, out["error"], err)
				continue
			}
			refused++
			continue
		}
		if err != nil || string(got) != peer {
			t.Errorf("%s: differs from rdf-canonize: %v\n ours: %s\n peer: %s", c.name, err, got, peer)
			continue
		}
		same++
		if *update && !strings.HasPrefix(c.name, "w3c-rdfc10-test075") {
			if err := os.WriteFile("testdata/rdfc/"+c.name+"-rdfc10.nq", []byte(peer), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d of %d cases identical to rdf-canonize, %d refused by both", same, total, refused)
}

// TestRDFCPoisonBounded: cliques past the bound stop with a LimitError
// well within the time bound.
func TestRDFCPoisonBounded(t *testing.T) {
	for _, n := range []int{6, 8} {
		var b strings.Builder
		for i := range n {
			for j := range n {
				if i != j {
					fmt.Fprintf(&b, "_:k%d <http://example.org/vocab#edge> _:k%d .\n", i, j)
				}
			}
		}
		start := time.Now()
		_, err := CanonicalQuads(readNQuads(t, b.String()), Limits{MaxTime: 5 * time.Second}, start)
		var le *LimitError
		if !errors.As(err, &le) || time.Since(start) > 3*time.Second {
			t.Fatalf("clique of %d: %v after %v", n, err, time.Since(start))
		}
	}
}

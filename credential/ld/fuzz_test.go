package ld

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzCanonicalize feeds the loader/canonicaliser front end arbitrary JSON:
// it must return canonical N-Quads or one of the package's typed errors,
// never panic or run past its bounds, and canonicalising its own output's
// source twice must give the same bytes.
func FuzzCanonicalize(f *testing.F) {
	names, _ := filepath.Glob("testdata/c14n/*.jsonld")
	for _, n := range names {
		b, _ := os.ReadFile(n)
		f.Add(b)
	}
	f.Add([]byte(undefinedTermDoc))
	f.Add(poison(4))
	f.Add([]byte(`{"@context":{"@vocab":"http://ex.org/"},"a":{"@list":[1,{"@id":"_:x"}]},"@id":"_:x"}`))
	f.Add([]byte(`{"@context":{"@version":1.1,"p":{"@id":"http://ex.org/p","@type":"@json"}},"p":{"z":1,"a":[true,null]}}`))
	f.Add([]byte(`{"@context":{"p":{"@id":"http://ex.org/p","@container":"@language"}},"p":{"en":"x","de":["y"]}}`))
	lim := Limits{MaxBytes: 64 << 10, MaxHashNDeg: 500, MaxTime: time.Second}
	f.Fuzz(func(t *testing.T, data []byte) {
		type res struct {
			out []byte
			err error
		}
		done := make(chan res, 1)
		go func() { o, e := Canonicalize(data, lim); done <- res{o, e} }()
		var r res
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("still running after 5 s on %q", data)
		}
		out, err := r.out, r.err
		if err != nil {
			var (
				le *LimitError
				ue *UnknownContextError
				te *UndefinedTermError
				se *SyntaxError
			)
			if !errors.As(err, &le) && !errors.As(err, &ue) && !errors.As(err, &te) && !errors.As(err, &se) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		again, err := Canonicalize(data, lim)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not deterministic: %v\n%s\n%s", err, out, again)
		}
	})
}

// FuzzParseJWSProof: a document with a proof gives a signing input or a
// typed error, never a panic.
func FuzzParseJWSProof(f *testing.F) {
	f.Add([]byte(`{"@context":"https://w3id.org/security/v2","http://ex.org/p":1,"proof":{"type":"JsonWebSignature2020","created":"2021-01-01T00:00:00Z","proofPurpose":"assertionMethod","verificationMethod":"did:x","jws":"eyJiNjQiOmZhbHNlLCJjcml0IjpbImI2NCJdLCJhbGciOiJFUzI1NiJ9..AA"}}`))
	f.Add([]byte(`{"@context":"https://w3id.org/security/v2","proof":[{"jws":"a..b"}]}`))
	f.Add([]byte(`{"proof":{"jws":"eyJhbGciOiJFUzI1NiIsImFsZyI6IlJTMjU2In0..AA"}}`))
	lim := Limits{MaxBytes: 64 << 10, MaxHashNDeg: 500, MaxTime: time.Second}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data, lim)
		if err != nil {
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		p, err := ParseJWSProof(m, lim, nil)
		if err != nil {
			return
		}
		if len(p.SigningInput) < 65 || p.Alg == "" || len(p.Signature) == 0 {
			t.Fatalf("proof %+v", p)
		}
	})
}

package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/internal/spectest"
)

const spec = "../../testdata/shc/"
const specIss = spectest.Iss

func specSnapshot(t testing.TB) []byte { return spectest.Snapshot(t) }

func TestSnapshotVerifiesSpecExamples(t *testing.T) {
	s := New()
	if err := s.Load("spec", specSnapshot(t)); err != nil {
		t.Fatal(err)
	}
	if len(s.Issuers()) != 1 || len(s.Issuer(specIss).Problems) != 0 || len(s.Issuer(specIss).KIDs()) != 2 {
		t.Fatalf("issuers %+v", s.Issuer(specIss))
	}
	for ex, want := range map[string]error{"00": nil, "01": nil, "02": nil, "03": shc.ErrRevoked} {
		raw, _ := os.ReadFile(spec + "examples/example-" + ex + "-d-jws.txt")
		c, err := shc.Parse(string(raw))
		if err != nil {
			t.Fatal(err)
		}
		ik, err := shc.Verify(c, s, time.Unix(1700000000, 0))
		if (want == nil) != (err == nil) || want != nil && !errors.Is(err, want) {
			t.Errorf("example %s: %v", ex, err)
		}
		if ik == nil || ik.IssuerName != "SMART Health Card example issuer" {
			t.Errorf("example %s: issuer %+v", ex, ik)
		}
	}
	// Round trip through Snapshot.
	s2 := New()
	if err := s2.Load("again", s.Snapshot("immunopass", "now")); err != nil {
		t.Fatal(err)
	}
	ik, err := s2.ResolveSHC(specIss, "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s")
	if err != nil || ik.CRLVersion != 1 || ik.CRL == nil || ik.CRL.Ctr != 1 {
		t.Fatalf("%+v %v", ik, err)
	}
}

func TestProblemsStayLocal(t *testing.T) {
	var snap map[string][]json.RawMessage
	json.Unmarshal(specSnapshot(t), &snap)
	// A second issuer whose first key and second key's CRL are broken, then
	// a junk entry. The spec issuer must still resolve.
	snap["issuerInfo"] = append(snap["issuerInfo"], json.RawMessage(`{"issuer":{"iss":"https://bad.example","name":"Bad"},"keys":[
	  {"kty":"EC","crv":"P-256","kid":"k1","x":"AA","y":"AA"},
	  {"kty":"EC","crv":"P-256","kid":"k2","x":"11XvRWy1I2S0EyJlyf_bWfw_TQ5CJJNLw78bHXNxcgw","y":"eZXwxvO1hvCY0KucrPfKo7yAyMT6Ajc3N7OkAB6VYy8","crlVersion":3}],
	  "crls":[{"kid":"k2","method":"rid","ctr":3,"rids":["bad entry"]}]}`), json.RawMessage(`42`))
	doc, _ := json.Marshal(snap)
	s := New()
	if err := s.Load("mixed", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveSHC(specIss, "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		iss, kid string
		want     any
	}{
		{"https://bad.example", "k1", &BadKeyError{}},
		{"https://bad.example", "k2", &BadCRLError{}},
		{"https://bad.example", "k3", &UnknownKeyError{}},
		{"https://nobody.example", "k1", &UnknownIssuerError{}},
		{specIss + "/", "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s", &UnknownIssuerError{}},
		// A kid of the spec issuer does not vouch under another issuer.
		{"https://bad.example", "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s", &UnknownKeyError{}},
	}
	for _, c := range checks {
		_, err := s.ResolveSHC(c.iss, c.kid)
		if err == nil || fmt.Sprintf("%T", err) != fmt.Sprintf("%T", c.want) {
			t.Errorf("(%s, %s): %T %v", c.iss, c.kid, err, err)
		}
	}
	if bad := s.Issuer("https://bad.example"); bad == nil || len(bad.Problems) != 2 {
		t.Fatalf("problems: %+v", bad)
	}
}

func TestLoadRefuses(t *testing.T) {
	for _, doc := range []string{"", "   ", "hello", `{"keys":[]}`, `{"issuerInfo":{}}`, `{"issuerInfo":[]} trailing`, "-----BEGIN CERTIFICATE-----\n"} {
		err := New().Load("f", []byte(doc))
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("Load(%q) = %v", doc, err)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(specSnapshot(f))
	f.Add([]byte(`{"issuerInfo":[{"issuer":{"iss":"https://a"},"keys":[{}],"crls":[{}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := New()
		if err := s.Load("fuzz", b); err != nil {
			return
		}
		for _, i := range s.Issuers() {
			for _, kid := range i.KIDs() {
				if _, err := s.ResolveSHC(i.ID, kid); err != nil {
					var be *BadCRLError
					if !errors.As(err, &be) {
						t.Fatalf("listed key does not resolve: %v", err)
					}
				}
			}
		}
		s2 := New()
		if err := s2.Load("again", s.Snapshot("d", "t")); err != nil {
			t.Fatalf("snapshot does not reload: %v", err)
		}
	})
}

// TestDuplicateKIDIsBadKey: two different keys under one kid for one issuer
// are both refused (bad-key), in one file or across two, in either order;
// and a JWK with a member twice is not read at all.
func TestDuplicateKIDIsBadKey(t *testing.T) {
	const iss = "https://clinic.example/shc"
	jwkWithKID := func(kid string) string {
		k, err := jose.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(k.Public().JWK(), &m); err != nil {
			t.Fatal(err)
		}
		m["kid"] = kid
		b, _ := json.Marshal(m)
		return string(b)
	}
	snapshot := func(keys ...string) []byte {
		return []byte(`{"directory":"d","time":"2026-12-01T00:00:00Z","issuerInfo":[{"issuer":{"iss":"` + iss + `","name":"C"},"keys":[` + strings.Join(keys, ",") + `]}]}`)
	}
	a, b := jwkWithKID("same"), jwkWithKID("same")
	cases := map[string][][]byte{
		"one file, a then b":  {snapshot(a, b)},
		"one file, b then a":  {snapshot(b, a)},
		"two files, a then b": {snapshot(a), snapshot(b)},
		"two files, b then a": {snapshot(b), snapshot(a)},
		"set refuses, then a": {snapshot(a, b), snapshot(a)},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			s := New()
			for n, f := range files {
				if err := s.Load(fmt.Sprintf("f%d.json", n), f); err != nil {
					t.Fatal(err)
				}
			}
			_, err := s.ResolveKey(iss, "same")
			var bk *BadKeyError
			if !errors.As(err, &bk) {
				t.Fatalf("got %T %v, want a BadKeyError", err, err)
			}
		})
	}
	// The same key in two files is not a conflict.
	s := New()
	for n := 0; n < 2; n++ {
		if err := s.Load(fmt.Sprintf("f%d.json", n), snapshot(a)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ResolveKey(iss, "same"); err != nil {
		t.Fatalf("one key in two files: %v", err)
	}
	// A JWK with two "x" members is a bad key, not the first or the last x.
	twoX := strings.Replace(a, `"x":`, `"x":"AAAA","x":`, 1)
	s = New()
	if err := s.Load("f.json", snapshot(twoX)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveKey(iss, "same"); err == nil {
		t.Fatal("a JWK with two x members was trusted")
	}
	// An issuer member whose name differs only in case is not read as it.
	s = New()
	if err := s.Load("f.json", []byte(strings.Replace(string(snapshot(a)), `"iss":`, `"ISS":`, 1))); err == nil {
		if _, err := s.ResolveKey(iss, "same"); err == nil {
			t.Fatal(`"ISS" was read as "iss"`)
		}
	}
}

package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

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

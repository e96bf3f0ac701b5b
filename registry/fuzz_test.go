package registry

import (
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
)

// FuzzParseSignedRequest: the signed-request parser never panics, and what it
// accepts has the contract's shape.
func FuzzParseSignedRequest(f *testing.F) {
	k, err := jose.GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	ok, _ := SignRequest(k, "https://registry.example/issuers/a", "/v1/anchors", map[string]any{"digests": []string{}}, time.Unix(1700000000, 0))
	f.Add(ok)
	f.Add([]byte("a.b.c"))
	f.Add([]byte(""))
	bad, _ := k.Sign(jose.Header{}, []byte(`{"iss":"a","iat":1,"nonce":"AAAAAAAAAAAAAAAAAAAAAA","htm":"POST","htu":"/","body":{},"body":{}}`))
	f.Add([]byte(bad))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseSignedRequest(data)
		if err != nil {
			return
		}
		if r.KID == "" || r.Method != "POST" || r.Path == "" || r.Path[0] != '/' || len(r.Body) == 0 || r.Body[0] != '{' {
			t.Fatalf("accepted a malformed request: %+v", r)
		}
	})
}

// FuzzCountCheck: report validation never panics and never lets a
// separator into published keys.
func FuzzCountCheck(f *testing.F) {
	f.Add("http://hl7.org/fhir/sid/cvx|208", "AE-DU", "2026-W47", int64(5))
	f.Add("a|b|c", "r,", "2026-W54", int64(0))
	f.Fuzz(func(t *testing.T, vaccine, region, week string, n int64) {
		c := Count{Vaccine: vaccine, Region: region, Week: week, Count: n}
		if c.check() != nil {
			return
		}
		for _, s := range []string{vaccine, region, week} {
			for _, r := range s {
				if r == 0 || r == ',' || r == '"' || r == '\n' {
					t.Fatalf("accepted %q", s)
				}
			}
		}
	})
}

package jose

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// jwxKey reads a public JWK with jwx, the independent implementation this
// package's own JWK code is checked against.
func jwxKey(t testing.TB, data []byte) (*ecdsa.PublicKey, string, error) {
	t.Helper()
	jk, err := jwk.ParseKey(data)
	if err != nil {
		return nil, "", err
	}
	var pub ecdsa.PublicKey
	if err := jwk.Export(jk, &pub); err != nil {
		return nil, "", err
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, "", err
	}
	return &pub, base64.RawURLEncoding.EncodeToString(tp), nil
}

// TestJWKAgreesWithJWX: for the spec's keys and generated ones, the point
// and the RFC 7638 thumbprint are what jwx computes.
func TestJWKAgreesWithJWX(t *testing.T) {
	var docs [][]byte
	var set struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(specJWKS(t), &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		docs = append(docs, k)
	}
	for range 20 {
		k, _ := GenerateKey()
		docs = append(docs, k.Public().JWK())
	}
	for _, doc := range docs {
		ours, err := ParseJWK(doc)
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		pub, tp, err := jwxKey(t, doc)
		if err != nil {
			t.Fatalf("jwx: %s: %v", doc, err)
		}
		if !ours.PublicKey().Equal(pub) || ours.Thumbprint() != tp {
			t.Errorf("%s: thumbprint %s, jwx %s", doc, ours.Thumbprint(), tp)
		}
	}
}

// TestJWKRefuses: coordinates and private parts that are not exactly what
// RFC 7518 §6.2 says are refused with a KeyError naming the member.
func TestJWKRefuses(t *testing.T) {
	k, _ := GenerateKey()
	other, _ := GenerateKey()
	var pub, priv, priv2 map[string]string
	json.Unmarshal(k.Public().JWK(), &pub)
	json.Unmarshal(k.MarshalPrivateJWK(), &priv)
	json.Unmarshal(other.MarshalPrivateJWK(), &priv2)
	with := func(m map[string]string, name, v string) []byte {
		c := map[string]string{}
		for k, v := range m {
			c[k] = v
		}
		if v == "" {
			delete(c, name)
		} else {
			c[name] = v
		}
		b, _ := json.Marshal(c)
		return b
	}
	xb, _ := base64.RawURLEncoding.DecodeString(pub["x"])
	yb, _ := base64.RawURLEncoding.DecodeString(pub["y"])
	yb[31] ^= 1
	for _, c := range []struct {
		name, says string
		doc        []byte
		private    bool
	}{
		{"short x", "x must be 32 bytes", with(pub, "x", pub["x"][:40]), false},
		{"padded x", "x must be 32 bytes", with(pub, "x", base64.URLEncoding.EncodeToString(xb)), false},
		{"std base64 x", "x must be 32 bytes", with(pub, "x", strings.ReplaceAll(strings.ReplaceAll(pub["x"], "-", "+"), "_", "/")+"+"), false},
		{"no y", "y must be 32 bytes", with(pub, "y", ""), false},
		{"off the curve", "not a point on P-256", with(pub, "y", base64.RawURLEncoding.EncodeToString(yb)), false},
		{"x not a string", "x must be", []byte(`{"kty":"EC","crv":"P-256","x":1,"y":"` + pub["y"] + `"}`), false},
		// Found by FuzzParseJWK against jwx: a malformed certificate chain.
		{"x5c not a certificate", "x5c[0] is not an X.509 certificate", []byte(strings.Replace(string(k.Public().JWK()), `{`, `{"x5c":[""],`, 1)), false},
		{"x5c not base64", "x5c[0] is not standard base64", []byte(strings.Replace(string(k.Public().JWK()), `{`, `{"x5c":["-_"],`, 1)), false},
		{"key_ops unknown", "not a key operation", []byte(strings.Replace(string(k.Public().JWK()), `{`, `{"key_ops":["fly"],`, 1)), false},
		{"x5t not a string", "x5t is not a string", []byte(strings.Replace(string(k.Public().JWK()), `{`, `{"x5t":[],`, 1)), false},
		{"d of another key", "d does not belong", with(priv, "d", priv2["d"]), true},
		{"short d", "d must be 32 bytes", with(priv, "d", priv["d"][:20]), true},
		{"zero d", "not a P-256 private key", with(priv, "d", base64.RawURLEncoding.EncodeToString(make([]byte, 32))), true},
		{"d not a string", "d is not a string", []byte(strings.Replace(string(k.MarshalPrivateJWK()), `"d":"`+priv["d"]+`"`, `"d":7`, 1)), true},
	} {
		var err error
		if c.private {
			_, err = ParsePrivateJWK(c.doc)
		} else {
			_, err = ParseJWK(c.doc)
		}
		if !isType[*KeyError](err) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want a KeyError saying %q", c.name, err, c.says)
		}
	}
}

// FuzzParseJWK: a key this package accepts, jwx accepts as the same point
// with the same thumbprint (jwx is laxer: it also takes padded base64).
func FuzzParseJWK(f *testing.F) {
	var set struct{ Keys []json.RawMessage }
	json.Unmarshal(specJWKS(f), &set)
	for _, k := range set.Keys {
		f.Add([]byte(k))
	}
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseJWK(b)
		if err != nil {
			return
		}
		pub, tp, err := jwxKey(t, b)
		if err != nil {
			t.Fatalf("accepted, jwx refuses: %v", err)
		}
		if !k.PublicKey().Equal(pub) || k.Thumbprint() != tp {
			t.Fatalf("thumbprint %s, jwx %s", k.Thumbprint(), tp)
		}
	})
}

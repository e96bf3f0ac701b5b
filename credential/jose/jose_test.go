package jose

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

const specDir = "../../testdata/shc/"

func specJWKS(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(specDir + "issuer/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func specPrivate(t testing.TB, i int) *PrivateKey {
	t.Helper()
	b, err := os.ReadFile(specDir + "issuer-private/issuer.jwks.private.json")
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	k, err := ParsePrivateJWK(set.Keys[i])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSpecJWKS(t *testing.T) {
	keys, bad, err := ParseJWKS(specJWKS(t))
	if err != nil || len(bad) != 0 || len(keys) != 2 {
		t.Fatalf("keys=%d bad=%v err=%v", len(keys), bad, err)
	}
	for _, k := range keys {
		// The spec's kids are RFC 7638 thumbprints.
		if got := k.Thumbprint(); got != k.KID() {
			t.Errorf("thumbprint %q, kid %q", got, k.KID())
		}
	}
	if string(keys[0].Members["crlVersion"]) != "1" {
		t.Errorf("crlVersion member = %s", keys[0].Members["crlVersion"])
	}
	priv := specPrivate(t, 0)
	if !priv.Public().Equal(keys[0]) {
		t.Error("private key 0 does not match published key 0")
	}
}

func TestSpecExampleVerifies(t *testing.T) {
	keys, _, _ := ParseJWKS(specJWKS(t))
	raw, err := os.ReadFile(specDir + "examples/example-00-d-jws.txt")
	if err != nil {
		t.Fatal(err)
	}
	j, err := Parse(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if j.Header.Zip != "DEF" || j.Header.Kid != keys[0].KID() {
		t.Fatalf("header %+v", j.Header)
	}
	if err := j.Verify(keys[0]); err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(keys[1]); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("verify with the other key: %v", err)
	}
}

func TestSignVerify(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := k.Sign(Header{Zip: "DEF", Typ: "x"}, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if j.Header.Kid != k.Public().KID() || string(j.Payload) != "hello" {
		t.Fatalf("%+v %q", j.Header, j.Payload)
	}
	if err := j.Verify(k.Public()); err != nil {
		t.Fatal(err)
	}
	// Any change to the signing input breaks it.
	tampered := strings.Replace(tok, ".", "X.", 1)
	if j2, err := Parse(tampered); err == nil {
		if err := j2.Verify(k.Public()); err == nil {
			t.Fatal("tampered token verified")
		}
	}
	d, _ := k.ECDSA().Bytes()
	if s := fmt.Sprintf("%v %+v %#v %s", k, k, k, k); strings.Contains(s, base64.RawURLEncoding.EncodeToString(d)) || strings.Contains(s, fmt.Sprint(d)) {
		t.Fatal("formatting leaks the private scalar")
	}
}

func TestPrivateJWKRoundTrip(t *testing.T) {
	k, _ := GenerateKey()
	k2, err := ParsePrivateJWK(k.MarshalPrivateJWK())
	if err != nil {
		t.Fatal(err)
	}
	if !k2.Public().Equal(k.Public()) || k2.Public().KID() != k.Public().KID() {
		t.Fatal("round trip changed the key")
	}
	if _, err := ParseJWK(k.MarshalPrivateJWK()); err == nil {
		t.Fatal("published key with d accepted")
	}
	pub, err := ParseJWK(k.Public().JWK())
	if err != nil || !pub.Equal(k.Public()) {
		t.Fatal(err)
	}
}

func hdr(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestParseRefuses(t *testing.T) {
	k, _ := GenerateKey()
	good, _ := k.Sign(Header{}, []byte("{}"))
	parts := strings.Split(good, ".")
	sig64 := parts[2]
	der := base64.RawURLEncoding.EncodeToString(append([]byte{0x30, 0x44, 0x02, 0x20}, make([]byte, 66)...))
	tests := []struct {
		name  string
		jws   string
		check func(error) bool
	}{
		{"alg none", hdr(`{"alg":"none"}`) + "." + parts[1] + ".", isType[*EncodingError]},
		{"alg none with sig", hdr(`{"alg":"none"}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"HS256", hdr(`{"alg":"HS256"}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"RS256", hdr(`{"alg":"RS256"}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"no alg", hdr(`{"kid":"a"}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"alg not string", hdr(`{"alg":1}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"jwk header", hdr(`{"alg":"ES256","jwk":{}}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"jku header", hdr(`{"alg":"ES256","jku":"https://x"}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"x5u header", hdr(`{"alg":"ES256","x5u":"https://x"}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"crit header", hdr(`{"alg":"ES256","crit":["exp"]}`) + "." + parts[1] + "." + sig64, isType[*HeaderError]},
		{"duplicate alg", hdr(`{"alg":"ES256","alg":"none"}`) + "." + parts[1] + "." + sig64, isType[*EncodingError]},
		{"header not object", hdr(`["ES256"]`) + "." + parts[1] + "." + sig64, isType[*EncodingError]},
		{"header trailing", hdr(`{"alg":"ES256"}x`) + "." + parts[1] + "." + sig64, isType[*EncodingError]},
		{"DER signature", parts[0] + "." + parts[1] + "." + der, func(err error) bool {
			var e *SignatureFormatError
			return errors.As(err, &e) && e.DER
		}},
		{"short signature", parts[0] + "." + parts[1] + "." + sig64[:40], isType[*SignatureFormatError]},
		{"two parts", parts[0] + "." + parts[1], isType[*EncodingError]},
		{"four parts", good + ".x", isType[*EncodingError]},
		{"padded", parts[0] + "=." + parts[1] + "." + sig64, isType[*EncodingError]},
		{"std base64", parts[0] + "." + parts[1] + "+/." + sig64, isType[*EncodingError]},
		{"empty payload", parts[0] + ".." + sig64, isType[*EncodingError]},
		// encoding/base64's Strict mode skips line breaks; found by FuzzParse in CI.
		{"line break in payload", parts[0] + "." + parts[1][:2] + "\n" + parts[1][2:] + "." + sig64, isType[*EncodingError]},
		{"CR in signature", parts[0] + "." + parts[1] + "." + sig64[:10] + "\r" + sig64[10:], isType[*EncodingError]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.jws)
			if err == nil || !tt.check(err) {
				t.Fatalf("got %T %v", err, err)
			}
			if err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
				t.Errorf("message not lowercase: %q", err)
			}
		})
	}
}

func isType[T error](err error) bool {
	var e T
	return errors.As(err, &e)
}

func TestParseJWKSBadKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_ = p384
	good, _ := GenerateKey()
	set := `{"keys":[` + string(good.Public().JWK()) + `,
		{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},
		{"kty":"EC","crv":"P-384","kid":"p384","x":"AA","y":"AA"},
		{"kty":"EC","crv":"P-256","kid":"hs","alg":"HS256","x":"AA","y":"AA"},
		{"kty":"EC","crv":"P-256","kid":"enc","use":"enc","x":"AA","y":"AA"},
		` + string(good.MarshalPrivateJWK()) + `,
		{"kty":"EC","crv":"P-256","kid":"junk","x":"AA","y":"AA"},
		"notakey"]}`
	keys, bad, err := ParseJWKS([]byte(set))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || len(bad) != 7 {
		t.Fatalf("keys=%d bad=%d: %v", len(keys), len(bad), bad)
	}
	for _, e := range bad {
		if !isType[*KeyError](e) {
			t.Errorf("%T %v", e, e)
		}
	}
	for _, doc := range []string{``, `[]`, `{"keys":{}}`, `{}`, `{"keys":[]} x`} {
		if _, _, err := ParseJWKS([]byte(doc)); err == nil {
			t.Errorf("ParseJWKS(%q) accepted", doc)
		}
	}
}

func FuzzParse(f *testing.F) {
	k, _ := GenerateKey()
	tok, _ := k.Sign(Header{Zip: "DEF"}, []byte("payload"))
	f.Add(tok)
	f.Add(hdr(`{"alg":"none"}`) + ".e30.")
	if raw, err := os.ReadFile(specDir + "examples/example-00-d-jws.txt"); err == nil {
		f.Add(strings.TrimSpace(string(raw)))
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := Parse(s)
		if err != nil {
			return
		}
		if j.Header.Alg != Alg || len(j.Signature) != 64 {
			t.Fatalf("accepted %+v", j.Header)
		}
		// Strict base64url: re-encoding the parts gives the input back.
		parts := strings.Split(s, ".")
		enc := base64.RawURLEncoding
		if enc.EncodeToString(j.Payload) != parts[1] || enc.EncodeToString(j.Signature) != parts[2] {
			t.Fatal("non-canonical encoding accepted")
		}
		_ = j.Verify(k.Public())
	})
}

func FuzzParseJWKS(f *testing.F) {
	f.Add(specJWKS(f))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, _, err := ParseJWKS(b)
		if err != nil {
			return
		}
		for _, k := range keys {
			if k.PublicKey() == nil || k.KID() == "" {
				t.Fatal("key without public part or kid")
			}
			if _, err := ParseJWK(k.JWK()); err != nil {
				t.Fatalf("re-parse: %v", err)
			}
		}
	})
}

// BenchmarkES256Verify is the physical floor of every verification: one bare
// ES256 signature check over an SHC-sized signing input.
func BenchmarkES256Verify(b *testing.B) {
	k := specPrivate(b, 0)
	tok, _ := k.Sign(Header{Zip: "DEF"}, make([]byte, 560))
	j, _ := Parse(tok)
	in := string(j.SigningInput())
	pub := k.Public()
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifyES256(pub, in, j.Signature); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDIDKey(t *testing.T) {
	for i := 0; i < 50; i++ {
		k, _ := GenerateKey()
		did := k.Public().DIDKey()
		if !strings.HasPrefix(did, "did:key:zDn") {
			t.Fatalf("%s does not start with did:key:zDn", did)
		}
		back, err := ParseDIDKey(did)
		if err != nil || !back.Equal(k.Public()) {
			t.Fatalf("round trip %s: %v", did, err)
		}
		if _, err := ParseDIDKey(did + "#" + strings.TrimPrefix(did, "did:key:")); err != nil {
			t.Fatalf("with fragment: %v", err)
		}
	}
	// did:key spec test vector for P-256 (compressed), and its x/y.
	const vec = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
	k, err := ParseDIDKey(vec)
	if err != nil {
		t.Fatal(err)
	}
	if k.DIDKey() != vec {
		t.Fatal("vector does not round-trip")
	}
	for _, bad := range []string{"", "did:web:x", "did:key:", "did:key:abc", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
		"did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169#zOther", "did:key:z" + strings.Repeat("1", 300)} {
		if _, err := ParseDIDKey(bad); !isType[*DIDKeyError](err) {
			t.Errorf("ParseDIDKey(%q) = %v", bad, err)
		}
	}
}

func FuzzParseDIDKey(f *testing.F) {
	k, _ := GenerateKey()
	f.Add(k.Public().DIDKey())
	f.Add("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseDIDKey(s)
		if err != nil {
			return
		}
		if k.DIDKey() != strings.SplitN(s, "#", 2)[0] {
			t.Fatalf("accepted a non-canonical did:key %q", s)
		}
	})
}

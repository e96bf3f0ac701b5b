package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/immunopass/immunopass/internal/b64"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// Key is a published ES256 verification key.
type Key struct {
	pub *ecdsa.PublicKey
	kid string
	// Members holds every member of the JWK as published, so that format
	// packages can read extensions such as SMART Health Cards' "crlVersion".
	Members map[string]json.RawMessage
}

// PublicKey returns the ECDSA public key.
func (k *Key) PublicKey() *ecdsa.PublicKey { return k.pub }

// KID returns the key ID: the published "kid", or the RFC 7638 thumbprint
// when the JWK had none.
func (k *Key) KID() string {
	if k.kid == "" {
		return k.Thumbprint()
	}
	return k.kid
}

// Thumbprint returns the base64url RFC 7638 SHA-256 thumbprint of the key:
// the digest of its required members (crv, kty, x, y) in that order, with
// no white space.
func (k *Key) Thumbprint() string {
	x, y := coords(k.pub)
	tp := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + b64.Encode(x) + `","y":"` + b64.Encode(y) + `"}`))
	return b64.Encode(tp[:])
}

// Equal reports whether two keys are the same public key.
func (k *Key) Equal(o *Key) bool { return o != nil && k.pub.Equal(o.pub) }

// JWK returns the public key as a JWK with kid, use "sig" and alg "ES256".
func (k *Key) JWK() []byte {
	x, y := coords(k.pub)
	m := map[string]string{
		"kty": "EC", "crv": "P-256", "kid": k.kid, "use": "sig", "alg": Alg,
		"x": b64.Encode(x), "y": b64.Encode(y),
	}
	b, _ := json.Marshal(m)
	return b
}

// JWKS returns a JSON Web Key Set holding keys. Extra members (such as
// "crlVersion") are merged into each key's object from extra, by kid.
func JWKS(keys []*Key, extra map[string]map[string]any) []byte {
	var out struct {
		Keys []map[string]any `json:"keys"`
	}
	out.Keys = []map[string]any{}
	for _, k := range keys {
		var m map[string]any
		_ = json.Unmarshal(k.JWK(), &m)
		for name, v := range extra[k.kid] {
			m[name] = v
		}
		out.Keys = append(out.Keys, m)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return b
}

// ParseJWK parses one published public JWK. It must be an EC P-256 key
// without a private part; if "alg" or "use" are present they must be "ES256"
// and "sig".
func ParseJWK(data []byte) (*Key, error) {
	return parseJWK(data, -1, false)
}

// ParseJWKS parses a JSON Web Key Set. It fails only when the document is not
// a JSON object with a "keys" array; keys that cannot be used are skipped and
// returned in bad, each as a *KeyError naming its index and kid.
func ParseJWKS(data []byte) (keys []*Key, bad []error, err error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := strictObject(data, &set); err != nil {
		return nil, nil, fmt.Errorf("jwks: %w", err)
	}
	if set.Keys == nil {
		return nil, nil, fmt.Errorf("jwks: no %q array", "keys")
	}
	// A kid names one key: two keys with one kid are both refused, since a
	// reader that keeps the first and one that keeps the last would check
	// signatures against different keys.
	byKID := map[string][]int{}
	parsed := make([]*Key, len(set.Keys))
	for i, raw := range set.Keys {
		k, err := parseJWK(raw, i, false)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		parsed[i] = k
		byKID[k.kid] = append(byKID[k.kid], i)
	}
	for i, k := range parsed {
		if k == nil {
			continue
		}
		if same := byKID[k.kid]; len(same) > 1 {
			bad = append(bad, &KeyError{Index: i, KID: k.kid, Problem: fmt.Sprintf("duplicate kid: %d keys in the set share it", len(same))})
			continue
		}
		keys = append(keys, k)
	}
	return keys, bad, nil
}

func parseJWK(data []byte, index int, private bool) (*Key, error) {
	var members map[string]json.RawMessage
	if err := strictObject(data, &members); err != nil {
		return nil, &KeyError{Index: index, Problem: err.Error()}
	}
	str := func(name string) string {
		var s string
		if raw, ok := members[name]; ok {
			if json.Unmarshal(raw, &s) != nil {
				return "\x00"
			}
		}
		return s
	}
	kid := str("kid")
	fail := func(format string, args ...any) error {
		return &KeyError{Index: index, KID: kid, Problem: fmt.Sprintf(format, args...)}
	}
	if kid == "\x00" {
		kid = ""
		return nil, fail("kid is not a string")
	}
	if kty := str("kty"); kty != "EC" {
		return nil, fail("kty %q: only EC P-256 keys are accepted", kty)
	}
	if crv := str("crv"); crv != "P-256" {
		return nil, fail("crv %q: only P-256 is accepted", crv)
	}
	if alg, ok := members["alg"]; ok && str("alg") != Alg {
		return nil, fail("alg %s: only ES256 is accepted", alg)
	}
	if use, ok := members["use"]; ok && str("use") != "sig" {
		return nil, fail("use %s: not a signing key", use)
	}
	_, hasD := members["d"]
	if hasD && !private {
		return nil, fail("published key carries the private member \"d\"")
	}
	if !hasD && private {
		return nil, fail("no private member \"d\"")
	}
	if err := checkMembers(members); err != nil {
		return nil, fail("%v", err)
	}
	pub, err := ecPoint(str("x"), str("y"))
	if err != nil {
		return nil, fail("%v", err)
	}
	k := &Key{pub: pub, kid: kid, Members: members}
	if k.kid == "" {
		k.kid = k.Thumbprint()
	}
	return k, nil
}

// checkMembers refuses the RFC 7517 §4 members that a key may carry
// besides its type and coordinates when they are malformed: "key_ops" not
// a list of registered operations, "x5u"/"x5t"/"x5t#S256" not strings,
// "x5c" not a list of base64 DER certificates. None of them is used to
// decide trust (credential/trust does that), but a key that carries a
// broken one is a broken key.
func checkMembers(members map[string]json.RawMessage) error {
	if raw, ok := members["key_ops"]; ok {
		var ops []string
		if json.Unmarshal(raw, &ops) != nil {
			return fmt.Errorf("key_ops is not a list of strings")
		}
		for _, op := range ops {
			switch op {
			case "sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits":
			default:
				return fmt.Errorf("key_ops: %q is not a key operation", op)
			}
		}
	}
	for _, name := range []string{"x5u", "x5t", "x5t#S256"} {
		var s string
		if raw, ok := members[name]; ok && json.Unmarshal(raw, &s) != nil {
			return fmt.Errorf("%s is not a string", name)
		}
	}
	if raw, ok := members["x5c"]; ok {
		var chain []string
		if json.Unmarshal(raw, &chain) != nil {
			return fmt.Errorf("x5c is not a list of strings")
		}
		for i, c := range chain {
			der, err := base64.StdEncoding.Strict().DecodeString(c)
			if err != nil {
				return fmt.Errorf("x5c[%d] is not standard base64", i)
			}
			if _, err := x509.ParseCertificate(der); err != nil {
				return fmt.Errorf("x5c[%d] is not an X.509 certificate: %v", i, err)
			}
		}
	}
	return nil
}

// ecPoint reads a JWK's "x" and "y": 32 bytes each of unpadded base64url,
// a point on P-256.
func ecPoint(x, y string) (*ecdsa.PublicKey, error) {
	xb, err := b64.Decode(x)
	if err != nil || len(xb) != 32 {
		return nil, fmt.Errorf("x must be 32 bytes of unpadded base64url")
	}
	yb, err := b64.Decode(y)
	if err != nil || len(yb) != 32 {
		return nil, fmt.Errorf("y must be 32 bytes of unpadded base64url")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, xb...), yb...))
	if err != nil {
		return nil, fmt.Errorf("x and y are not a point on P-256")
	}
	return pub, nil
}

// PrivateKey is an ES256 signing key. Its String and GoString never show the
// private scalar, so a key that reaches a log line does not leak.
type PrivateKey struct {
	priv *ecdsa.PrivateKey
	pub  *Key
}

// GenerateKey makes a new P-256 signing key whose kid is its thumbprint.
func GenerateKey() (*PrivateKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewPrivateKey(priv, "")
}

// NewPrivateKey wraps an ECDSA P-256 key. An empty kid means the thumbprint.
func NewPrivateKey(priv *ecdsa.PrivateKey, kid string) (*PrivateKey, error) {
	if priv == nil || priv.Curve != elliptic.P256() {
		return nil, &KeyError{Index: -1, KID: kid, Problem: "not a P-256 key"}
	}
	pk := &PrivateKey{priv: priv, pub: &Key{pub: &priv.PublicKey, kid: kid}}
	if kid == "" {
		pk.pub.kid = pk.pub.Thumbprint()
	}
	return pk, nil
}

// ParsePrivateJWK parses an EC P-256 private JWK (with "d").
func ParsePrivateJWK(data []byte) (*PrivateKey, error) {
	k, err := parseJWK(data, -1, true)
	if err != nil {
		return nil, err
	}
	var m struct {
		D string `json:"d"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, &KeyError{Index: -1, KID: k.kid, Problem: "d is not a string"}
	}
	d, err := b64.Decode(m.D)
	if err != nil || len(d) != 32 {
		return nil, &KeyError{Index: -1, KID: k.kid, Problem: "d must be 32 bytes of unpadded base64url"}
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, &KeyError{Index: -1, KID: k.kid, Problem: "d is not a P-256 private key"}
	}
	if !priv.PublicKey.Equal(k.pub) {
		return nil, &KeyError{Index: -1, KID: k.kid, Problem: "d does not belong to the public key x, y"}
	}
	return &PrivateKey{priv: priv, pub: k}, nil
}

// Public returns the verification key.
func (p *PrivateKey) Public() *Key { return p.pub }

// ECDSA returns the underlying key, for callers that derive from it (such as
// a holder proving possession). Handle with care.
func (p *PrivateKey) ECDSA() *ecdsa.PrivateKey { return p.priv }

// MarshalPrivateJWK returns the private JWK, "d" included. Callers must
// encrypt it before it touches a disk.
func (p *PrivateKey) MarshalPrivateJWK() []byte {
	x, y := coords(&p.priv.PublicKey)
	d, err := p.priv.Bytes()
	if err != nil {
		panic("jose: encoding a P-256 private key")
	}
	m := map[string]string{
		"kty": "EC", "crv": "P-256", "kid": p.pub.kid, "use": "sig", "alg": Alg,
		"x": b64.Encode(x), "y": b64.Encode(y), "d": b64.Encode(d),
	}
	b, _ := json.Marshal(m)
	return b
}

func (p *PrivateKey) String() string   { return "jose.PrivateKey{kid: " + p.pub.kid + "}" }
func (p *PrivateKey) GoString() string { return p.String() }

func coords(pub *ecdsa.PublicKey) (x, y []byte) {
	b, err := pub.Bytes() // 0x04 ‖ X ‖ Y
	if err != nil || len(b) != 65 {
		panic("jose: encoding a P-256 public key")
	}
	return b[1:33], b[33:]
}

// strictObject decodes a JSON object, refusing trailing data.
// strictObject decodes a JSON object strictly: no duplicate members (a JWK
// with two "x" is refused, not read one way here and another by jwx),
// exact-case names, nothing after it.
func strictObject(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 || bytes.TrimSpace(data)[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	if err := strictjson.Unmarshal(data, v); err != nil {
		return fmt.Errorf("not a strict JSON object: %v", err)
	}
	return nil
}

// KeyFromEC builds a P-256 public key from a JWK's members, for keys
// embedded in credentials (cnf.jwk): kty "EC", crv "P-256", base64url x and
// y of 32 bytes, and no private "d". It avoids a JSON round trip.
func KeyFromEC(kty, crv, x, y string, hasD bool) (*Key, error) {
	fail := func(p string) error { return &KeyError{Index: -1, Problem: p} }
	switch {
	case kty != "EC" || crv != "P-256":
		return nil, fail(fmt.Sprintf("kty %q crv %q: only EC P-256 keys are accepted", kty, crv))
	case hasD:
		return nil, fail("published key carries the private member \"d\"")
	}
	xb, err1 := b64.Decode(x)
	yb, err2 := b64.Decode(y)
	if err1 != nil || err2 != nil || len(xb) != 32 || len(yb) != 32 {
		return nil, fail("x and y must be 32 bytes of unpadded base64url")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, xb...), yb...))
	if err != nil {
		return nil, fail("not a point on P-256")
	}
	return &Key{pub: pub}, nil // kid: the thumbprint, computed when asked
}

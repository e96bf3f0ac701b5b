package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/immunopass/immunopass/internal/b64"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// Header holds the protected header members ImmunoPass formats use.
type Header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ,omitempty"`
	Zip string `json:"zip,omitempty"`
	// OmitKid leaves "kid" out when signing (a key binding JWT's key is
	// named by the credential, not the header).
	OmitKid bool `json:"-"`
}

// JWS is a parsed compact JWS. Parse does not verify it: call Verify.
type JWS struct {
	// Raw is the compact serialization exactly as received.
	Raw    string
	Header Header
	// Members holds every protected header member as parsed.
	Members map[string]any
	// Payload is the decoded payload (still compressed if Header.Zip is set).
	Payload   []byte
	Signature []byte
	// signed is the length of the signing input: Raw[:signed].
	signed int
}

// refusedHeaders are members that would let the token pick its own key or
// demand processing this package does not do.
var refusedHeaders = []string{"jwk", "jku", "x5u", "x5c", "crit", "b64"}

// Parse parses a compact JWS strictly: three unpadded base64url parts, a
// header that is a JSON object with no duplicate members and "alg": "ES256",
// and a signature of exactly 64 bytes. It does not verify the signature.
func Parse(compact string) (*JWS, error) {
	first := strings.IndexByte(compact, '.')
	last := strings.LastIndexByte(compact, '.')
	if first < 0 || first == last || strings.Count(compact, ".") != 2 {
		return nil, &EncodingError{Part: "jws", Problem: fmt.Sprintf("%d dot-separated parts, want 3", strings.Count(compact, ".")+1)}
	}
	hdrB, err := decodePart("header", compact[:first])
	if err != nil {
		return nil, err
	}
	payload, err := decodePart("payload", compact[first+1:last])
	if err != nil {
		return nil, err
	}
	sig, err := decodePart("signature", compact[last+1:])
	if err != nil {
		return nil, err
	}
	obj, err := strictjson.ParseObject(hdrB, 4)
	if err != nil {
		return nil, &EncodingError{Part: "header", Problem: err.Error()}
	}
	members := obj.Map()
	j := &JWS{Raw: compact, Members: members, Payload: payload, Signature: sig, signed: last}
	for _, name := range refusedHeaders {
		if _, ok := members[name]; ok {
			return nil, &HeaderError{Member: name, Problem: "not allowed: keys come from trust, not from the token"}
		}
	}
	for _, m := range [...]struct {
		name string
		dst  *string
	}{{"alg", &j.Header.Alg}, {"kid", &j.Header.Kid}, {"typ", &j.Header.Typ}, {"zip", &j.Header.Zip}} {
		v, ok := members[m.name]
		if !ok {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return nil, &HeaderError{Member: m.name, Value: fmt.Sprint(v), Problem: "not a string"}
		}
		*m.dst = s
	}
	switch {
	case j.Header.Alg == "":
		return nil, &HeaderError{Member: "alg", Problem: "missing"}
	case j.Header.Alg != Alg:
		return nil, &HeaderError{Member: "alg", Value: j.Header.Alg, Problem: "not allowed: only ES256 is accepted"}
	}
	if len(sig) != 64 {
		return nil, &SignatureFormatError{Length: len(sig), DER: looksDER(sig)}
	}
	return j, nil
}

// SigningInput returns the bytes the signature covers, as received.
func (j *JWS) SigningInput() []byte { return []byte(j.Raw[:j.signed]) }

// Verify checks the ES256 signature with k. It returns ErrBadSignature when
// the signature does not verify.
func (j *JWS) Verify(k *Key) error {
	if k == nil {
		return ErrBadSignature
	}
	return VerifyES256(k, j.Raw[:j.signed], j.Signature)
}

// VerifyES256 checks a 64-byte R‖S ES256 signature over signingInput.
func VerifyES256(k *Key, signingInput string, sig []byte) error {
	if len(sig) != 64 {
		return &SignatureFormatError{Length: len(sig), DER: looksDER(sig)}
	}
	h := sha256.Sum256([]byte(signingInput))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(k.pub, h[:], r, s) {
		return ErrBadSignature
	}
	return nil
}

// Sign returns a compact JWS of payload with the given header. Header.Alg is
// always set to ES256 and Header.Kid defaults to the key's kid. The payload
// is used as given (compress it first if Header.Zip is set).
func (p *PrivateKey) Sign(h Header, payload []byte) (string, error) {
	h.Alg = Alg
	if h.Kid == "" && !h.OmitKid {
		h.Kid = p.pub.kid
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	enc := base64.RawURLEncoding
	sb.Grow(enc.EncodedLen(len(hb)) + enc.EncodedLen(len(payload)) + 88)
	sb.WriteString(enc.EncodeToString(hb))
	sb.WriteByte('.')
	sb.WriteString(enc.EncodeToString(payload))
	sig, err := p.SignES256([]byte(sb.String()))
	if err != nil {
		return "", err
	}
	sb.WriteByte('.')
	sb.WriteString(enc.EncodeToString(sig))
	return sb.String(), nil
}

// SignES256 returns the 64-byte R‖S ES256 signature of msg.
func (p *PrivateKey) SignES256(msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, p.priv, h[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}

func decodePart(part, s string) ([]byte, error) {
	if s == "" {
		return nil, &EncodingError{Part: part, Problem: "empty"}
	}
	b, err := b64.Decode(s)
	if err != nil {
		return nil, &EncodingError{Part: part, Problem: "not unpadded base64url: " + err.Error()}
	}
	return b, nil
}

// looksDER reports whether sig has the shape of an ASN.1 DER ECDSA signature:
// SEQUENCE { INTEGER r, INTEGER s }.
func looksDER(sig []byte) bool {
	return len(sig) >= 8 && len(sig) <= 72 && sig[0] == 0x30 && int(sig[1]) == len(sig)-2 && sig[2] == 0x02
}

// ObjectMembers decodes a JSON object into its members, refusing duplicate
// member names (which different parsers resolve differently), trailing data
// and anything that is not an object.
func ObjectMembers(data []byte) (map[string]json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	tok, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	members := map[string]json.RawMessage{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("member %q: %v", name, err)
		}
		if _, dup := members[name]; dup {
			return nil, fmt.Errorf("duplicate member %q", name)
		}
		members[name] = v
	}
	if _, err := d.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	return members, nil
}

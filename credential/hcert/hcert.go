// Package hcert reads EU Digital COVID Certificates and WHO DDCC:VS
// certificates in their HCERT form ("HC1:" QR text), strictly and without
// I/O.
//
// The stages, each with its own error type so a verifier can name what
// failed: the "HC1:" prefix and Base45 ([EncodingError]), zlib, bounded at
// [MaxPayload] so a bomb stops at the cap ([CompressionError]), COSE_Sign1
// (tag 18, untagged, or CWT tag 61 around tag 18; [PayloadError]) — these
// are [Decode]; then the signature against a document signer's key
// ([Sign1.Verify]: ES256 with a P-256 key or PS256 with an RSA key of 2048
// bits or more, the algorithm never choosing the key type); then the CWT
// claims and the EU DCC payload under claim -260 → 1 ([Open]), exactly one
// of v, t or r; then the validity window ([Cert.CheckTime]) and the JSON
// schema of the payload's version ([Cert.Validate], the official schemas
// embedded in package assets, format assertions off).
//
// CBOR is decoded with duplicate map keys and tags inside the structure
// refused, nesting and sizes bounded, and indefinite lengths refused in the
// COSE structure and its headers (the DCC payload may use them: issuers do).
//
// Trust (which document signer certificate a kid names, its validity and
// extended key usage) is package credential/trust's.
package hcert

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/immunopass/immunopass/credential/base45"
)

// Prefix starts every HCERT QR text (HC1 is the version-1 context).
const Prefix = "HC1:"

// Bounds.
const (
	// MaxText bounds the QR text: a version-40 QR code holds 4,296
	// alphanumeric characters.
	MaxText = 8 << 10
	// MaxPayload bounds the inflated COSE_Sign1.
	MaxPayload = 64 << 10
)

// COSE algorithms HCERT allows.
const (
	AlgES256 = -7
	AlgPS256 = -37
)

// Payload kinds: which of v, t, r the certificate holds.
const (
	KindVaccination = "vaccination"
	KindTest        = "test"
	KindRecovery    = "recovery"
)

// EncodingError reports text that is not "HC1:" followed by Base45.
type EncodingError struct {
	Problem string
	Err     error
}

func (e *EncodingError) Error() string {
	if e.Err != nil {
		return "not an EU DCC code: " + e.Problem + ": " + e.Err.Error()
	}
	return "not an EU DCC code: " + e.Problem
}
func (e *EncodingError) Unwrap() error { return e.Err }

// CompressionError reports a content that is not a bounded zlib stream.
type CompressionError struct{ Problem string }

func (e *CompressionError) Error() string { return "EU DCC content: " + e.Problem }

// PayloadError reports a malformed COSE, CWT or DCC structure. Part is
// "cose", "cbor" (the signed payload is not well-formed CBOR), "cwt" or
// "dcc".
type PayloadError struct{ Part, Problem string }

func (e *PayloadError) Error() string { return "EU DCC " + e.Part + ": " + e.Problem }

// HeaderError reports an algorithm HCERT does not allow, or none.
type HeaderError struct{ Problem string }

func (e *HeaderError) Error() string { return "EU DCC header: " + e.Problem }

// KeyError reports a document signer key that cannot verify this
// certificate: too weak, or not of the kind its algorithm needs.
type KeyError struct{ Problem string }

func (e *KeyError) Error() string { return "document signer key: " + e.Problem }

// SchemaError reports a payload that does not follow the EU DCC schema of
// its version.
type SchemaError struct {
	Ver string
	Err error
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("the certificate does not follow the EU DCC schema %q: %v", e.Ver, e.Err)
}
func (e *SchemaError) Unwrap() error { return e.Err }

// Errors of the signature and validity checks.
var (
	ErrBadSignature = errors.New("the signature does not verify with the document signer's key")
	ErrExpired      = errors.New("the certificate has expired")
	ErrNotYetValid  = errors.New("the certificate's issue time is in the future")
)

// Sign1 is a decoded COSE_Sign1 message.
type Sign1 struct {
	Protected []byte // the protected header bstr, as signed
	Alg       int64  // from the protected header, else the unprotected one
	KID       []byte // from the protected header, else the unprotected one
	Payload   []byte
	Signature []byte
	Tagged    bool // COSE tag 18 present
	CWTTag    bool // CWT tag 61 present around it
}

var (
	strict = mustDecMode(cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  16,
		MaxArrayElements: 256,
		MaxMapPairs:      256,
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		UTF8:             cbor.UTF8RejectInvalid,
	})
	// payloadMode reads the CWT and the DCC. Issuers in production encode
	// the DCC with indefinite-length maps and arrays (the German vectors
	// do), which HCERT does not forbid; every other bound holds.
	payloadMode = mustDecMode(cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthAllowed,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  16,
		MaxArrayElements: 256,
		MaxMapPairs:      256,
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		UTF8:             cbor.UTF8RejectInvalid,
	})
	sigEnc cbor.EncMode
)

func mustDecMode(o cbor.DecOptions) cbor.DecMode {
	m, err := o.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}

func init() {
	var err error
	if sigEnc, err = (cbor.EncOptions{}).EncMode(); err != nil {
		panic(err)
	}
}

// Decode reads "HC1:" text to its COSE_Sign1: prefix, Base45, zlib, COSE.
func Decode(text string) (*Sign1, error) {
	if len(text) > MaxText {
		return nil, &EncodingError{Problem: fmt.Sprintf("%d characters, more than a QR code holds (%d)", len(text), MaxText)}
	}
	if !strings.HasPrefix(text, Prefix) {
		return nil, &EncodingError{Problem: fmt.Sprintf("it starts %q, not %q", short(text), Prefix)}
	}
	raw, err := base45.Decode(text[len(Prefix):])
	if err != nil {
		return nil, &EncodingError{Problem: "the Base45 text is damaged", Err: err}
	}
	data, err := Inflate(raw)
	if err != nil {
		return nil, err
	}
	return ParseCOSE(data)
}

// Inflate decompresses a zlib stream (RFC 1950), refusing anything else,
// trailing bytes, and output beyond MaxPayload (reading stops there).
func Inflate(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0]&0x0f != 8 || (uint16(data[0])<<8|uint16(data[1]))%31 != 0 {
		return nil, &CompressionError{Problem: "not zlib-compressed"}
	}
	br := bytes.NewReader(data)
	r, err := zlib.NewReader(br)
	if err != nil {
		return nil, &CompressionError{Problem: "damaged zlib stream: " + err.Error()}
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxPayload+1))
	if n > MaxPayload {
		return nil, &CompressionError{Problem: fmt.Sprintf("inflates beyond %d bytes", MaxPayload)}
	}
	if err != nil {
		return nil, &CompressionError{Problem: "damaged zlib stream: " + err.Error()}
	}
	if br.Len() != 0 {
		return nil, &CompressionError{Problem: fmt.Sprintf("%d bytes after the end of the zlib stream", br.Len())}
	}
	return buf.Bytes(), nil
}

type sign1Array struct {
	_           struct{} `cbor:",toarray"`
	Protected   []byte
	Unprotected map[int64]cbor.RawMessage
	Payload     []byte
	Signature   []byte
}

// Header labels.
const (
	labelAlg = 1
	labelKID = 4
)

// ParseCOSE parses a COSE_Sign1 message: tag 18, untagged, or tag 61
// around tag 18.
func ParseCOSE(data []byte) (*Sign1, error) {
	bad := func(f string, a ...any) (*Sign1, error) {
		return nil, &PayloadError{Part: "cose", Problem: fmt.Sprintf(f, a...)}
	}
	s := &Sign1{}
	b := data
	if bytes.HasPrefix(b, []byte{0xd8, 61}) {
		s.CWTTag, b = true, b[2:]
	}
	if len(b) > 0 && b[0] == 0xd2 {
		s.Tagged, b = true, b[1:]
	} else if s.CWTTag {
		return bad("CWT tag 61 must wrap a COSE_Sign1 (tag 18)")
	}
	if len(b) == 0 || b[0] != 0x84 {
		return bad("not a COSE_Sign1 message (want an array of 4)")
	}
	var m sign1Array
	if err := strict.Unmarshal(b, &m); err != nil {
		return bad("%v", err)
	}
	if m.Unprotected == nil {
		return bad("the unprotected header is not a map")
	}
	if m.Payload == nil {
		return bad("no payload")
	}
	if m.Signature == nil {
		return bad("no signature")
	}
	s.Protected, s.Payload, s.Signature = m.Protected, m.Payload, m.Signature
	var prot map[int64]cbor.RawMessage
	if len(m.Protected) > 0 {
		if err := strict.Unmarshal(m.Protected, &prot); err != nil {
			return bad("protected header: %v", err)
		}
	}
	alg, algIn, err := header[int64](prot, m.Unprotected, labelAlg)
	if err != nil {
		return bad("alg: %v", err)
	}
	if algIn == "" {
		return nil, &HeaderError{Problem: "no algorithm (alg) in either header"}
	}
	kid, kidIn, err := header[[]byte](prot, m.Unprotected, labelKID)
	if err != nil {
		return bad("kid: %v", err)
	}
	if kidIn == "" || len(kid) == 0 {
		return bad("no key id (kid) in either header")
	}
	s.Alg, s.KID = alg, kid
	return s, nil
}

// header reads a label from the protected header, else the unprotected
// one, and says where it was.
func header[T any](prot, unprot map[int64]cbor.RawMessage, label int64) (T, string, error) {
	var v T
	for _, h := range []struct {
		m    map[int64]cbor.RawMessage
		name string
	}{{prot, "protected"}, {unprot, "unprotected"}} {
		if raw, ok := h.m[label]; ok {
			err := strict.Unmarshal(raw, &v)
			return v, h.name, err
		}
	}
	return v, "", nil
}

// ToBeSigned returns the COSE Sig_structure the signature covers.
func (s *Sign1) ToBeSigned() ([]byte, error) {
	prot := s.Protected
	if prot == nil {
		prot = []byte{} // an empty protected header is the empty bstr
	}
	return sigEnc.Marshal([]any{"Signature1", prot, []byte{}, s.Payload})
}

// Verify checks the signature with a document signer's public key. The
// algorithm must be ES256 or PS256 and the key must be the one it needs:
// P-256 for ES256, RSA of 2048 bits or more for PS256.
func (s *Sign1) Verify(pub crypto.PublicKey) error {
	var alg cose.Algorithm
	switch s.Alg {
	case AlgES256:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return &KeyError{Problem: fmt.Sprintf("the certificate is signed with ES256 but the document signer holds a %s key", keyName(pub))}
		}
		if k.Curve != elliptic.P256() {
			return &KeyError{Problem: fmt.Sprintf("the certificate is signed with ES256 (P-256) but the document signer holds a %s key", keyName(pub))}
		}
		alg = cose.AlgorithmES256
	case AlgPS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return &KeyError{Problem: fmt.Sprintf("the certificate is signed with PS256 (RSA) but the document signer holds a %s key", keyName(pub))}
		}
		if n := k.N.BitLen(); n < 2048 {
			return &KeyError{Problem: fmt.Sprintf("the document signer's RSA key has %d bits; at least 2048 are required", n)}
		}
		alg = cose.AlgorithmPS256
	default:
		return &HeaderError{Problem: fmt.Sprintf("algorithm %d is not allowed (ES256 or PS256 only)", s.Alg)}
	}
	v, err := cose.NewVerifier(alg, pub)
	if err != nil {
		return &KeyError{Problem: err.Error()}
	}
	tbs, err := s.ToBeSigned()
	if err != nil {
		return &PayloadError{Part: "cose", Problem: err.Error()}
	}
	if err := v.Verify(tbs, s.Signature); err != nil {
		return ErrBadSignature
	}
	return nil
}

func keyName(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "EC " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d-bit", k.N.BitLen())
	}
	return fmt.Sprintf("%T", pub)
}

// Cert is an opened HCERT: its CWT claims and DCC payload.
type Cert struct {
	Issuer   string // CWT iss: the issuing country (ISO 3166-1 alpha-2)
	IssuedAt time.Time
	Expires  time.Time
	Kind     string          // KindVaccination, KindTest or KindRecovery
	Ver      string          // the payload's schema version
	tree     map[string]any  // the DCC as decoded from CBOR
	raw      cbor.RawMessage // the DCC's CBOR
	parsed   *dccPayload     // the typed view, once read
}

// CWT claim labels.
const (
	claimIss   = 1
	claimExp   = 4
	claimIat   = 6
	claimHCERT = -260
)

// Open reads the signed payload of s: the CWT claims and the DCC.
func Open(s *Sign1) (*Cert, error) {
	bad := func(part, f string, a ...any) (*Cert, error) {
		return nil, &PayloadError{Part: part, Problem: fmt.Sprintf(f, a...)}
	}
	if err := payloadMode.Wellformed(s.Payload); err != nil {
		return bad("cbor", "the payload is not well-formed CBOR: %v", err)
	}
	var claims map[int64]cbor.RawMessage
	if err := payloadMode.Unmarshal(s.Payload, &claims); err != nil {
		return bad("cwt", "the payload is not a CWT claims map: %v", err)
	}
	c := &Cert{}
	if raw, ok := claims[claimIss]; ok {
		if err := payloadMode.Unmarshal(raw, &c.Issuer); err != nil {
			return bad("cwt", "iss: %v", err)
		}
	}
	var err error
	if c.IssuedAt, err = cwtTime(claims, claimIat); err != nil {
		return bad("cwt", "iat: %v", err)
	}
	if c.Expires, err = cwtTime(claims, claimExp); err != nil {
		return bad("cwt", "exp: %v", err)
	}
	raw, ok := claims[claimHCERT]
	if !ok {
		return bad("cwt", "no hcert claim (-260)")
	}
	var hc map[int64]cbor.RawMessage
	if err := payloadMode.Unmarshal(raw, &hc); err != nil {
		return bad("cwt", "hcert claim (-260): %v", err)
	}
	raw, ok = hc[1]
	if !ok {
		return bad("cwt", "no EU DCC (-260 → 1) in the hcert claim")
	}
	if len(raw) == 0 || raw[0]>>5 != 5 {
		return bad("cbor", "the EU DCC (-260 → 1) is not a CBOR map")
	}
	if err := c.openDCC(raw); err != nil {
		return nil, err
	}
	return c, nil
}

// cwtTime reads a NumericDate, an integer or a float; absent is an error
// (HCERT requires iat and exp).
func cwtTime(claims map[int64]cbor.RawMessage, label int64) (time.Time, error) {
	raw, ok := claims[label]
	if !ok {
		return time.Time{}, errors.New("missing")
	}
	var v any
	if err := payloadMode.Unmarshal(raw, &v); err != nil {
		return time.Time{}, err
	}
	switch n := v.(type) {
	case uint64:
		if n > math.MaxInt32*4 {
			return time.Time{}, fmt.Errorf("%d is out of range", n)
		}
		return time.Unix(int64(n), 0).UTC(), nil
	case int64:
		return time.Unix(n, 0).UTC(), nil
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 || n > math.MaxInt32*4 {
			return time.Time{}, fmt.Errorf("%v is out of range", n)
		}
		sec, frac := math.Modf(n)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("a %T, not a number", v)
}

// CheckTime checks now against the certificate's issue and expiry times,
// inclusive at both ends.
func (c *Cert) CheckTime(now time.Time) error {
	if now.Before(c.IssuedAt) {
		return fmt.Errorf("%w: issued %s, checked %s", ErrNotYetValid, ts(c.IssuedAt), ts(now))
	}
	if now.After(c.Expires) {
		return fmt.Errorf("%w: expired %s, checked %s", ErrExpired, ts(c.Expires), ts(now))
	}
	return nil
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func short(s string) string {
	r := []rune(s)
	if len(r) > 8 {
		return string(r[:8]) + "…"
	}
	return s
}

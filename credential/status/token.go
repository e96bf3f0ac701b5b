package status

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// TokenType is the "typ" of a Status List Token.
const TokenType = "statuslist+jwt"

// ErrNotVerified is returned by Status before a successful Verify.
var ErrNotVerified = errors.New("status list signature not verified: call Verify first")

// TypeError reports a JWS whose "typ" header is not the one required.
type TypeError struct {
	Typ, Want string
}

func (e *TypeError) Error() string {
	if e.Typ == "" {
		return fmt.Sprintf("jws header \"typ\" missing: want %q", e.Want)
	}
	return fmt.Sprintf("jws header \"typ\" = %q: want %q", e.Typ, e.Want)
}

// ClaimError reports a claim or member that is missing or malformed.
type ClaimError struct {
	Claim   string // such as "sub" or "status_list.bits"
	Problem string
}

func (e *ClaimError) Error() string {
	return fmt.Sprintf("status list claim %q: %s", e.Claim, e.Problem)
}

// Encode returns the list in the draft's "lst" form: the IETF byte array,
// ZLIB-compressed at the best level, base64url without padding.
func (l *List) Encode() string {
	return base64.RawURLEncoding.EncodeToString(deflate("zlib", l.data))
}

// DecodeList decodes an "lst" value of a list with the given bits per entry.
// The list has 8/bits entries per decoded byte; an empty list is refused.
func DecodeList(bits int, lst string) (*List, error) {
	if !validBits(bits) {
		return nil, &ClaimError{Claim: "status_list.bits", Problem: fmt.Sprintf("%d: must be 1, 2, 4 or 8", bits)}
	}
	z, err := decodeB64("lst", lst)
	if err != nil {
		return nil, err
	}
	data, err := inflate("zlib", z)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, &ClaimError{Claim: "status_list.lst", Problem: "the list is empty"}
	}
	return fromBytes(bits, data), nil
}

// Token is a parsed Status List Token. ParseToken does not verify it: Status
// answers only after Verify.
type Token struct {
	// Raw is the compact JWS as received.
	Raw string
	// KID is the "kid" header, to find the key with (together with the
	// issuer known from trust, never alone).
	KID string
	// URI is the "sub" claim: the list's own URI, which a Reference's URI
	// must equal.
	URI string
	// Issuer is the optional "iss" claim.
	Issuer   string
	IssuedAt time.Time
	// Expires is the "exp" claim; zero when the token has none.
	Expires time.Time
	// TTL is the "ttl" claim; zero when the token has none.
	TTL time.Duration
	// AggregationURI is the optional "status_list.aggregation_uri".
	AggregationURI string

	jws      *jose.JWS
	list     *List
	verified bool
}

// Bits returns the bits per entry of the token's list.
func (t *Token) Bits() int { return t.list.bits }

// Len returns the number of entries in the token's list.
func (t *Token) Len() int { return t.list.size }

// Expired reports whether the token has an "exp" at or before now.
func (t *Token) Expired(now time.Time) bool {
	return !t.Expires.IsZero() && !now.Before(t.Expires)
}

// Verify checks the token's ES256 signature with k. It returns
// jose.ErrBadSignature if the signature is not k's.
func (t *Token) Verify(k *jose.Key) error {
	if err := t.jws.Verify(k); err != nil {
		return err
	}
	t.verified = true
	return nil
}

// Status returns the status of entry idx. It returns ErrNotVerified before a
// successful Verify and an *IndexError for an index outside the list (about
// which, the draft says, no statement can be made: reject the credential).
func (t *Token) Status(idx int) (uint8, error) {
	if !t.verified {
		return 0, ErrNotVerified
	}
	return t.list.Get(idx)
}

// URIMismatchError reports a Reference that points at another list.
type URIMismatchError struct {
	Reference, Token string
}

func (e *URIMismatchError) Error() string {
	return fmt.Sprintf("status reference uri %q is not this list's sub %q", e.Reference, e.Token)
}

// StatusOf returns the status the token gives the referenced credential,
// after checking that the reference points at this token (its "uri" equals
// the token's "sub", compared as strings).
func (t *Token) StatusOf(r Reference) (uint8, error) {
	if r.URI != t.URI {
		return 0, &URIMismatchError{Reference: r.URI, Token: t.URI}
	}
	return t.Status(r.Idx)
}

// Token signs the list as a Status List Token for the list published at uri,
// issued at iat. A zero exp leaves out "exp" and a zero ttl leaves out "ttl";
// otherwise exp must not be before iat and ttl must be at least a second
// (it is written in whole seconds).
func (l *List) Token(key *jose.PrivateKey, uri string, iat, exp time.Time, ttl time.Duration) (string, error) {
	if key == nil {
		return "", errors.New("status: no signing key")
	}
	if err := checkURI("sub", uri); err != nil {
		return "", err
	}
	if iat.Unix() < 0 {
		return "", &ClaimError{Claim: "iat", Problem: "before 1970"}
	}
	if !exp.IsZero() && exp.Unix() < iat.Unix() {
		return "", &ClaimError{Claim: "exp", Problem: "before iat"}
	}
	if ttl < 0 || (ttl > 0 && ttl < time.Second) {
		return "", &ClaimError{Claim: "ttl", Problem: fmt.Sprintf("%v: must be at least a second", ttl)}
	}
	p := tokenPayload{Sub: uri, Iat: iat.Unix()}
	if !exp.IsZero() {
		e := exp.Unix()
		p.Exp = &e
	}
	if ttl > 0 {
		s := int64(ttl / time.Second)
		p.TTL = &s
	}
	p.StatusList.Bits = l.bits
	p.StatusList.Lst = l.Encode()
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return key.Sign(jose.Header{Typ: TokenType}, body)
}

type tokenPayload struct {
	Sub        string `json:"sub"`
	Iat        int64  `json:"iat"`
	Exp        *int64 `json:"exp,omitempty"`
	TTL        *int64 `json:"ttl,omitempty"`
	StatusList struct {
		Bits int    `json:"bits"`
		Lst  string `json:"lst"`
	} `json:"status_list"`
}

// ParseToken parses a Status List Token in JWS compact serialization and
// decodes its list, checking everything but the signature (see the package
// documentation). Errors are *jose.EncodingError, *jose.HeaderError or
// *jose.SignatureFormatError for the JWS itself, *TypeError, *ClaimError,
// *EncodingError and *CompressionError.
func ParseToken(compact string) (*Token, error) {
	if len(compact) > MaxTokenLen {
		return nil, &jose.EncodingError{Part: "jws", Problem: fmt.Sprintf("%d bytes, more than %d", len(compact), MaxTokenLen)}
	}
	j, err := jose.Parse(compact)
	if err != nil {
		return nil, err
	}
	if j.Header.Typ != TokenType {
		return nil, &TypeError{Typ: j.Header.Typ, Want: TokenType}
	}
	if _, ok := j.Members["zip"]; ok {
		return nil, &jose.HeaderError{Member: "zip", Value: j.Header.Zip, Problem: "not allowed in a status list token"}
	}
	claims, err := strictjson.ParseObject(j.Payload, 16)
	if err != nil {
		return nil, &ClaimError{Claim: "(payload)", Problem: err.Error()}
	}
	t := &Token{Raw: compact, KID: j.Header.Kid, jws: j}
	if t.URI, err = stringClaim(claims, "sub", true); err != nil {
		return nil, err
	}
	if err := checkURI("sub", t.URI); err != nil {
		return nil, err
	}
	if t.Issuer, err = stringClaim(claims, "iss", false); err != nil {
		return nil, err
	}
	if t.IssuedAt, err = numericDate(claims, "iat", true); err != nil {
		return nil, err
	}
	if t.Expires, err = numericDate(claims, "exp", false); err != nil {
		return nil, err
	}
	if !t.Expires.IsZero() && t.Expires.Before(t.IssuedAt) {
		return nil, &ClaimError{Claim: "exp", Problem: "before iat"}
	}
	if t.TTL, err = ttlClaim(claims); err != nil {
		return nil, err
	}
	sl, ok := claims.Get("status_list")
	if !ok {
		return nil, &ClaimError{Claim: "status_list", Problem: "missing"}
	}
	slo, ok := sl.(strictjson.Object)
	if !ok {
		return nil, &ClaimError{Claim: "status_list", Problem: "not a JSON object"}
	}
	for _, m := range slo {
		switch m.Name {
		case "bits", "lst":
		case "aggregation_uri":
			s, ok := m.Value.(string)
			if !ok {
				return nil, &ClaimError{Claim: "status_list.aggregation_uri", Problem: "not a string"}
			}
			if err := checkURI("status_list.aggregation_uri", s); err != nil {
				return nil, err
			}
			t.AggregationURI = s
		default:
			return nil, &ClaimError{Claim: "status_list." + m.Name, Problem: "unknown member (the draft allows bits, lst and aggregation_uri)"}
		}
	}
	bv, ok := slo.Get("bits")
	if !ok {
		return nil, &ClaimError{Claim: "status_list.bits", Problem: "missing"}
	}
	bn, ok := bv.(json.Number)
	bits, err := strconv.Atoi(string(bn))
	if !ok || err != nil || !validBits(bits) {
		return nil, &ClaimError{Claim: "status_list.bits", Problem: fmt.Sprintf("%v: must be 1, 2, 4 or 8", bv)}
	}
	lv, ok := slo.Get("lst")
	if !ok {
		return nil, &ClaimError{Claim: "status_list.lst", Problem: "missing"}
	}
	lst, ok := lv.(string)
	if !ok {
		return nil, &ClaimError{Claim: "status_list.lst", Problem: "not a string"}
	}
	if t.list, err = DecodeList(bits, lst); err != nil {
		return nil, err
	}
	return t, nil
}

func stringClaim(o strictjson.Object, name string, required bool) (string, error) {
	v, ok := o.Get(name)
	if !ok {
		if required {
			return "", &ClaimError{Claim: name, Problem: "missing"}
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", &ClaimError{Claim: name, Problem: "not a string"}
	}
	return s, nil
}

// checkURI requires an absolute URI (RFC 3986: a scheme, then anything).
func checkURI(claim, s string) error {
	if s == "" {
		return &ClaimError{Claim: claim, Problem: "empty"}
	}
	u, err := url.Parse(s)
	if err != nil {
		return &ClaimError{Claim: claim, Problem: fmt.Sprintf("%q is not a URI", s)}
	}
	if !u.IsAbs() {
		return &ClaimError{Claim: claim, Problem: fmt.Sprintf("%q is not an absolute URI", s)}
	}
	return nil
}

// maxUnix is 9999-12-31T23:59:59Z.
const maxUnix = 253402300799

// numericDate reads an RFC 7519 NumericDate between 1970 and 9999; a
// fractional value keeps its fraction.
func numericDate(o strictjson.Object, name string, required bool) (time.Time, error) {
	v, ok := o.Get(name)
	if !ok {
		if required {
			return time.Time{}, &ClaimError{Claim: name, Problem: "missing"}
		}
		return time.Time{}, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, &ClaimError{Claim: name, Problem: "not a number"}
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < 0 || i > maxUnix {
			return time.Time{}, &ClaimError{Claim: name, Problem: fmt.Sprintf("%s: outside 1970–9999", n)}
		}
		return time.Unix(i, 0), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxUnix {
		return time.Time{}, &ClaimError{Claim: name, Problem: fmt.Sprintf("%s: outside 1970–9999", n)}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// maxTTL bounds "ttl": a century, far beyond any sensible cache lifetime.
const maxTTL = 100 * 365 * 24 * time.Hour

func ttlClaim(o strictjson.Object) (time.Duration, error) {
	v, ok := o.Get("ttl")
	if !ok {
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, &ClaimError{Claim: "ttl", Problem: "not a number"}
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || !(f > 0) || f > maxTTL.Seconds() {
		return 0, &ClaimError{Claim: "ttl", Problem: fmt.Sprintf("%s: must be a positive number of seconds", n)}
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Reference is what a credential carries to point at its entry in a status
// list: the value of its "status" claim, {"status_list": {"idx": …, "uri": …}}.
type Reference struct {
	Idx int
	URI string
}

// maxIdx is the largest index a list within MaxListBytes can have.
const maxIdx = MaxListBytes*8 - 1

// ParseReference parses the value of a credential's "status" claim. Other
// status mechanisms in the object, and members of "status_list" beyond
// "idx" and "uri", are ignored as the draft allows; "status_list" itself is
// required.
func ParseReference(status []byte) (Reference, error) {
	o, err := strictjson.ParseObject(status, 8)
	if err != nil {
		return Reference{}, &ClaimError{Claim: "status", Problem: err.Error()}
	}
	return ReferenceFrom(o)
}

// ReferenceFrom reads a Reference from an already parsed "status" claim
// value, as internal/strictjson returns it.
func ReferenceFrom(status any) (Reference, error) {
	o, ok := status.(strictjson.Object)
	if !ok {
		return Reference{}, &ClaimError{Claim: "status", Problem: "not a JSON object"}
	}
	slv, ok := o.Get("status_list")
	if !ok {
		return Reference{}, &ClaimError{Claim: "status.status_list", Problem: "missing"}
	}
	sl, ok := slv.(strictjson.Object)
	if !ok {
		return Reference{}, &ClaimError{Claim: "status.status_list", Problem: "not a JSON object"}
	}
	var r Reference
	iv, ok := sl.Get("idx")
	if !ok {
		return Reference{}, &ClaimError{Claim: "status.status_list.idx", Problem: "missing"}
	}
	n, _ := iv.(json.Number)
	idx, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || idx < 0 || idx > maxIdx {
		return Reference{}, &ClaimError{Claim: "status.status_list.idx", Problem: fmt.Sprintf("%v: must be an integer from 0 to %d", iv, maxIdx)}
	}
	r.Idx = int(idx)
	uv, ok := sl.Get("uri")
	if !ok {
		return Reference{}, &ClaimError{Claim: "status.status_list.uri", Problem: "missing"}
	}
	if r.URI, ok = uv.(string); !ok {
		return Reference{}, &ClaimError{Claim: "status.status_list.uri", Problem: "not a string"}
	}
	if err := checkURI("status.status_list.uri", r.URI); err != nil {
		return Reference{}, err
	}
	return r, nil
}

// MarshalJSON formats the reference as the value of a "status" claim.
func (r Reference) MarshalJSON() ([]byte, error) {
	var v struct {
		StatusList struct {
			Idx int    `json:"idx"`
			URI string `json:"uri"`
		} `json:"status_list"`
	}
	v.StatusList.Idx, v.StatusList.URI = r.Idx, r.URI
	return json.Marshal(v)
}

// Format returns the reference as the JSON value of a "status" claim.
func (r Reference) Format() []byte {
	b, _ := r.MarshalJSON()
	return b
}

// UnmarshalJSON parses the value of a "status" claim strictly.
func (r *Reference) UnmarshalJSON(data []byte) error {
	got, err := ParseReference(data)
	if err != nil {
		return err
	}
	*r = got
	return nil
}

package sdjwt

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/immunopass/immunopass/credential/jose"
)

// registered are the claims a verifier needs to judge a credential at all:
// who signed it, its type, its validity window, its holder binding and its
// status. draft-ietf-oauth-sd-jwt-vc (section "Registered JWT Claims") says
// iss, nbf, exp, cnf, vct and status must not be selectively disclosed; we
// add iat, which key validity and accreditation windows are checked against.
// A holder who could withhold "status" would never be checked for revocation.
var registered = map[string]bool{"iss": true, "iat": true, "nbf": true, "exp": true, "vct": true, "vct#integrity": true, "cnf": true, "status": true}

// Registered reports whether name is a top-level claim that may never be
// selectively disclosable: Issue refuses to make it one, and Verify refuses
// a credential that discloses it (DisclosureError, reason bad-disclosure).
func Registered(name string) bool { return registered[name] }

// Claim is one claim of a credential to issue.
type Claim struct {
	Name  string
	Value any
	// SD makes the claim a selectively disclosable object property.
	SD bool
	// SDElements makes each element of an array value its own disclosure
	// (the array itself stays visible, with one placeholder per element).
	SDElements bool
}

// StatusRef is a credential's entry in a status list.
type StatusRef struct {
	URI string `json:"uri"`
	Idx int    `json:"idx"`
}

// IssueRequest says what to sign.
type IssueRequest struct {
	Issuer   string // iss, an https URL
	IssuedAt time.Time
	Expires  time.Time // zero: no exp
	VCT      string    // default VCT
	Holder   *jose.Key // cnf.jwk; nil issues an unbound credential
	Status   *StatusRef
	Claims   []Claim
	// Decoys adds this many decoy digests to the top-level "_sd", so the
	// number of withheld claims does not reveal how many there are.
	Decoys int
}

// Issued is a freshly issued SD-JWT: the issuer JWT and all disclosures.
type Issued struct {
	Presentation
	ByDigest map[string]*Disclosure
}

// Issue signs a credential. The result, in compact form, ends with "~" and
// carries every disclosure; the holder drops what a context does not need.
func Issue(key *jose.PrivateKey, req IssueRequest) (*Issued, error) {
	if req.Issuer == "" {
		return nil, &FormatError{Part: "iss", Problem: "empty"}
	}
	if req.VCT == "" {
		req.VCT = VCT
	}
	if !utf8.ValidString(req.Issuer) || !utf8.ValidString(req.VCT) {
		return nil, &FormatError{Part: "iss", Problem: fmt.Sprintf("invalid UTF-8 in iss %q or vct %q", req.Issuer, req.VCT)}
	}
	if req.IssuedAt.IsZero() {
		req.IssuedAt = time.Now()
	}
	out := &Issued{ByDigest: map[string]*Disclosure{}}
	var b bytes.Buffer
	b.WriteByte('{')
	field := func(name string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		writeJSON(&b, name)
		b.WriteByte(':')
		writeJSON(&b, v)
	}
	field("iss", req.Issuer)
	field("iat", req.IssuedAt.Unix())
	if !req.Expires.IsZero() {
		field("exp", req.Expires.Unix())
	}
	field("vct", req.VCT)
	if req.Holder != nil {
		field("cnf", map[string]json.RawMessage{"jwk": publicJWK(req.Holder)})
	}
	if req.Status != nil {
		field("status", map[string]*StatusRef{"status_list": req.Status})
	}
	var sd []string
	add := func(name string, v any) (string, error) {
		d, err := NewDisclosure(name, v)
		if err != nil {
			return "", err
		}
		out.Disclosures = append(out.Disclosures, d.Raw)
		out.ByDigest[d.Digest()] = d
		return d.Digest(), nil
	}
	for _, c := range req.Claims {
		// encoding/json would write invalid UTF-8 as U+FFFD: the credential
		// would say something else than what the issuer was given.
		if bad, ok := invalidUTF8(reflect.ValueOf(c.Value)); ok || !utf8.ValidString(c.Name) {
			if !ok {
				bad = c.Name
			}
			return nil, &FormatError{Part: "claims", Problem: fmt.Sprintf("claim %q holds invalid UTF-8: %q", c.Name, bad)}
		}
		switch {
		case c.Name == "_sd" || c.Name == "_sd_alg" || c.Name == "...":
			return nil, &FormatError{Part: "claims", Problem: fmt.Sprintf("reserved claim name %q", c.Name)}
		case (c.SD || c.SDElements) && Registered(c.Name):
			return nil, &FormatError{Part: "claims", Problem: fmt.Sprintf("registered claim %q cannot be selectively disclosable", c.Name)}
		case c.SD:
			dg, err := add(c.Name, c.Value)
			if err != nil {
				return nil, err
			}
			sd = append(sd, dg)
		case c.SDElements:
			elems, ok := c.Value.([]any)
			if !ok {
				return nil, &FormatError{Part: "claims", Problem: fmt.Sprintf("%q: SDElements needs a []any value", c.Name)}
			}
			placeholders := make([]map[string]string, 0, len(elems))
			for _, e := range elems {
				dg, err := add("", e)
				if err != nil {
					return nil, err
				}
				placeholders = append(placeholders, map[string]string{"...": dg})
			}
			field(c.Name, placeholders)
		default:
			field(c.Name, c.Value)
		}
	}
	for i := 0; i < req.Decoys; i++ {
		salt := make([]byte, SaltSize)
		if _, err := rand.Read(salt); err != nil {
			return nil, err
		}
		h := sha256.Sum256(salt)
		sd = append(sd, base64.RawURLEncoding.EncodeToString(h[:]))
	}
	if len(sd) > 0 {
		slices.Sort(sd) // order reveals nothing about the claims
		field("_sd", sd)
	}
	field("_sd_alg", SDAlg)
	b.WriteByte('}')
	jwt, err := key.Sign(jose.Header{Typ: TypVC}, b.Bytes())
	if err != nil {
		return nil, err
	}
	out.IssuerJWT = jwt
	return out, nil
}

// publicJWK is the holder key as a minimal JWK (kty, crv, x, y): lean, since
// every presentation carries it.
func publicJWK(k *jose.Key) json.RawMessage {
	var m map[string]string
	json.Unmarshal(k.JWK(), &m)
	b, _ := json.Marshal(map[string]string{"kty": m["kty"], "crv": m["crv"], "x": m["x"], "y": m["y"]})
	return b
}

func writeJSON(b *bytes.Buffer, v any) {
	e := json.NewEncoder(b)
	e.SetEscapeHTML(false)
	e.Encode(v)
	b.Truncate(b.Len() - 1)
}

func itoa(n int64) string {
	var b bytes.Buffer
	writeJSON(&b, n)
	return b.String()
}

func writeStr(b interface{ WriteString(string) (int, error) }, s string) {
	var buf bytes.Buffer
	writeJSON(&buf, s)
	b.WriteString(buf.String())
}

// invalidUTF8 finds a string (or raw JSON bytes) in v that is not valid
// UTF-8, looking through pointers, interfaces, slices, maps (keys too) and
// exported struct fields: the shapes a claim value takes.
func invalidUTF8(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			return v.String(), true
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return invalidUTF8(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			if b := v.Bytes(); !utf8.Valid(b) {
				return string(b), true
			}
			return "", false
		}
		for i := 0; i < v.Len(); i++ {
			if s, bad := invalidUTF8(v.Index(i)); bad {
				return s, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if s, bad := invalidUTF8(it.Key()); bad {
				return s, true
			}
			if s, bad := invalidUTF8(it.Value()); bad {
				return s, true
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				if s, bad := invalidUTF8(v.Field(i)); bad {
					return s, true
				}
			}
		}
	}
	return "", false
}

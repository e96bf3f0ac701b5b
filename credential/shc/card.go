package shc

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// Card is a parsed, not yet verified, SMART Health Card.
type Card struct {
	JWS *jose.JWS
	// Payload is the inflated JWT payload exactly as signed.
	Payload []byte
	Claims  Claims
	bundle  strictjson.Value // the parsed FHIR Bundle
}

// Record maps the card's FHIR Bundle to a vaccination record, reusing the
// parse done by Parse. It also lists the entries that are not a Patient or
// an Immunization (a lab result card has only those).
func (c *Card) Record() (*vax.Record, []string, error) {
	return vax.FromFHIRTree(c.bundle)
}

// ResourceTypes lists the resource types in the card's bundle, in order,
// each once.
func (c *Card) ResourceTypes() []string {
	out := []string{}
	for e := c.bundle.Get("entry").First(); e.Exists(); e = e.Next() {
		if rt, _ := e.Get("resource").Get("resourceType").Str(); rt != "" && !slices.Contains(out, rt) {
			out = append(out, rt)
		}
	}
	return out
}

// Claims are the JWT claims of a health card.
type Claims struct {
	Iss string
	// NBF and Exp are NumericDates as published; Exp is 0 when absent.
	// Fractional seconds are kept: the spec's own examples use them.
	NBF, Exp    float64
	HasExp      bool
	Types       []string
	FHIRVersion string
	// Bundle is the FHIR Bundle as signed (minified JSON).
	Bundle json.RawMessage
	// RID is the revocation identifier, "" when the card has none.
	RID string
}

// Parse decodes a compact JWS into a Card without verifying it.
func Parse(compact string) (*Card, error) {
	compact = strings.TrimSpace(compact)
	if len(compact) > MaxJWS {
		return nil, &TooLargeError{What: "jws", Size: len(compact), Limit: MaxJWS}
	}
	j, err := jose.Parse(compact)
	if err != nil {
		return nil, err
	}
	if j.Header.Zip != "DEF" {
		return nil, &jose.HeaderError{Member: "zip", Value: j.Header.Zip, Problem: "must be \"DEF\" (raw DEFLATE)"}
	}
	payload, err := Inflate(j.Payload)
	if err != nil {
		return nil, err
	}
	claims, bundle, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	return &Card{JWS: j, Payload: payload, Claims: *claims, bundle: bundle}, nil
}

// Inflate decompresses raw DEFLATE, refusing zlib streams, trailing bytes,
// and output beyond MaxPayload (it stops reading there, so a bomb costs at
// most MaxPayload bytes of memory).
func Inflate(data []byte) ([]byte, error) {
	out, err := inflateRaw(data)
	var ce *CompressionError
	if errors.As(err, &ce) && len(data) >= 2 && data[0]&0x0f == 8 && (uint16(data[0])<<8|uint16(data[1]))%31 == 0 {
		return nil, &CompressionError{Problem: "zlib stream (RFC 1950); SMART Health Cards use raw DEFLATE (RFC 1951)"}
	}
	return out, err
}

// inflaters reuses DEFLATE decoders (inflate.go): their Huffman tables and
// a scratch output buffer, so that a card's payload costs one exact-size
// allocation however well it compressed.
var inflaters = sync.Pool{New: func() any { return new(inflater) }}

func inflateRaw(data []byte) ([]byte, error) {
	f := inflaters.Get().(*inflater)
	defer inflaters.Put(f)
	out, trailing, err := f.inflate(data, MaxPayload)
	switch {
	case err == errLarge:
		return nil, &TooLargeError{What: "inflated payload", Size: MaxPayload + 1, Limit: MaxPayload}
	case err != nil:
		return nil, &CompressionError{Problem: "not raw DEFLATE: " + err.Error()}
	case trailing != 0:
		return nil, &CompressionError{Problem: fmt.Sprintf("%d bytes after the end of the DEFLATE stream", trailing)}
	}
	return bytes.Clone(out), nil
}

// deflaters reuses level-9 compressors: each holds about a megabyte of
// state that would otherwise be allocated per card.
var deflaters sync.Pool

// Deflate compresses with raw DEFLATE at the best compression level.
func Deflate(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := deflaters.Get().(*flate.Writer)
	if w == nil {
		w, _ = flate.NewWriter(&buf, flate.BestCompression)
	} else {
		w.Reset(&buf)
	}
	w.Write(data)
	w.Close()
	deflaters.Put(w)
	return buf.Bytes()
}

func parseClaims(payload []byte) (*Claims, strictjson.Value, error) {
	var none strictjson.Value
	top, err := strictjson.ParseDoc(payload, strictjson.MaxDepth)
	if err != nil {
		return nil, none, &PayloadError{Claim: "payload", Problem: err.Error()}
	}
	if top.Kind() != strictjson.ObjectKind {
		return nil, none, &PayloadError{Claim: "payload", Problem: (&strictjson.Error{Problem: "not a JSON object"}).Error()}
	}
	c := &Claims{}
	if c.Iss, err = claimString(top, "iss", "iss", true); err != nil {
		return nil, none, err
	}
	if c.NBF, _, err = numericDate(top, "nbf", true); err != nil {
		return nil, none, err
	}
	if c.Exp, c.HasExp, err = numericDate(top, "exp", false); err != nil {
		return nil, none, err
	}
	vc := top.Get("vc")
	if vc.Kind() != strictjson.ObjectKind {
		return nil, none, &PayloadError{Claim: "vc", Problem: missingOr(vc, "not an object")}
	}
	types := vc.Get("type")
	if types.Kind() != strictjson.Array {
		return nil, none, &PayloadError{Claim: "vc.type", Problem: missingOr(types, "not an array")}
	}
	c.Types = make([]string, 0, types.Len())
	for t := types.First(); t.Exists(); t = t.Next() {
		s, ok := t.Str()
		if !ok {
			return nil, none, &PayloadError{Claim: "vc.type", Problem: "not an array of strings"}
		}
		c.Types = append(c.Types, s)
	}
	if c.RID, err = claimString(vc, "rid", "vc.rid", false); err != nil {
		return nil, none, err
	}
	if c.RID != "" && !isBase64URL(c.RID) {
		return nil, none, &PayloadError{Claim: "vc.rid", Problem: fmt.Sprintf("%q is not base64url", c.RID)}
	}
	cs := vc.Get("credentialSubject")
	if cs.Kind() != strictjson.ObjectKind {
		return nil, none, &PayloadError{Claim: "vc.credentialSubject", Problem: missingOr(cs, "not an object")}
	}
	if c.FHIRVersion, err = claimString(cs, "fhirVersion", "vc.credentialSubject.fhirVersion", true); err != nil {
		return nil, none, err
	}
	bundle := cs.Get("fhirBundle")
	if bundle.Kind() != strictjson.ObjectKind {
		return nil, none, &PayloadError{Claim: "vc.credentialSubject.fhirBundle", Problem: missingOr(bundle, "not an object")}
	}
	start, end := bundle.Span()
	c.Bundle = payload[start:end:end]
	return c, bundle, nil
}

func missingOr(v strictjson.Value, problem string) string {
	if !v.Exists() {
		return "missing"
	}
	return problem
}

func claimString(m strictjson.Value, name, claim string, required bool) (string, error) {
	v := m.Get(name)
	if !v.Exists() {
		if required {
			return "", &PayloadError{Claim: claim, Problem: "missing"}
		}
		return "", nil
	}
	s, ok := v.Str()
	if !ok {
		return "", &PayloadError{Claim: claim, Problem: fmt.Sprintf("not a string: %s", truncate(v.Raw(), 40))}
	}
	return s, nil
}

func unmarshalClaim(m map[string]json.RawMessage, name string, dst any, required bool) error {
	raw, ok := m[name]
	if !ok {
		if required {
			return &PayloadError{Claim: name, Problem: "missing"}
		}
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return &PayloadError{Claim: name, Problem: fmt.Sprintf("wrong type: %s", truncate(string(raw), 40))}
	}
	return nil
}

func numericDate(m strictjson.Value, name string, required bool) (float64, bool, error) {
	v := m.Get(name)
	if !v.Exists() {
		if required {
			return 0, false, &PayloadError{Claim: name, Problem: "missing"}
		}
		return 0, false, nil
	}
	n, ok := v.Num()
	if !ok {
		return 0, false, &PayloadError{Claim: name, Problem: fmt.Sprintf("not a number: %s", truncate(v.Raw(), 40))}
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return 0, false, &PayloadError{Claim: name, Problem: fmt.Sprintf("not a NumericDate: %s", n)}
	}
	return f, true, nil
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return len(s) <= 64
}

// IssueOptions are the claims of a card to issue.
type IssueOptions struct {
	Issuer    string    // iss: https URL, no trailing slash
	NotBefore time.Time // nbf; zero means now. Millisecond precision is kept.
	Expires   time.Time // exp; zero means none
	RID       string    // vc.rid; "" for none
	Types     []string  // vc.type; default health-card + immunization
	// Country is the issuer's country (ISO 3166-1 alpha-2) as its
	// accreditation states it. When set, the card is trimmed to fit a
	// smaller QR code: doses given in that country carry no country
	// extension (verifiers take the country from the issuer's entry in
	// trust) and no Immunization carries protocolApplied. Doses given
	// elsewhere keep their country.
	Country string
}

// Issue minifies a FHIR Bundle (see [Minify]) and signs it as a health card.
func Issue(key *jose.PrivateKey, bundle []byte, opt IssueOptions) (string, error) {
	if err := CheckIssuerURL(opt.Issuer); err != nil {
		return "", err
	}
	if opt.RID != "" && !isBase64URL(opt.RID) {
		return "", &PayloadError{Claim: "vc.rid", Problem: fmt.Sprintf("%q is not base64url", opt.RID)}
	}
	min, err := minify(bundle, opt.Country)
	if err != nil {
		return "", err
	}
	payload := Payload(min, opt)
	return key.Sign(jose.Header{Zip: "DEF"}, Deflate(payload))
}

// Payload builds the JWT payload bytes of a card in the spec's member order.
func Payload(minBundle []byte, opt IssueOptions) []byte {
	nbf := opt.NotBefore
	if nbf.IsZero() {
		nbf = time.Now()
	}
	types := opt.Types
	if len(types) == 0 {
		types = []string{TypeHealthCard, TypeImmunization}
	}
	var b bytes.Buffer
	b.WriteString(`{"iss":`)
	writeJSON(&b, opt.Issuer)
	b.WriteString(`,"nbf":`)
	b.WriteString(numeric(nbf))
	b.WriteString(`,"vc":{"type":`)
	writeJSON(&b, types)
	b.WriteString(`,"credentialSubject":{"fhirVersion":"` + FHIRVersion + `","fhirBundle":`)
	b.Write(minBundle)
	b.WriteString(`}`)
	if opt.RID != "" {
		b.WriteString(`,"rid":`)
		writeJSON(&b, opt.RID)
	}
	b.WriteString(`}`)
	if !opt.Expires.IsZero() {
		b.WriteString(`,"exp":`)
		b.WriteString(numeric(opt.Expires))
	}
	b.WriteString(`}`)
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, v any) {
	e := json.NewEncoder(b)
	e.SetEscapeHTML(false)
	e.Encode(v)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// numeric formats t as a NumericDate with millisecond precision, trailing
// zeros dropped: 1687450764.656, or 1687450765.
func numeric(t time.Time) string {
	ms := t.UnixMilli()
	s := strconv.FormatInt(ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	return s
}

// CheckIssuerURL checks the spec's rules for "iss": an https URL with a host,
// no trailing slash, no query, no fragment.
func CheckIssuerURL(iss string) error {
	switch {
	case iss == "":
		return &IssuerURLError{Iss: iss, Problem: "empty"}
	case !strings.HasPrefix(iss, "https://") || len(iss) == len("https://"):
		return &IssuerURLError{Iss: iss, Problem: "not an https URL"}
	case strings.HasSuffix(iss, "/"):
		return &IssuerURLError{Iss: iss, Problem: "trailing slash"}
	case strings.ContainsAny(iss, "?# \t\r\n"):
		return &IssuerURLError{Iss: iss, Problem: "query, fragment or white space"}
	}
	return nil
}

// ParseFile reads a ".smart-health-card" file: a JSON object whose
// "verifiableCredential" member is a non-empty array of compact JWS strings.
func ParseFile(data []byte) ([]string, error) {
	if len(data) > MaxJWS*4 {
		return nil, &TooLargeError{What: "smart-health-card file", Size: len(data), Limit: MaxJWS * 4}
	}
	m, err := jose.ObjectMembers(bytes.TrimSpace(data))
	if err != nil {
		return nil, &PayloadError{Claim: "verifiableCredential", Problem: "file is not a JSON object: " + err.Error()}
	}
	var vcs []string
	if err := unmarshalClaim(m, "verifiableCredential", &vcs, true); err != nil {
		return nil, err
	}
	if len(vcs) == 0 {
		return nil, &PayloadError{Claim: "verifiableCredential", Problem: "empty"}
	}
	return vcs, nil
}

// FormatFile writes a ".smart-health-card" file.
func FormatFile(jws ...string) []byte {
	b, _ := json.Marshal(struct {
		VC []string `json:"verifiableCredential"`
	}{jws})
	return b
}

// IsTooLarge reports whether err is a size-limit error.
func IsTooLarge(err error) bool {
	var t *TooLargeError
	return errors.As(err, &t)
}

func fmtTime(f float64) string {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC().Format("2006-01-02 15:04:05Z07:00")
}

func newBestWriter(w io.Writer) (*flate.Writer, error) {
	return flate.NewWriter(w, flate.BestCompression)
}

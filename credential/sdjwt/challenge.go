package sdjwt

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/base45"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// ChallengePrefix starts a challenge's QR text: "IPC1:" Base45(DEFLATE(JSON)).
const ChallengePrefix = "IPC1:"

// Challenge is what a verifier shows when it wants a bound answer: who asks
// (its did:key, the KB-JWT's aud), a fresh nonce, until when, and which
// claims, as an OpenID4VP DCQL query for one dc+sd-jwt credential of type
// VCT. Its JSON:
//
//	{"client_id":"did:key:zDn…","nonce":"…","exp":1795250000,"purpose":"School entry",
//	 "dcql_query":{"credentials":[{"id":"vax","format":"dc+sd-jwt",
//	   "meta":{"vct_values":["…"]},"claims":[{"path":["given_name"]},{"path":["doses",null]}]}]}}
type Challenge struct {
	Aud     string // the verifier's did:key
	Nonce   string
	Expires time.Time
	Purpose string // shown to the holder, optional
	// Claims are DCQL claim paths: names, array indexes, or nil for every
	// element of an array.
	Claims [][]any
}

// ChallengeError reports a challenge that cannot be used.
type ChallengeFormatError struct{ Problem string }

func (e *ChallengeFormatError) Error() string { return "challenge: " + e.Problem }

// NewChallenge makes a challenge with a fresh 128-bit nonce.
func NewChallenge(verifier *jose.Key, claims [][]any, ttl time.Duration, purpose string, now time.Time) (*Challenge, error) {
	n := make([]byte, 16)
	if _, err := rand.Read(n); err != nil {
		return nil, err
	}
	c := &Challenge{Aud: verifier.DIDKey(), Nonce: base64.RawURLEncoding.EncodeToString(n),
		Expires: now.Add(ttl).Truncate(time.Second), Purpose: purpose, Claims: claims}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseClaimPaths reads the command-line form "given_name,family_name,doses"
// (an array name means all its elements; "doses[2]" one element).
func ParseClaimPaths(s string) ([][]any, error) {
	var out [][]any
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var path []any
		for _, seg := range strings.Split(f, ".") {
			name, idx, hasIdx := strings.Cut(seg, "[")
			if name == "" {
				return nil, &ChallengeFormatError{Problem: fmt.Sprintf("claim %q: empty name", f)}
			}
			path = append(path, name)
			if hasIdx {
				n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
				if err != nil || n < 0 || !strings.HasSuffix(idx, "]") {
					return nil, &ChallengeFormatError{Problem: fmt.Sprintf("claim %q: bad index", f)}
				}
				path = append(path, n)
			}
		}
		if path[0] == "doses" && len(path) == 1 {
			path = append(path, nil)
		}
		out = append(out, path)
	}
	if len(out) == 0 {
		return nil, &ChallengeFormatError{Problem: "no claims asked for"}
	}
	return out, nil
}

// Wants reports whether a disclosure path ("doses[3]", "given_name") is one
// the challenge asks for.
func (c *Challenge) Wants(path string) bool {
	for _, p := range c.Claims {
		if pathString(p, path) {
			return true
		}
	}
	return false
}

func pathString(p []any, path string) bool {
	var b strings.Builder
	for i, seg := range p {
		switch s := seg.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case int:
			b.WriteString("[" + strconv.Itoa(s) + "]")
		case nil:
			prefix := b.String() + "["
			return strings.HasPrefix(path, prefix) && !strings.Contains(path[len(prefix):], ".")
		}
	}
	return b.String() == path
}

// Expect is what Verify needs from the challenge.
func (c *Challenge) Expect() *Expect { return &Expect{Aud: c.Aud, Nonce: c.Nonce} }

type challengeJSON struct {
	ClientID string `json:"client_id"`
	Nonce    string `json:"nonce"`
	Exp      int64  `json:"exp"`
	Purpose  string `json:"purpose,omitempty"`
	DCQL     struct {
		Credentials []dcqlCredential `json:"credentials"`
	} `json:"dcql_query"`
}

type dcqlCredential struct {
	ID     string `json:"id"`
	Format string `json:"format"`
	Meta   struct {
		VCTValues []string `json:"vct_values"`
	} `json:"meta"`
	Claims []struct {
		Path []any `json:"path"`
	} `json:"claims"`
}

// Format returns the challenge's QR text.
func (c *Challenge) Format() string {
	var j challengeJSON
	j.ClientID, j.Nonce, j.Exp, j.Purpose = c.Aud, c.Nonce, c.Expires.Unix(), c.Purpose
	cred := dcqlCredential{ID: "vax", Format: TypVC}
	cred.Meta.VCTValues = []string{VCT}
	for _, p := range c.Claims {
		cred.Claims = append(cred.Claims, struct {
			Path []any `json:"path"`
		}{p})
	}
	j.DCQL.Credentials = []dcqlCredential{cred}
	b, _ := json.Marshal(j)
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(b)
	w.Close()
	return ChallengePrefix + base45.Encode(z.Bytes())
}

// ParseChallenge reads a challenge's QR text strictly. It does not check
// the expiry: call Expired.
func ParseChallenge(text string) (*Challenge, error) {
	fail := func(p string) error { return &ChallengeFormatError{Problem: p} }
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), ChallengePrefix)
	if !ok {
		return nil, fail(fmt.Sprintf("does not start with %q", ChallengePrefix))
	}
	if len(rest) > 4096 {
		return nil, fail("too long")
	}
	z, err := base45.Decode(rest)
	if err != nil {
		return nil, fail(err.Error())
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), 8193))
	if err != nil || len(raw) > 8192 {
		return nil, fail("not raw DEFLATE of at most 8 KiB")
	}
	top, err := strictjson.ParseObject(raw, 8)
	if err != nil {
		return nil, fail(err.Error())
	}
	c := &Challenge{}
	if c.Aud, err = str(top, "client_id", true); err != nil {
		return nil, fail("client_id missing")
	}
	if c.Nonce, err = str(top, "nonce", true); err != nil {
		return nil, fail("nonce missing")
	}
	c.Purpose, _ = str(top, "purpose", false)
	exp, ok, err := numeric(top, "exp")
	if err != nil || !ok {
		return nil, fail("exp missing or not a NumericDate")
	}
	c.Expires = exp
	dv, _ := top.Get("dcql_query")
	dq, _ := dv.(strictjson.Object)
	cv, _ := dq.Get("credentials")
	creds, _ := cv.([]any)
	if len(creds) != 1 {
		return nil, fail("dcql_query must ask for exactly one credential")
	}
	cred, _ := creds[0].(strictjson.Object)
	if f, _ := str(cred, "format", false); f != TypVC {
		return nil, fail(fmt.Sprintf("credential format %q, want %q", f, TypVC))
	}
	clv, _ := cred.Get("claims")
	claims, _ := clv.([]any)
	for _, x := range claims {
		o, _ := x.(strictjson.Object)
		pv, _ := o.Get("path")
		segs, ok := pv.([]any)
		if !ok || len(segs) == 0 || len(segs) > 8 {
			return nil, fail("a claim path is not a non-empty array")
		}
		var path []any
		for _, s := range segs {
			switch v := s.(type) {
			case string:
				path = append(path, v)
			case nil:
				path = append(path, nil)
			case json.Number:
				n, err := strconv.Atoi(string(v))
				if err != nil || n < 0 {
					return nil, fail("a claim path index is not a non-negative integer")
				}
				path = append(path, n)
			default:
				return nil, fail("a claim path segment is not a name, index or null")
			}
		}
		if _, ok := path[0].(string); !ok {
			return nil, fail("a claim path must start with a name")
		}
		c.Claims = append(c.Claims, path)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Challenge) check() error {
	if _, err := jose.ParseDIDKey(c.Aud); err != nil {
		return &ChallengeFormatError{Problem: "client_id: " + err.Error()}
	}
	if len(c.Nonce) < 16 || len(c.Nonce) > 128 {
		return &ChallengeFormatError{Problem: "nonce must be 16 to 128 characters"}
	}
	if len(c.Claims) == 0 {
		return &ChallengeFormatError{Problem: "no claims asked for"}
	}
	return nil
}

// Expired reports whether the challenge may no longer be answered.
func (c *Challenge) Expired(now time.Time) bool { return !now.Before(c.Expires) }

package registry

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/b64"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// MaxRequestSize bounds a signed request body.
const MaxRequestSize = 1 << 20

// Skew is how far a signed request's "iat" may be from the registry's clock.
const Skew = 300 * time.Second

// AdminIss is the "iss" of requests signed with the admin key.
const AdminIss = "admin"

// SignedRequest is a parsed signed write: a compact JWS (ES256, "kid" = the
// RFC 7638 thumbprint of a registered key) whose payload is
// {"iss","iat","nonce","htm","htu","body"}. ParseSignedRequest does not
// verify the signature or look at the clock.
type SignedRequest struct {
	JWS    *jose.JWS
	KID    string
	Iss    string
	Iat    time.Time
	Nonce  string
	Method string
	Path   string
	Body   json.RawMessage
}

// RequestError reports a signed request that is malformed.
type RequestError struct{ Problem string }

func (e *RequestError) Error() string { return "signed request: " + e.Problem }

// ParseSignedRequest parses a signed write strictly: a compact JWS (an
// optional final newline aside), a "kid", and a payload object with exactly
// the six members, no duplicates, an integer "iat", a base64url "nonce" of
// 16 to 64 bytes, "htm" POST, "htu" an absolute path and "body" an object.
func ParseSignedRequest(data []byte) (*SignedRequest, error) {
	text := strings.TrimSuffix(string(data), "\n")
	if text == "" {
		return nil, &RequestError{"empty body: writes are a compact JWS (Content-Type application/jose)"}
	}
	j, err := jose.Parse(text)
	if err != nil {
		return nil, &RequestError{err.Error()}
	}
	if j.Header.Kid == "" {
		return nil, &RequestError{`header has no "kid"`}
	}
	if j.Header.Zip != "" {
		return nil, &RequestError{`header "zip" is not allowed`}
	}
	obj, err := strictjson.ParseObject(j.Payload, 16)
	if err != nil {
		return nil, &RequestError{"payload: " + err.Error()}
	}
	want := map[string]bool{"iss": true, "iat": true, "nonce": true, "htm": true, "htu": true, "body": true}
	for _, m := range obj {
		if !want[m.Name] {
			return nil, &RequestError{fmt.Sprintf("payload has unknown member %q", m.Name)}
		}
		delete(want, m.Name)
	}
	for _, name := range []string{"iss", "iat", "nonce", "htm", "htu", "body"} {
		if want[name] {
			return nil, &RequestError{fmt.Sprintf("payload lacks %q", name)}
		}
	}
	var p struct {
		Iss   string          `json:"iss"`
		Iat   json.Number     `json:"iat"`
		Nonce string          `json:"nonce"`
		Htm   string          `json:"htm"`
		Htu   string          `json:"htu"`
		Body  json.RawMessage `json:"body"`
	}
	dec := json.NewDecoder(bytes.NewReader(j.Payload))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, &RequestError{"payload: " + err.Error()}
	}
	iat, err := p.Iat.Int64()
	if err != nil || iat < 0 || iat > 1<<40 {
		return nil, &RequestError{fmt.Sprintf(`"iat" %q is not Unix seconds`, p.Iat)}
	}
	if n, err := b64.Decode(p.Nonce); err != nil || len(n) < 16 || len(n) > 64 {
		return nil, &RequestError{fmt.Sprintf(`"nonce" %q is not 16 to 64 random bytes in base64url`, p.Nonce)}
	}
	if p.Htm != "POST" {
		return nil, &RequestError{fmt.Sprintf(`"htm" %q is not "POST"`, p.Htm)}
	}
	if !strings.HasPrefix(p.Htu, "/") || len(p.Htu) > 512 {
		return nil, &RequestError{fmt.Sprintf(`"htu" %q is not a request path`, p.Htu)}
	}
	if p.Iss == "" || len(p.Iss) > 512 {
		return nil, &RequestError{fmt.Sprintf(`"iss" %q is empty or too long`, p.Iss)}
	}
	if len(p.Body) == 0 || p.Body[0] != '{' {
		return nil, &RequestError{`"body" is not an object`}
	}
	return &SignedRequest{JWS: j, KID: j.Header.Kid, Iss: p.Iss, Iat: time.Unix(iat, 0), Nonce: p.Nonce,
		Method: p.Htm, Path: p.Htu, Body: p.Body}, nil
}

// SignRequest makes the body of a signed write to path (a POST) for iss.
func SignRequest(key *jose.PrivateKey, iss, path string, body any, now time.Time) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	n := make([]byte, 16)
	if _, err := rand.Read(n); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(map[string]any{"iss": iss, "iat": now.Unix(), "nonce": b64.Encode(n),
		"htm": "POST", "htu": path, "body": json.RawMessage(raw)})
	if err != nil {
		return nil, err
	}
	jws, err := key.Sign(jose.Header{Kid: key.Public().Thumbprint()}, payload)
	if err != nil {
		return nil, err
	}
	return []byte(jws), nil
}

// decodeBody decodes a request's body object strictly into v.
func decodeBody(raw json.RawMessage, v any) error {
	// encoding/json matches names case-insensitively: exact case first.
	if err := strictjson.CheckCase(raw, v); err != nil {
		return fmt.Errorf("body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %v", err)
	}
	return nil
}

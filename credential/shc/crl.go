package shc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/immunopass/immunopass/credential/jose"
)

// CRL is a SMART Health Cards revocation list for one key (method "rid").
type CRL struct {
	KID    string   `json:"kid"`
	Method string   `json:"method"`
	Ctr    int      `json:"ctr"`
	RIDs   []string `json:"rids"`

	entries map[string]revocation
}

type revocation struct {
	entry string
	at    float64 // 0 when the entry has no timestamp: revoked whatever nbf
}

// ParseCRL parses a CRL strictly: method "rid", ctr ≥ 1, a kid, and every
// entry a base64url rid with an optional ".timestamp" (Unix seconds).
func ParseCRL(data []byte) (*CRL, error) {
	m, err := jose.ObjectMembers(data)
	if err != nil {
		return nil, &CRLError{Problem: err.Error()}
	}
	c := &CRL{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, &CRLError{Problem: err.Error()}
	}
	if _, ok := m["ctr"]; !ok || c.Ctr < 1 {
		return nil, &CRLError{KID: c.KID, Problem: "ctr missing or below 1"}
	}
	if c.KID == "" {
		return nil, &CRLError{Problem: "no kid"}
	}
	if c.Method != "rid" {
		return nil, &CRLError{KID: c.KID, Problem: fmt.Sprintf("method %q, want \"rid\"", c.Method)}
	}
	c.entries = make(map[string]revocation, len(c.RIDs))
	for _, e := range c.RIDs {
		rid, ts, hasTS := strings.Cut(e, ".")
		if rid == "" || !isBase64URL(rid) {
			return nil, &CRLError{KID: c.KID, Problem: fmt.Sprintf("entry %q is not a base64url rid", e)}
		}
		r := revocation{entry: e}
		if hasTS {
			t, err := strconv.ParseInt(ts, 10, 64)
			if err != nil || t <= 0 {
				return nil, &CRLError{KID: c.KID, Problem: fmt.Sprintf("entry %q has a bad timestamp", e)}
			}
			r.at = float64(t)
		}
		if old, dup := c.entries[rid]; dup && (old.at == 0 || r.at != 0 && old.at > r.at) {
			continue // keep the broadest revocation of a rid listed twice
		}
		c.entries[rid] = r
	}
	return c, nil
}

// Revoked reports whether a card with this rid and nbf is revoked: an entry
// without a timestamp revokes every card with the rid; an entry with one
// revokes the cards issued (nbf) before it.
func (c *CRL) Revoked(rid string, nbf float64) (string, bool) {
	if c == nil || rid == "" {
		return "", false
	}
	r, ok := c.entries[rid]
	if !ok {
		return "", false
	}
	if r.at == 0 || nbf < r.at {
		return r.entry, true
	}
	return "", false
}

// Format returns the CRL as JSON.
func (c *CRL) Format() []byte {
	out := struct {
		KID    string   `json:"kid"`
		Method string   `json:"method"`
		Ctr    int      `json:"ctr"`
		RIDs   []string `json:"rids"`
	}{c.KID, "rid", c.Ctr, c.RIDs}
	if out.RIDs == nil {
		out.RIDs = []string{}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return b
}

// RID derives a revocation identifier as the spec recommends:
// base64url(HMAC-SHA256(key = secret ‖ kid, userID)[0:8]), with the secret
// used as the text it is stored as.
func RID(secret, kid, userID string) string {
	mac := hmac.New(sha256.New, []byte(secret+kid))
	mac.Write([]byte(userID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:8])
}

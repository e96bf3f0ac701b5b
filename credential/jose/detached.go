package jose

import (
	"encoding/base64"
	"strings"
)

// SignDetached returns a compact JWS with a detached payload (RFC 7515
// Appendix F): "header..signature". The signature covers header + "." +
// base64url(payload), exactly as for [PrivateKey.Sign]; the payload travels
// beside the JWS instead of inside it.
func (p *PrivateKey) SignDetached(h Header, payload []byte) (string, error) {
	full, err := p.Sign(h, payload)
	if err != nil {
		return "", err
	}
	first, last := strings.IndexByte(full, '.'), strings.LastIndexByte(full, '.')
	return full[:first+1] + full[last:], nil
}

// ParseDetached parses a compact JWS with a detached payload
// ("header..signature") against the payload it signs, with the same
// strictness as [Parse]. It does not verify: call Verify on the result,
// whose Raw is the JWS with the payload re-attached.
func ParseDetached(detached string, payload []byte) (*JWS, error) {
	first := strings.IndexByte(detached, '.')
	if first < 0 || strings.Count(detached, ".") != 2 || !strings.HasPrefix(detached[first:], "..") {
		return nil, &EncodingError{Part: "jws", Problem: "not a detached-payload JWS (header..signature)"}
	}
	return Parse(detached[:first+1] + base64.RawURLEncoding.EncodeToString(payload) + detached[first+1:])
}

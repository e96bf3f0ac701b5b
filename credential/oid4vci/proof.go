package oid4vci

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/b64"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// ProofWindow is how far a proof's iat may be from the issuer's clock.
const ProofWindow = 5 * time.Minute

// Proof is a verified jwt key proof.
type Proof struct {
	// Key is the holder key the credential is bound to.
	Key *jose.Key
	// Nonce is the c_nonce the proof answers; the caller checks that it
	// handed it out and that it is used once.
	Nonce    string
	IssuedAt time.Time
	// Issuer is the optional "iss" (the wallet's client_id).
	Issuer string
}

// SignProof makes a jwt key proof (§F.1) with the holder key: "typ"
// openid4vci-proof+jwt, the public key as "jwk", "aud" the credential
// issuer, "iat" and the nonce from the nonce endpoint.
func SignProof(holder *jose.PrivateKey, aud, nonce string, iat time.Time) (string, error) {
	hdr, err := json.Marshal(map[string]any{"alg": jose.Alg, "typ": ProofTyp, "jwk": json.RawMessage(holder.Public().JWK())})
	if err != nil {
		return "", err
	}
	claims := map[string]any{"aud": aud, "iat": iat.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	pl, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.Encode(hdr) + "." + b64.Encode(pl)
	sig, err := holder.SignES256([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64.Encode(sig), nil
}

func proofError(i int, format string, args ...any) *Error {
	return badRequest(ErrInvalidProof, "proofs.jwt[%d]: %s", i, fmt.Sprintf(format, args...))
}

// VerifyProof checks proof number i of a request (i names it in errors):
// its form, header, signature, audience and freshness. Every failure is an
// *Error with code invalid_proof; the nonce is returned for the caller to
// check (invalid_nonce when it was not handed out, or already used).
func VerifyProof(i int, jwt, aud string, now time.Time) (*Proof, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, proofError(i, "%d dot-separated parts, want 3 (a compact JWS)", len(parts))
	}
	hb, err := b64.Decode(parts[0])
	if err != nil {
		return nil, proofError(i, "header: not base64url")
	}
	hdr, err := strictjson.ParseObject(hb, 4)
	if err != nil {
		return nil, proofError(i, "header: %v", err)
	}
	h := hdr.Map()
	str := func(name string) (string, bool, error) {
		v, ok := h[name]
		if !ok {
			return "", false, nil
		}
		s, isStr := v.(string)
		if !isStr {
			return "", true, proofError(i, "header %q: not a string", name)
		}
		return s, true, nil
	}
	typ, _, err := str("typ")
	if err != nil {
		return nil, err
	}
	if typ != ProofTyp {
		return nil, proofError(i, "header typ %q: want %q", short(typ), ProofTyp)
	}
	alg, _, err := str("alg")
	if err != nil {
		return nil, err
	}
	switch alg {
	case jose.Alg:
	case "":
		return nil, proofError(i, "header alg is missing")
	case "none":
		return nil, proofError(i, "header alg \"none\": an unsigned proof proves nothing; sign it with ES256")
	default:
		return nil, proofError(i, "header alg %q: only ES256 is accepted", short(alg))
	}
	for _, name := range []string{"x5c", "trust_chain", "key_attestation", "crit", "jku", "x5u"} {
		if _, ok := h[name]; ok {
			return nil, proofError(i, "header %q: not supported; give the key as jwk or a did:key kid", name)
		}
	}
	kid, hasKid, err := str("kid")
	if err != nil {
		return nil, err
	}
	_, hasJWK := h["jwk"]
	var key *jose.Key
	switch {
	case hasKid && hasJWK:
		return nil, proofError(i, "header has both kid and jwk; give one")
	case hasJWK:
		raw, _ := json.Marshal(strictjson.Plain(h["jwk"]))
		if key, err = jose.ParseJWK(raw); err != nil {
			return nil, proofError(i, "header jwk: %v", err)
		}
	case hasKid:
		did, _, _ := strings.Cut(kid, "#")
		if key, err = jose.ParseDIDKey(did); err != nil {
			return nil, proofError(i, "header kid: %v", err)
		}
	default:
		return nil, proofError(i, "header has no key: give jwk or a did:key kid")
	}
	sig, err := b64.Decode(parts[2])
	if err != nil {
		return nil, proofError(i, "signature: not base64url")
	}
	if err := jose.VerifyES256(key, jwt[:len(parts[0])+1+len(parts[1])], sig); err != nil {
		return nil, proofError(i, "signature: %v", err)
	}
	pb, err := b64.Decode(parts[1])
	if err != nil {
		return nil, proofError(i, "payload: not base64url")
	}
	payload, err := strictjson.ParseObject(pb, 4)
	if err != nil {
		return nil, proofError(i, "payload: %v", err)
	}
	p := payload.Map()
	switch a := p["aud"].(type) {
	case string:
		if a != aud {
			return nil, proofError(i, "aud %q: want the credential issuer %q", short(a), aud)
		}
	case []any:
		found := false
		for _, v := range a {
			found = found || v == aud
		}
		if !found {
			return nil, proofError(i, "aud does not name the credential issuer %q", aud)
		}
	case nil:
		return nil, proofError(i, "aud is missing")
	default:
		return nil, proofError(i, "aud: want a string")
	}
	var iat time.Time
	switch v := p["iat"].(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) || f < 0 || f > 1e11 {
			return nil, proofError(i, "iat %s: not a time", v)
		}
		iat = time.Unix(int64(f), 0)
	case nil:
		return nil, proofError(i, "iat is missing")
	default:
		return nil, proofError(i, "iat: want a number")
	}
	if d := now.Sub(iat); d > ProofWindow || d < -ProofWindow {
		return nil, proofError(i, "iat %s is more than %s from the issuer's time %s: check the device's clock",
			iat.UTC().Format(time.RFC3339), ProofWindow, now.UTC().Format(time.RFC3339))
	}
	out := &Proof{Key: key, IssuedAt: iat}
	switch v := p["nonce"].(type) {
	case string:
		if v == "" || len(v) > MaxCodeSize {
			return nil, proofError(i, "nonce: want 1 to %d characters", MaxCodeSize)
		}
		out.Nonce = v
	case nil:
		return nil, proofError(i, "nonce is missing: get one from the nonce endpoint")
	default:
		return nil, proofError(i, "nonce: want a string")
	}
	if v, ok := p["iss"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return nil, proofError(i, "iss: want a string")
		}
		out.Issuer = s
	}
	return out, nil
}

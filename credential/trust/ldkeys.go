package trust

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sort"
)

// addLDKeys keeps the RSA and Ed25519 JWKs among an issuer's published keys
// for the Linked Data signature suites of DIVOC certificates
// (RsaSignature2018, Ed25519Signature2018). Their kid is the
// verificationMethod id the issuer's certificates name ("did:india"). The
// ES256 formats still see these keys as bad (not P-256). A JWK that does
// not parse is skipped here: its kid is already a bad key.
func (iss *Issuer) addLDKeys(raw []json.RawMessage) {
	for _, r := range raw {
		var j struct {
			Kty, Crv, Kid, N, E, X, D string
		}
		if json.Unmarshal(r, &j) != nil || j.Kid == "" || j.D != "" {
			continue
		}
		var pub crypto.PublicKey
		switch {
		case j.Kty == "RSA":
			n, err1 := base64.RawURLEncoding.DecodeString(j.N)
			e, err2 := base64.RawURLEncoding.DecodeString(j.E)
			if err1 != nil || err2 != nil || len(n) < 128 || len(e) == 0 || len(e) > 4 {
				continue
			}
			ev := int(new(big.Int).SetBytes(e).Int64())
			if ev < 3 || ev%2 == 0 {
				continue
			}
			pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: ev}
		case j.Kty == "OKP" && j.Crv == "Ed25519":
			x, err := base64.RawURLEncoding.DecodeString(j.X)
			if err != nil || len(x) != ed25519.PublicKeySize {
				continue
			}
			pub = ed25519.PublicKey(x)
		default:
			continue
		}
		if iss.ldKeys == nil {
			iss.ldKeys = map[string]crypto.PublicKey{}
		}
		iss.ldKeys[j.Kid] = pub
	}
}

// LDKey is an issuer key for a Linked Data signature suite.
type LDKey struct {
	KID    string
	Public crypto.PublicKey // *rsa.PublicKey or ed25519.PublicKey
}

// LDKeys returns the issuer's RSA and Ed25519 keys, sorted by kid.
func (iss *Issuer) LDKeys() []LDKey {
	out := make([]LDKey, 0, len(iss.ldKeys))
	for k, v := range iss.ldKeys {
		out = append(out, LDKey{KID: k, Public: v})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].KID < out[b].KID })
	return out
}

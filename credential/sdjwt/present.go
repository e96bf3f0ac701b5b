package sdjwt

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// Held is a credential as its holder sees it: decoded, with each
// disclosure's claim path, not verified (the wallet verifies on import).
type Held struct {
	Presentation
	Claims strictjson.Object // everything disclosed
	Paths  map[string]string // disclosure → claim path
}

// Decode reads an SD-JWT without verifying the issuer signature.
func Decode(s string) (*Held, error) {
	p, err := Split(s)
	if err != nil {
		return nil, err
	}
	j, err := jose.Parse(p.IssuerJWT)
	if err != nil {
		return nil, err
	}
	payload, err := strictjson.ParseObject(j.Payload, strictjson.MaxDepth)
	if err != nil {
		return nil, &FormatError{Part: "issuer jwt payload", Problem: err.Error()}
	}
	pr, claims, err := process(p, payload)
	if err != nil {
		return nil, err
	}
	return &Held{Presentation: *p, Claims: claims, Paths: pr.paths}, nil
}

// Select returns a presentation without a KB-JWT that keeps the
// disclosures whose path keep accepts, and the disclosures that enclose
// them (a nested claim cannot be shown without its parent).
func (h *Held) Select(keep func(path string) bool) *Presentation {
	wanted := map[string]bool{}
	for _, d := range h.Disclosures {
		if p := h.Paths[d]; keep(p) {
			wanted[p] = true
		}
	}
	out := &Presentation{IssuerJWT: h.IssuerJWT}
	for _, d := range h.Disclosures {
		p := h.Paths[d]
		for w := range wanted {
			if w == p || strings.HasPrefix(w, p+".") || strings.HasPrefix(w, p+"[") {
				out.Disclosures = append(out.Disclosures, d)
				break
			}
		}
	}
	return out
}

// Bind appends a Key Binding JWT signed by the holder: iat, aud, nonce and
// the sd_hash of the presentation as it will be sent.
func Bind(p *Presentation, holder *jose.PrivateKey, aud, nonce string, iat time.Time) (string, error) {
	if aud == "" || nonce == "" {
		return "", &HolderBindingError{Problem: "aud and nonce are required"}
	}
	h := sha256.Sum256([]byte(p.SDHashInput()))
	var b strings.Builder
	b.WriteString(`{"iat":`)
	b.WriteString(itoa(iat.Unix()))
	b.WriteString(`,"aud":`)
	writeStr(&b, aud)
	b.WriteString(`,"nonce":`)
	writeStr(&b, nonce)
	b.WriteString(`,"sd_hash":"`)
	b.WriteString(base64.RawURLEncoding.EncodeToString(h[:]))
	b.WriteString(`"}`)
	kb, err := holder.Sign(jose.Header{Typ: TypKB, OmitKid: true}, []byte(b.String()))
	if err != nil {
		return "", err
	}
	bound := *p
	bound.KBJWT = kb
	return bound.String(), nil
}

package verifier

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
)

// shcFormat is SMART Health Cards: a "shc:/" QR payload or the compact JWS
// itself (from a .smart-health-card file or a pasted line).
type shcFormat struct{}

// shcDecoded is a parsed card and the JWS it came from (the JWS is what an
// anchoring proof names).
type shcDecoded struct {
	jws  string
	card *shc.Card
}

func (shcFormat) name() string { return FormatSHC }

func (shcFormat) detect(text string) bool {
	return isSHCQR(text) || strings.Count(text, ".") == 2
}

func (shcFormat) decode(text string) (any, error) {
	jws := text
	if isSHCQR(text) {
		c, err := shc.ParseQR(text)
		if err != nil {
			return nil, err
		}
		jws = c.JWS
	}
	return decodeSHCJWS(jws)
}

func decodeSHCJWS(jws string) (shcDecoded, error) {
	card, err := shc.Parse(jws)
	if err != nil {
		return shcDecoded{}, err
	}
	return shcDecoded{jws: jws, card: card}, nil
}

func isSHCQR(text string) bool {
	return len(text) >= 5 && strings.EqualFold(text[:5], "shc:/")
}

// verifySHC verifies one card's JWS (a reassembled multi-chunk card comes
// here directly).
func (v *Verifier) verifySHC(input, jws string) Result {
	d, err := decodeSHCJWS(jws)
	if err != nil {
		return failed(input, FormatSHC, err)
	}
	return shcFormat{}.check(v, input, d)
}

func (shcFormat) check(v *Verifier, input string, decoded any) Result {
	d := decoded.(shcDecoded)
	card := d.card
	ik, err := shc.Verify(card, v.Trust, v.at())
	r := failed(input, FormatSHC, err)
	r.Issuer = Issuer{ID: card.Claims.Iss, KID: card.JWS.Header.Kid}
	if ik != nil {
		r.Issuer.Name = ik.IssuerName
	}
	// What the card says is shown only once its signature holds.
	if ik == nil || errors.Is(err, jose.ErrBadSignature) {
		return r
	}
	rec, _, ferr := card.Record()
	switch {
	case ferr == nil:
		fill(&r, rec)
		// A card trimmed for its QR code states the country only of the
		// doses given outside the issuer's country (shc.IssueOptions.Country):
		// the others take the country of the issuer's accreditation.
		if is := v.Trust.Issuer(card.Claims.Iss); is != nil && is.Country != "" {
			for i := range r.Immunizations {
				if r.Immunizations[i].Country == "" {
					r.Immunizations[i].Country = is.Country
				}
			}
		}
	case slices.Contains(card.Claims.Types, shc.TypeImmunization):
		// An immunization card must hold a readable immunization record.
		codes, msgs := reasons(&SchemaError{Err: ferr})
		r.Reasons = append(r.Reasons, codes...)
		r.Messages = append(r.Messages, msgs...)
	}
	// A SMART Health Card has no selective disclosure: it shows all it holds.
	r.Disclosed = card.ResourceTypes()
	var issued time.Time
	if card.Claims.NBF > 0 {
		issued = time.Unix(int64(card.Claims.NBF), 0)
	}
	addErrors(&r, v.registryChecks(&r, d.jws, card.Claims.Iss, card.JWS.Header.Kid, issued))
	return finish(r)
}

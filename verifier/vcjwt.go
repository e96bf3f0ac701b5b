package verifier

import (
	"strings"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/b64"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// vcjwtFormat is W3C VC-JWT: a compact JWS that is not deflated (a SMART
// Health Card's JWS always is). Recognised, not verified yet.
type vcjwtFormat struct{}

func (vcjwtFormat) name() string { return FormatVCJWT }

func (vcjwtFormat) detect(text string) bool {
	if isSHCQR(text) || strings.Count(text, ".") != 2 {
		return false
	}
	// A header with "zip": "DEF" is never a VC-JWT, whether the rest parses
	// or not: a SMART Health Card's payload is left to its own decoder
	// instead of being decoded twice.
	if hb, err := b64.Decode(text[:strings.IndexByte(text, '.')]); err == nil {
		if h, err := strictjson.ParseDoc(hb, 4); err == nil {
			if zip, _ := h.Get("zip").Str(); zip == "DEF" {
				return false
			}
		}
	}
	j, err := jose.Parse(text)
	return err == nil && j.Header.Zip != "DEF"
}

func (vcjwtFormat) decode(string) (any, error) {
	return nil, &UnsupportedError{Format: "W3C VC-JWT"}
}

func (vcjwtFormat) check(_ *Verifier, input string, _ any) Result {
	return failed(input, FormatVCJWT, &UnsupportedError{Format: "W3C VC-JWT"})
}

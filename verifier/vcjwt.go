package verifier

import (
	"strings"

	"github.com/immunopass/immunopass/credential/jose"
)

// vcjwtFormat is W3C VC-JWT: a compact JWS that is not deflated (a SMART
// Health Card's JWS always is). Recognised, not verified yet.
type vcjwtFormat struct{}

func (vcjwtFormat) name() string { return FormatVCJWT }

func (vcjwtFormat) detect(text string) bool {
	if isSHCQR(text) || strings.Count(text, ".") != 2 {
		return false
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

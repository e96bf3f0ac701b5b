package verifier

import (
	"errors"
	"strings"

	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/ld"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vc"
)

// divocFormat is a DIVOC certificate: the QR payload (a ZIP archive, raw
// or after "B64:") or certificate.json itself.
type divocFormat struct{}

func (divocFormat) name() string { return FormatDIVOC }

func (divocFormat) detect(text string) bool {
	return divoc.IsPayload(text) || isDIVOCJSON([]byte(text))
}

// isDIVOCJSON reports whether data is a certificate.json.
func isDIVOCJSON(data []byte) bool {
	return len(data) > 0 && data[0] == '{' && strings.Contains(string(data), `"ProofOfVaccinationCredential"`)
}

func (divocFormat) decode(text string) (any, error) {
	data := []byte(text)
	if divoc.IsPayload(text) {
		var err error
		if data, err = divoc.Unpack(data); err != nil {
			return nil, err
		}
	}
	return divoc.Parse(data)
}

func (divocFormat) check(v *Verifier, input string, decoded any) Result {
	c := decoded.(*divoc.Certificate)
	r := failed(input, FormatDIVOC, nil)
	r.Issuer = Issuer{ID: c.Issuer, KID: c.ProofVM}
	iss := v.Trust.Issuer(c.Issuer)
	if iss == nil {
		addErrors(&r, []error{&trust.UnknownIssuerError{Iss: c.Issuer}})
		return r
	}
	r.Issuer.Name = iss.Name
	if iss.Suspended {
		addErrors(&r, []error{&trust.SuspendedError{Iss: c.Issuer, At: iss.SuspendedAt}})
		return r
	}
	var keys []divoc.Key
	for _, k := range iss.LDKeys() {
		keys = append(keys, divoc.Key{KID: k.KID, Public: k.Public})
	}
	if len(keys) == 0 {
		addErrors(&r, []error{&trust.UnknownKeyError{Iss: c.Issuer, KID: c.ProofVM}})
		return r
	}
	// issuer.kid stays the verificationMethod the certificate names, even
	// when another of the issuer's keys verified (real certificates name
	// wrong ones).
	if _, err := divoc.Verify(c, keys); err != nil {
		addErrors(&r, []error{err})
		return r
	}
	r.Subject = Subject{Name: c.Subject.Name, BirthDate: c.Subject.BirthDate}
	for _, d := range c.Doses {
		im := Immunization{Vaccine: Vaccine{Display: d.Vaccine}, Date: dateOnly(d.Date), Dose: d.Number, Lot: d.Batch, Performer: d.Facility, Country: d.Country}
		if d.Total > 0 && d.Total >= d.Number {
			im.series = d.Total // a dose past its series says nothing sure of either
		}
		if d.ICD11 != "" {
			im.Vaccine.System, im.Vaccine.Code = "http://id.who.int/icd/release/11/mms", d.ICD11
		}
		r.Immunizations = append(r.Immunizations, im)
	}
	r.Disclosed = []string{}
	return finish(r)
}

// dateOnly keeps the calendar date of an RFC 3339 date-time.
func dateOnly(s string) string {
	if len(s) > 10 && s[10] == 'T' {
		return s[:10]
	}
	return s
}

// divocReason maps the errors of packages divoc, ld and vc (Data
// Integrity) to reason codes.
func divocReason(err error) (string, bool) {
	var (
		ze *divoc.ZipError
		fe *divoc.FormatError
		he *divoc.HeaderError
		ke *divoc.KeyError
		se *divoc.UnsupportedSuiteError
		ce *ld.CoverageError
		le *ld.LimitError
		ue *ld.UnknownContextError
		te *ld.UndefinedTermError
		sy *ld.SyntaxError
		pe *ld.ProofError
		kt *vc.KeyTypeError
		ae *vc.AlgError
	)
	switch {
	case errors.As(err, &ze):
		if strings.Contains(ze.Problem, "more than") || strings.Contains(ze.Problem, "inflates past") {
			return TooLarge, true
		}
		return BadCompression, true
	case errors.Is(err, divoc.ErrBadSignature), errors.Is(err, vc.ErrDISignature):
		return BadSignature, true
	case errors.As(err, &he), errors.As(err, &se), errors.As(err, &ae):
		return BadHeader, true
	case errors.As(err, &ke), errors.As(err, &kt):
		return BadKey, true
	case errors.As(err, &le):
		return TooLarge, true
	case errors.As(err, &pe):
		return BadSignatureFormat, true
	case errors.As(err, &fe), errors.As(err, &ce), errors.As(err, &ue), errors.As(err, &te), errors.As(err, &sy):
		return BadPayload, true
	}
	return "", false
}

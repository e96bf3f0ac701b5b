package verifier

import (
	"errors"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/trust"
)

// sdjwtFormat is ImmunoPass SD-JWT VC presentations: "~" text or the
// compact "IP1:" QR form, in static, live and challenge modes.
type sdjwtFormat struct{}

func (sdjwtFormat) name() string { return FormatSDJWTVC }

func (sdjwtFormat) detect(text string) bool {
	return !isSHCQR(text) && (strings.HasPrefix(text, sdjwt.QRPrefix) || strings.Contains(text, "~"))
}

// decode unpacks the QR form; the presentation itself is parsed by
// sdjwt.Verify, which needs the trust store from its first step.
func (sdjwtFormat) decode(text string) (any, error) {
	if strings.HasPrefix(text, sdjwt.QRPrefix) {
		return sdjwt.DecodeQR(text)
	}
	return text, nil
}

func (sdjwtFormat) check(v *Verifier, input string, decoded any) Result {
	text := decoded.(string)
	var stale *trust.IssuerStatus
	opt := sdjwt.Options{
		Now: v.at(), Keys: v.Trust, Window: v.Window, Challenge: v.Challenge,
		Status: func(iss string) sdjwt.StatusSource {
			stale = v.Trust.StatusFor(iss, v.at())
			return stale
		},
	}
	vr, err := sdjwt.Verify(text, opt)
	r := failed(input, FormatSDJWTVC, err)
	if vr == nil {
		return r
	}
	r.Issuer = Issuer{ID: vr.Issuer, KID: vr.Header.Kid}
	if is := v.Trust.Issuer(vr.Issuer); is != nil {
		r.Issuer.Name = is.Name
	}
	r.Binding = vr.Binding
	r.Disclosed = append([]string{}, vr.Disclosed...)
	r.Withheld = vr.Withheld
	if vr.Binding == sdjwt.BindingStatic {
		r.Warnings = append(r.Warnings, NotHolderBound)
	}
	var skew *sdjwt.ClockSkewError
	if errors.As(err, &skew) {
		r.Warnings = append(r.Warnings, ClockSkew)
	}
	if stale != nil && len(stale.Stale) > 0 {
		r.Warnings = append(r.Warnings, StaleTrust)
		r.Messages = append(r.Messages, "status list "+strings.Join(stale.Stale, ", ")+" is past its expiry; refresh trust when online")
	}
	addErrors(&r, v.registryChecks(&r, text, vr.Issuer, vr.Header.Kid, vr.IssuedAt))
	if rec, rerr := sdjwt.ToRecord(vr.Claims); rerr == nil {
		fill(&r, rec)
	} else {
		codes, msgs := reasons(&SchemaError{Err: rerr})
		r.Reasons = append(r.Reasons, codes...)
		r.Messages = append(r.Messages, msgs...)
	}
	// Only an answer that holds in every other respect uses up its
	// challenge: a refused one does not stop the holder answering again.
	if len(r.Reasons) == 0 && v.Challenge != nil && v.Answers != nil && vr.Binding == sdjwt.BindingChallenge {
		now := v.at()
		if err := v.Answers.Use(v.Challenge.Aud, v.Challenge.Nonce, later(now, vr.KBIssued).Add(v.window()), now); err != nil {
			addErrors(&r, []error{err})
		}
	}
	return finish(r)
}

// window is the key binding freshness window in use.
func (v *Verifier) window() time.Duration {
	if v.Window == 0 {
		return sdjwt.DefaultWindow
	}
	return v.Window
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

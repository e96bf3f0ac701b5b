package verifier

import "time"

// A format is one credential format behind the pipeline. Each lives in a
// file of its own (shc.go, sdjwt.go, hcert.go, vcjwt.go); adding a format
// is adding such a file and its entry in [formats].
//
// The stages, in order:
//   - detect claims a credential text (one QR payload, one line) for the
//     format, cheaply and without judging it;
//   - decode parses it with no trust involved (encoding, compression,
//     structure); its error is the result;
//   - check verifies the decoded credential against the verifier's trust
//     store and clock and returns the normalised record the report shows:
//     issuer, subject, immunizations, binding, disclosed/withheld, kind,
//     with reasons, warnings and their messages.
type format interface {
	name() string
	detect(text string) bool
	decode(text string) (any, error)
	check(v *Verifier, input string, decoded any) Result
}

// formats in detection order: the first whose detect claims a text gets
// it. HC1: comes before the compact-JWS formats because Base45 text may
// hold dots.
var formats = []format{
	hcertFormat{},
	divocFormat{},
	vcdiFormat{},
	sdjwtFormat{},
	vcjwtFormat{},
	shcFormat{},
}

// verifyText runs one credential text through the pipeline.
func (v *Verifier) verifyText(input, text string) Result {
	for _, f := range formats {
		if !f.detect(text) {
			continue
		}
		d, err := f.decode(text)
		if err != nil {
			return failed(input, f.name(), err)
		}
		return f.check(v, input, d)
	}
	return failed(input, "", &UnrecognisedError{Start: text})
}

// finish marks a result valid when nothing failed.
func finish(r Result) Result {
	if len(r.Reasons) == 0 {
		r.Reasons = []string{OK}
		r.Valid = true
	}
	return r
}

func (v *Verifier) at() time.Time {
	if v.At.IsZero() {
		return time.Now()
	}
	return v.At
}

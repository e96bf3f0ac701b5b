package station

import (
	"slices"

	"github.com/immunopass/immunopass/verifier"
)

// Verdict is what the officer reads from across the desk.
type Verdict int

const (
	// VerdictValid: the credential verified, nothing needs a person's eye.
	VerdictValid Verdict = iota
	// VerdictInvalid: it failed; the reasons say why.
	VerdictInvalid
	// VerdictManual: it verified but the verifier cannot vouch for
	// everything (trust out of date, clocks disagree), or it is a kind of
	// credential this verifier does not decide: a person must look.
	VerdictManual
)

// manualWarnings turn a valid result into CHECK MANUALLY.
var manualWarnings = []string{verifier.StaleTrust, verifier.ClockSkew}

// Judge turns the verifier's results for one scan into one verdict and
// the result to show: the first invalid one when there are several.
func Judge(rs []verifier.Result) (Verdict, verifier.Result) {
	if len(rs) == 0 {
		return VerdictInvalid, verifier.Result{Reasons: []string{verifier.BadQR}}
	}
	r := rs[0]
	for _, x := range rs {
		if !x.Valid {
			r = x
			break
		}
	}
	switch {
	case !r.Valid && len(r.Reasons) > 0 && r.Reasons[0] == verifier.Policy:
		return VerdictManual, r
	case !r.Valid:
		return VerdictInvalid, r
	}
	for _, w := range r.Warnings {
		if slices.Contains(manualWarnings, w) {
			return VerdictManual, r
		}
	}
	return VerdictValid, r
}

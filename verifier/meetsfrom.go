package verifier

import (
	"time"

	"github.com/immunopass/immunopass/credential/policy"
)

// MeetsFromHorizon is how far ahead MeetsFrom looks.
const MeetsFromHorizon = 31 * 24 * time.Hour

// MeetsFrom answers, for a valid credential that does not meet a context
// at the instant at, from which day it would, the credential unchanged (a
// yellow fever vaccination counts from its 10th day): what a border
// officer tells the traveller, and what the verifier apps show. It tries
// each day up to MeetsFromHorizon ahead, at at's time of day; ok is false
// when none meets it (a dose is missing, not just too recent) or the
// credential is not valid. The rules are day-granular, so the day found
// is exact.
func MeetsFrom(r Result, c *policy.Context, at time.Time) (day time.Time, ok bool) {
	if !r.Valid || c == nil {
		return time.Time{}, false
	}
	s := ContextSubject(&r)
	for d := 24 * time.Hour; d <= MeetsFromHorizon; d += 24 * time.Hour {
		if v := c.Check(s, at.Add(d), "en"); v.Result == policy.Meets {
			return at.Add(d), true
		}
	}
	return time.Time{}, false
}

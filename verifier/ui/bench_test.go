package ui

import (
	"errors"
	"testing"

	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/station"
)

// BenchmarkScanToVerdict: a scanner burst (one SMART Health Card's shc:/
// text, character by character, then Enter) through the capture field's
// logic to the verdict screen built (layout repair, chunk collection,
// verification, the verdict's widgets), against the baseline of
// verifier.Verify alone on the same text, interleaved (ratiobench). One
// goroutine: the UI thread's work. The ratio is the app's overhead.
func BenchmarkScanToVerdict(b *testing.B) {
	h := newHarness(b, station.DefaultSettings())
	code := h.card("Amira", "Haddad", "2016-04-12")
	v := &verifier.Verifier{Trust: h.u.trust.Store, At: testNow}
	in := []verifier.Input{{Name: "scan", Data: []byte(code)}}
	b.ReportMetric(float64(len(code)), "chars")
	ratiobench.Run(b, func() error {
		for _, r := range code {
			h.u.typed(r)
		}
		h.u.typed('\n')
		if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
			return errors.New("no VALID verdict")
		}
		h.u.clearVerdict()
		return nil
	}, func() error {
		if rs := v.Verify(in); !rs[0].Valid {
			return errors.New("baseline: not valid")
		}
		return nil
	})
}

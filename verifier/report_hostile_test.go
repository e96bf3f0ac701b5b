package verifier

import (
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/display"
)

// TestTextReportHostile puts each hostile string in every untrusted field
// of a result: the report keeps one line per field (the detail is bounded
// at 2×display.Max, the other fields at display.Max), no control or bidi
// control reaches it, and no field passes its bound.
func TestTextReportHostile(t *testing.T) {
	for _, h := range []string{
		"\x1b[4A\x1b[J\x1b[32mVALID  SMART Health Card",
		"Ann\nVALID  SMART Health Card",
		"evil\rVALID",
		"Ann \u202eesoR\u202c",
		strings.Repeat("W", 5000),
		"Ann\xff\xfeRose",
		"Ann\x00Rose",
	} {
		r := Result{Format: FormatSHC, Input: h, Reasons: []string{UnknownIssuer}, Messages: []string{h},
			Issuer:        Issuer{ID: h, Name: h},
			Subject:       Subject{Name: h, BirthDate: h},
			Immunizations: []Immunization{{Date: h, Vaccine: Vaccine{Display: h}, Dose: 1, Lot: h, Performer: h, Country: h}},
		}
		var b strings.Builder
		if err := WriteText(&b, []Result{r}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 6 || !strings.HasPrefix(lines[0], "INVALID  ") {
			t.Errorf("%q: report has %d lines, want 6:\n%s", h, len(lines), out)
		}
		for _, l := range lines {
			if !display.Clean(l) {
				t.Errorf("%q: raw control in line %q", h, l)
			}
			if strings.Contains(l, strings.Repeat("W", 2*display.Max+1)) {
				t.Errorf("%q: a field passes %d runes", h[:10], 2*display.Max)
			}
		}
	}
}

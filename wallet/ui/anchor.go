package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/immunopass/immunopass/verifier"
)

// anchorLines says, in the user's language, whether a credential is
// anchored in the registry log and what the verifier warned about (a stale
// trust bundle with its age, a proof that does not hold).
func anchorLines(proof string, anchored *verifier.Anchor, warnings []string, trustAge string) []string {
	var lines []string
	switch {
	case anchored != nil:
		lines = append(lines, lang.N("Anchored in the registry log (entry {{.Index}}, counting from 0; {{.Count}} witness)", anchored.Cosigned,
			map[string]any{"Index": formatInt(int(anchored.Index)), "Count": formatInt(anchored.Cosigned)}))
	case proof != "":
		lines = append(lines, lang.L("Anchoring proof kept (not checked: no registry trust policy)"))
	}
	for _, w := range warnings {
		switch w {
		case "stale-trust":
			if days, ok := ageDays(trustAge); ok {
				lines = append(lines, lang.N("Trust data is {{.Count}} day old: update it", days, map[string]any{"Count": formatInt(days)}))
			} else {
				lines = append(lines, lang.L("Trust data is out of date: update it"))
			}
		case "not-anchored":
			lines = append(lines, lang.L("The anchoring proof does not hold: the record was checked without it"))
		case "clock-skew":
			lines = append(lines, lang.L("This device's clock differs from the issuer's"))
		}
	}
	return lines
}

// trustLine dates a verdict: the registry bundle it rests on ("Checked
// against the registry's trust of 2 Dec 2026 10:04"), or, without a bundle,
// when it was checked. A verdict is only as fresh as its trust.
func trustLine(asOf, checked time.Time) string {
	if !asOf.IsZero() {
		return lang.L("Checked against the registry's trust of {{.Date}}", map[string]any{"Date": formatDateTime(asOf)})
	}
	if !checked.IsZero() {
		return lang.L("Checked on {{.Date}} without registry trust (only the files in Settings)", map[string]any{"Date": formatDateTime(checked)})
	}
	return lang.L("Checked without registry trust (only the files in Settings)")
}

// ageDays reads the verifier's age text ("8d8h", "30h", "2d") as whole
// days.
func ageDays(s string) (int, bool) {
	days, hours := 0, 0
	rest := s
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return 0, false
		}
		days, rest = n, rest[i+1:]
	}
	if i := strings.IndexByte(rest, 'h'); i > 0 {
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return 0, false
		}
		hours = n
	}
	if s == "" || (days == 0 && hours == 0) {
		return 0, false
	}
	return days + hours/24, true
}

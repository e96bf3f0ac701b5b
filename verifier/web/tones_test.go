package web

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/verifier/station"
)

// TestTonesMatchDesktop: the page's WebAudio tones are the desktop app's
// notes (station.PassTone, FailTone, ManualTone), so that a desk using both
// hears the same thing.
func TestTonesMatchDesktop(t *testing.T) {
	js, err := static.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	notes := func(ns []station.Note) string {
		var parts []string
		for _, n := range ns {
			parts = append(parts, fmt.Sprintf("[%g, %d]", n.Freq, n.Dur.Milliseconds()))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	for kind, ns := range map[string][]station.Note{"valid": station.PassTone, "invalid": station.FailTone, "check": station.ManualTone} {
		want := regexp.MustCompile(`\b` + kind + `: ` + regexp.QuoteMeta(notes(ns)) + `,`)
		if !want.Match(js) {
			t.Errorf("app.js has no %s tone %s", kind, notes(ns))
		}
	}
}

package verifier

import (
	"strings"
	"testing"
)

// TestTextReportWording: no empty "Binding:" line, the log index explained,
// plurals right, and no doubled prefix ("jws jws:") in any detail.
func TestTextReportWording(t *testing.T) {
	var b strings.Builder
	results := []Result{
		{Format: FormatSDJWTVC, Binding: "none", Reasons: []string{BadEncoding}, Messages: []string{"x"}},
		{Format: FormatSDJWTVC, Binding: "static", Valid: true, Withheld: 1, Disclosed: []string{"name"},
			Anchored: &Anchor{Index: 1, LogSize: 3, Cosigned: 1}},
		{Format: FormatSHC, Valid: true, Anchored: &Anchor{Index: 0, LogSize: 1, Cosigned: 2}},
	}
	if err := WriteText(&b, results); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"Binding: \n", "witness(es)", "item(s)", "1 witnesses", "log entry 1 of 3"} {
		if strings.Contains(out, bad) {
			t.Errorf("report has %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{
		"Anchored: entry 1 of the registry log (entries count from 0; the log holds 3), cosigned by 1 witness\n",
		"cosigned by 2 witnesses\n",
		"Shown:   name (1 item withheld)",
		"Binding: none (printed or copied code)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	// Details of damaged inputs: no word repeated as its own prefix.
	doubled := func(m string) bool {
		f := strings.Fields(m)
		for i := 0; i+1 < len(f); i++ {
			if strings.HasSuffix(f[i+1], ":") && strings.TrimSuffix(f[i], ":") == strings.TrimSuffix(f[i+1], ":") {
				return true
			}
		}
		return false
	}
	v := Verifier{}
	for _, text := range []string{"a~b~", "abc", "eyJhbGciOiJFUzI1NiJ9..AAAA", "shc:/567", "eyJ.eyJ.x~abc~", `{"verifiableCredential":["x"]}`} {
		for _, r := range v.Verify([]Input{{Name: "paste", Data: []byte(text)}}) {
			for _, m := range r.Messages {
				if doubled(m) {
					t.Errorf("%q: doubled prefix in %q", text, m)
				}
			}
		}
	}
}

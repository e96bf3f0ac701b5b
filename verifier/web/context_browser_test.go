package web

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/spectest"
)

// TestBrowserContext: the rule to check is chosen on the page and
// remembered on the device; a verdict then answers it in words with the
// rules not met and their identifiers, in the page's language (French and
// Arabic too), and not for a credential that is not valid. The verdict
// tone, when turned on, is the one for the verdict.
func TestBrowserContext(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromium(t)
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shc", p))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	trustJSON := read("trust.json")
	valid := read("examples/example-00-f-qr-code-numeric-value-0.txt")
	revoked := read("examples/example-03-f-qr-code-numeric-value-0.txt")
	// A yellow fever dose 3 days ago, signed with the spec issuer's
	// published test key: valid, and meets the rule on its 10th day.
	dose := time.Now().UTC().AddDate(0, 0, -3)
	recent := yfCard(t, dose)
	srv, _ := site(t, []File{{Name: "trust.json", Data: []byte(trustJSON)}})
	vf := filepath.Join(t.TempDir(), "camera.y4m")
	video, err := y4m("", 320, 240, 2)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(vf, video, 0o644)
	b := newBrowser(t, vf)

	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	// paste verifies text as the page's Check button does, and waits for
	// the verdict.
	paste := func(text string) {
		t.Helper()
		eval(`document.getElementById('next').click(); document.getElementById('paste').value = ` + strconv.Quote(text) + `; document.getElementById('check').click(); ''`)
		if err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.CSS(`body[data-verdict]`))); err != nil {
			t.Fatal(err)
		}
	}
	load := func(lang string) {
		t.Helper()
		if err := chromedp.Do(b.ctx,
			chromedp.Navigate(srv.URL+"/?lang="+lang),
			chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
			t.Fatal(err)
		}
	}

	load("en")
	opts := eval(`[...document.getElementById('context').options].map(o => o.value + '=' + o.textContent).join('\n')`)
	for _, want := range []string{"=None: the credential's validity only", "yellow-fever=Yellow fever vaccination (IHR, Annex 7)", "school-entry-ae=School entry in the United Arab Emirates"} {
		if !strings.Contains(opts, want) {
			t.Errorf("the rule selector lacks %q:\n%s", want, opts)
		}
	}
	eval(`document.getElementById('context').value = 'school-entry-ae'; ''`)
	screenshot(t, b, "web-context-selector")
	eval(`document.getElementById('context').value = ''; ''`)
	// No rule chosen yet: a valid card, no rule answer.
	paste(valid)
	if p := eval(`document.getElementById('policy').hidden ? 'hidden' : 'shown'`); p != "hidden" {
		t.Errorf("a rule answer with no rule chosen")
	}
	// Choose yellow fever, and the tone.
	eval(`document.getElementById('next').click(); const s = document.getElementById('context'); s.value = 'yellow-fever'; s.dispatchEvent(new Event('change')); ''`)
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.ID("sound"))); err != nil {
		t.Fatal(err)
	}
	paste(valid)
	word := eval(`document.getElementById('policyWord').textContent`)
	rules := eval(`document.getElementById('policyRules').textContent`)
	if word != "Yellow fever vaccination (IHR, Annex 7): does not meet the rules" || !strings.Contains(rules, "Not met: A yellow fever vaccination is required") || !strings.Contains(rules, "YF-UN-0001") {
		t.Errorf("rule answer %q, rules %q", word, rules)
	}
	screenshot(t, b, "web-policy-en")
	paste(recent)
	rules = eval(`document.getElementById('policyRules').textContent`)
	if want := "Meets the rules from " + dose.AddDate(0, 0, 10).Format("January 2, 2006") + "."; !strings.Contains(rules, want) {
		t.Errorf("a dose 3 days old: %q lacks %q", rules, want)
	}
	screenshot(t, b, "web-policy-from-en")
	// The first verdict came before the sound was turned on.
	if tones := eval(`window.immunopassStats.tones.join(',')`); tones != "valid,valid" {
		t.Errorf("tones %q, want two valid", tones)
	}

	// Remembered on the device: French after a reload.
	load("fr")
	if c := eval(`document.getElementById('context').value + ' ' + document.getElementById('sound').checked`); c != "yellow-fever true" {
		t.Errorf("after a reload, the rule and the tone are %q", c)
	}
	paste(valid)
	word = eval(`document.getElementById('policyWord').textContent`)
	rules = eval(`document.getElementById('policyRules').textContent`)
	if word != "Vaccination contre la fièvre jaune (RSI, annexe 7) : ne respecte pas les règles" || !strings.Contains(rules, "Non respectée : Une vaccination contre la fièvre jaune est exigée") {
		t.Errorf("French rule answer %q, rules %q", word, rules)
	}
	screenshot(t, b, "web-policy-fr")

	load("ar")
	paste(valid)
	if word := eval(`document.getElementById('policyWord').textContent`); word != "التطعيم ضد الحمى الصفراء (اللوائح الصحية الدولية، المرفق 7): لا يستوفي القواعد" {
		t.Errorf("Arabic rule answer %q", word)
	}
	screenshot(t, b, "web-policy-ar")

	// A remembered rule the rules in force do not hold: said, and none
	// is checked.
	eval(`localStorage.setItem('context', 'school-entry-xx'); ''`)
	load("en")
	if note, sel := eval(`document.getElementById('ctxnote').textContent`), eval(`document.getElementById('context').value`); !strings.Contains(note, `The rule chosen cannot be checked: no context policy named "school-entry-xx"`) || sel != "" {
		t.Errorf("unknown remembered rule: note %q, selector %q", note, sel)
	}
	eval(`const c = document.getElementById('context'); c.value = 'yellow-fever'; c.dispatchEvent(new Event('change')); ''`)
	if note := eval(`document.getElementById('ctxnote').textContent`); note != "" {
		t.Errorf("a rule chosen again, yet the note says %q", note)
	}
	load("ar")

	// Not valid: no rule answer.
	paste(revoked)
	if v, p := eval(`document.body.dataset.verdict`), eval(`document.getElementById('policy').hidden ? 'hidden' : 'shown'`); v != "invalid" || p != "hidden" {
		t.Errorf("revoked card: verdict %q, rule answer %s", v, p)
	}
	// The tones played since the sound was turned on (the page's own
	// count: headless Chromium has no sound device): one per verdict.
	if tones := eval(`window.immunopassStats.tones.join(',')`); tones != "invalid" {
		t.Errorf("tones on the page loaded last %q, want invalid", tones)
	}
}

// yfCard is a SMART Health Card with one yellow fever dose on the day of
// dose, signed with the spec issuer's published test key.
func yfCard(t *testing.T, dose time.Time) string {
	t.Helper()
	d := func(tm time.Time) vax.Date { x, _ := vax.ParseDate(tm.Format(time.DateOnly)); return x }
	rec := &vax.Record{Patient: vax.Patient{Given: []string{"Karim"}, Family: "Haddad", BirthDate: d(time.Date(1985, 2, 3, 0, 0, 0, 0, time.UTC))},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: vax.SystemCVX, Code: "37"}, Date: d(dose),
			Status: vax.StatusCompleted, DoseNumber: 1, Performer: "Al Noor Family Clinic", Country: "AE"}}}
	bundle, err := rec.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	min, err := shc.Minify(bundle)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(spectest.PrivateKey(t, 0), min, shc.IssueOptions{Issuer: spectest.Iss, NotBefore: time.Now().Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	text, err := shc.EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

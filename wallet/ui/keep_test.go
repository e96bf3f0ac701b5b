package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/wallet"
)

// demoCardText is the demo record as the clinic's "shc:/" QR text.
func (c *clinic) demoCardText(t *testing.T) string {
	t.Helper()
	rec, err := vax.FromFHIR(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := rec.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	min, err := shc.Minify(bundle)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(c.key, min, shc.IssueOptions{Issuer: clinicISS, NotBefore: testNow.Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	text, err := shc.EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func hasButton(u *UI, prefix string) bool {
	for _, o := range objects(u) {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, prefix) {
			return true
		}
	}
	return false
}

// A truncated paste is an error that says why, with nothing to keep.
func TestImportTruncatedPasteIsNoRecord(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t)
	if err := u.w.AddTrust("trust.json", c.trust); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	text := c.demoCardText(t)
	u.runImport("pasted text", []byte(text[:len(text)/2]))
	mustShow(t, u, "Nothing imported from pasted text", "no readable credential")
	if hasButton(u, "Keep") {
		t.Fatalf("a Keep button for a truncated paste:\n%s", screenText(u))
	}
	if s := screenText(u); strings.Contains(s, "0 doses") || strings.Contains(s, "SMART Health Card") {
		t.Fatalf("the truncated paste is shown as a card:\n%s", s)
	}
}

// A card that does not verify is kept only through a warning, and its
// button is not the highlighted default.
func TestImportUnverifiedNeedsWarning(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t) // not in the wallet's trust: unknown issuer
	u.showSection(SectionImport)
	u.runImport("card.png", c.demoCardPNG(t))
	mustShow(t, u, "Unknown issuer: could not be checked")
	if hasButtonExact(u, "Keep") {
		t.Fatalf("a plain Keep button for an unverified card:\n%s", screenText(u))
	}
	b := button(t, u, "Keep anyway…")
	if b.Importance == widget.HighImportance {
		t.Fatal("keeping an unverified card is the highlighted default")
	}
	tap(t, u, "Keep anyway…")
	mustShow(t, u, "Keep a record that did not verify?", "did not pass the check: Unknown issuer")
	if cs, _ := u.w.Credentials(""); len(cs) != 0 {
		t.Fatal("kept before the warning was confirmed")
	}
	tap(t, u, "Keep anyway")
	cs, err := u.w.Credentials("")
	if err != nil || len(cs) != 1 {
		t.Fatalf("after confirming: %d credentials, %v", len(cs), err)
	}
	u.showPerson(cs[0].ProfileID, 2) // Records
	mustShow(t, u, "Unknown issuer: could not be checked", "without registry trust")
}

func hasButtonExact(u *UI, text string) bool {
	for _, o := range objects(u) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return true
		}
	}
	return false
}

// The reminder banner is one line (the first reminder and how many more)
// until "Show all" opens the list.
func TestReminderBannerOneLine(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	for _, p := range []wallet.Profile{
		{Given: "Nour", Family: "Haddad", BirthDate: vax.Date{Year: 2025, Month: 1, Day: 2}},
		{Given: "Karim", Family: "Haddad", BirthDate: vax.Date{Year: 2024, Month: 3, Day: 4}},
	} {
		if _, err := u.w.AddProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	u.showReminders()
	lines := u.groupReminders(mustReminders(t, u))
	if len(lines) < 3 {
		t.Fatalf("want several reminders, got %d", len(lines))
	}
	shown := 0
	for _, l := range lines[1:] { // the first is in the summary
		if strings.Contains(screenText(u), l.text()) {
			shown++
		}
	}
	if shown != 0 {
		t.Errorf("%d full reminder lines on the folded banner:\n%s", shown, screenText(u))
	}
	mustShow(t, u, "Reminders", lines[0].text()+" And ")
	tap(t, u, "Show all")
	for _, l := range lines {
		mustShow(t, u, l.text())
	}
	tap(t, u, "Show less")
	if strings.Contains(screenText(u), lines[1].text()) {
		t.Error("the list stays open after Show less")
	}
}

func mustReminders(t *testing.T, u *UI) []wallet.Reminder {
	t.Helper()
	rs, err := u.w.Reminders()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// Table columns are never narrower than their longest word: no
// "DTaP-IPV-Hib-He / pB" wraps, even in a narrow window.
func TestTableNoMidWordWraps(t *testing.T) {
	test.NewTempApp(t)
	long := "DTaP-IPV-Hib-HepB"
	tb := newTable(colHead("Date"), colHead("Vaccine"), colHead("Dose"), colHead("Lot"), colHead("Clinic"), colHead("Source"))
	tb.row(cell("14 Jun 2016"), cell(long+" (hexavalent)"), cell("1"), cell("HX2605A"), cell("Al Noor Family Clinic"), cell("SD-JWT VC, SHC"))
	w := test.NewWindow(tb.Container)
	defer w.Close()
	for _, width := range []float32{640, 900, 1300} {
		w.Resize(fyne.NewSize(width, 400))
		tb.Container.Resize(fyne.NewSize(width-2*theme.Padding(), tb.Container.MinSize().Height))
		vaccine := tb.rows[1][1].(*widget.Label)
		need := fyne.MeasureText(long, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
		if got := vaccine.Size().Width; got+0.5 < need {
			t.Errorf("window %v: the vaccine column is %.0f wide, %q needs %.0f", width, got, long, need)
		}
		clinic := tb.rows[1][4].(*widget.Label)
		if width >= 1300 && clinic.MinSize().Height > vaccine.MinSize().Height {
			t.Errorf("window %v: the clinic wraps while there is room", width)
		}
	}
}

// The window opens as large as the person screen needs, within the screen.
func TestWindowSize(t *testing.T) {
	for _, tc := range []struct{ screen, want fyne.Size }{
		{fyne.NewSize(1280, 900), fyne.NewSize(1216, 804)},
		{fyne.NewSize(1920, 1200), fyne.NewSize(1280, 860)},
		{fyne.NewSize(1366, 768), fyne.NewSize(1280, 672)},
		{fyne.NewSize(800, 600), fyne.NewSize(760, 560)},
		{fyne.Size{}, fyne.NewSize(1100, 760)},
	} {
		if got := WindowSize(tc.screen); got != tc.want {
			t.Errorf("screen %v: window %v, want %v", tc.screen, got, tc.want)
		}
	}
}

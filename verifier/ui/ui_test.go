package ui

import (
	"bytes"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/spectest"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/scan"
	"github.com/immunopass/immunopass/verifier/station"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

// The headless tests drive the real screens through Fyne's test driver:
// they type into whatever has the focus (as a scanner does), paste, drop
// files and tap, and read what the window shows.

const clinicISS = "https://clinic.example/shc"

var testNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	inline = true
	os.Setenv("LANGUAGE", "en")
	os.Exit(m.Run())
}

// clock is a test clock that moves 2 ms each time it is read: characters
// typed one after the other arrive at scanner speed.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(2 * time.Millisecond); return c.t }

type harness struct {
	t     testing.TB
	u     *UI
	dir   string
	clock *clock
	key   *jose.PrivateKey
	clear []time.Duration // auto-clear delays armed
}

// newHarness starts the app on a data folder that trusts a test clinic
// (a VCI snapshot in trust/) and the SMART Health Cards spec issuer.
func newHarness(t testing.TB, set station.Settings) *harness {
	return startHarness(t, set, harnessOpts{})
}

// harnessOpts vary the harness: the language, the sound player, a data
// folder already filled (dir) and the clock's start (now).
type harnessOpts struct {
	lang  string
	sound soundPlayer
	dir   string
	now   time.Time
}

func startHarness(t testing.TB, set station.Settings, o harnessOpts) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	if o.lang == "" {
		o.lang = "en"
	}
	SetupLanguage(o.lang)
	if o.now.IsZero() {
		o.now = testNow
	}
	k, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := o.dir
	if dir == "" {
		dir = t.TempDir()
		ts := trust.New()
		ts.AddSHCKey(clinicISS, "Al Noor Family Clinic", &shc.IssuerKey{Key: k.Public()})
		os.MkdirAll(filepath.Join(dir, station.TrustDir), 0o700)
		os.WriteFile(filepath.Join(dir, station.TrustDir, "clinic.json"), ts.Snapshot("https://directory.example", testNow.Format(time.RFC3339)), 0o600)
		os.WriteFile(filepath.Join(dir, station.TrustDir, "spec.json"), spectest.Snapshot(t), 0o600)
	}
	h := &harness{t: t, dir: dir, clock: &clock{t: o.now}, key: k}
	h.u = New(a, Config{Dir: dir, Settings: set, Now: h.clock.now, Sound: o.sound})
	h.u.clearHook = func(d time.Duration, f func()) { h.clear = append(h.clear, d) }
	h.u.Window().Resize(fyne.NewSize(1024, 720))
	return h
}

// card issues a SMART Health Card for one person and returns its QR text.
func (h *harness) card(given, family, born string) string {
	h.t.Helper()
	rec := &vax.Record{Patient: vax.Patient{Given: []string{given}, Family: family, BirthDate: mustDate(h.t, born)},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: "http://hl7.org/fhir/sid/cvx", Code: "03"},
			Date: mustDate(h.t, "2019-05-14"), Status: "completed", DoseNumber: 1, Performer: "Al Noor Family Clinic", Country: "AE"}}}
	return h.cardOf(rec, h.key)
}

func (h *harness) cardOf(rec *vax.Record, key *jose.PrivateKey) string {
	h.t.Helper()
	bundle, err := rec.FHIR()
	if err != nil {
		h.t.Fatal(err)
	}
	min, err := shc.Minify(bundle)
	if err != nil {
		h.t.Fatal(err)
	}
	jws, err := shc.Issue(key, min, shc.IssueOptions{Issuer: clinicISS, NotBefore: testNow.Add(-48 * time.Hour)})
	if err != nil {
		h.t.Fatal(err)
	}
	text, err := shc.EncodeQR(jws)
	if err != nil {
		h.t.Fatal(err)
	}
	return text
}

func mustDate(t testing.TB, s string) vax.Date {
	t.Helper()
	d, err := vax.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// scan types text into whatever has the focus, then Enter, as a
// keyboard-wedge scanner does.
func (h *harness) scan(text string) {
	h.t.Helper()
	f := h.u.Window().Canvas().Focused()
	if f == nil {
		h.t.Fatal("nothing has the focus: the scanner's characters would be lost")
	}
	test.Type(f, text)
	f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

// texts is every text the window shows, in display order of the tree.
func texts(t *testing.T, o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *canvas.Text:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, x.Text)
		case *widget.Check:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(x.Content)
		case *widget.Form:
			for _, it := range x.Items {
				out = append(out, it.Text)
				walk(it.Widget)
			}
		case fyne.Widget:
			r := test.TempWidgetRenderer(t, x)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func (h *harness) shows(want ...string) {
	h.t.Helper()
	all := strings.Join(texts(h.t.(*testing.T), h.u.Window().Content()), "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			h.t.Errorf("the window does not show %q; it shows:\n%s", w, all)
		}
	}
}

// visit calls fn with o and every object below it through containers,
// scrolls and forms, in tree order.
func visit(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			visit(c, fn)
		}
	case *container.Scroll:
		visit(x.Content, fn)
	case *widget.Form:
		for _, it := range x.Items {
			visit(it.Widget, fn)
		}
	}
}

func (h *harness) button(label string) *widget.Button {
	h.t.Helper()
	var found *widget.Button
	visit(h.u.Window().Content(), func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Button); ok && (x.Text == label || x.Text == visualOrder(label)) {
			found = x
		}
	})
	if found == nil {
		h.t.Fatalf("no %q button", label)
	}
	return found
}

func TestScanValidCard(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	if h.u.Window().Canvas().Focused() != h.u.capture {
		t.Fatal("the capture field does not have the focus on the scan screen")
	}
	h.shows("Scan a vaccination QR code", "Ready: scan a code now", "2 trusted issuers")
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("verdict %+v", h.u.verdict)
	}
	h.shows("VALID", "Amira Haddad", "Born 12 Apr 2016", "1 dose", "14 May 2019", "Issued by Al Noor Family Clinic",
		"Clears after 15 seconds")
	if len(h.clear) != 1 || h.clear[0] != 15*time.Second {
		t.Fatalf("auto-clear armed %v, want [15s]", h.clear)
	}
	// The focus stays where the scanner types: the next code replaces
	// the verdict at once.
	h.scan(h.card("Karim", "Haddad", "1985-02-03"))
	h.shows("Karim Haddad", "Born 3 Feb 1985")
	if strings.Contains(strings.Join(texts(h.t.(*testing.T), h.u.Window().Content()), "\n"), "Amira") {
		t.Fatal("the previous person is still on screen")
	}
	// Esc clears it.
	h.u.Window().Canvas().(test.WindowlessCanvas).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if h.u.verdict != nil {
		t.Fatal("Esc did not clear the verdict")
	}
	h.shows("Scan a vaccination QR code")
}

func TestAutoClear(t *testing.T) {
	set := station.DefaultSettings()
	set.AutoClear = 5
	h := newHarness(t, set)
	var clear func()
	h.u.clearHook = func(d time.Duration, f func()) { h.clear = append(h.clear, d); clear = f }
	h.scan(h.card("Amira", "Haddad", "2016-04-12"))
	if len(h.clear) != 1 || h.clear[0] != 5*time.Second {
		t.Fatalf("auto-clear %v", h.clear)
	}
	clear()
	if h.u.verdict != nil {
		t.Fatal("the delay passed and the verdict stayed")
	}
	h.shows("Scan a vaccination QR code")
	if all := strings.Join(texts(t, h.u.Window().Content()), "\n"); strings.Contains(all, "Checking") {
		t.Fatalf("the scan screen still says Checking…:\n%s", all)
	}
	if h.u.Window().Canvas().Focused() != h.u.capture {
		t.Fatal("the capture field lost the focus after the verdict cleared")
	}
}

func TestScanInvalidShowsReasons(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	other, _ := jose.GenerateKey()
	rec := &vax.Record{Patient: vax.Patient{Given: []string{"Forged"}, Family: "Person", BirthDate: mustDate(t, "2000-01-01")},
		Immunizations: []vax.Immunization{{Vaccine: vax.Coding{System: "http://hl7.org/fhir/sid/cvx", Code: "03"},
			Date: mustDate(t, "2019-05-14"), Status: "completed"}}}
	h.scan(h.cardOf(rec, other))
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictInvalid {
		t.Fatalf("verdict %+v", h.u.verdict)
	}
	h.shows("NOT VALID", "Why", "The issuer's signing key is not in the trusted list", "unknown-kid")

	// Not a health card at all.
	h.scan("hello world, not a code")
	h.shows("NOT VALID", "The credential text is damaged or not a credential", "bad-encoding")
	if h.u.verdict.codes[0] == "" || h.u.verdict.reasons[0] == h.u.verdict.codes[0] {
		t.Fatalf("reason without words: %+v", h.u.verdict)
	}
}

// TestScannerLayouts: a US-layout scanner on a French or German desk types
// other characters; the code is repaired and the layout shown.
func TestScannerLayouts(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	h.shows("Scanner keyboard layout: detected at the first scan")
	card := h.card("Amira", "Haddad", "2016-04-12")
	fr := strings.NewReplacer(":", "M", "/", "!", "1", "&", "2", "é", "3", "\"", "4", "'", "5", "(", "6", "-", "7", "è", "8", "_", "9", "ç", "0", "à")
	h.scan(fr.Replace(card))
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("French desk: %+v", h.u.verdict)
	}
	h.u.clearVerdict()
	h.shows("Scanner keyboard layout: French (AZERTY) (detected)")
	de := strings.NewReplacer(":", "Ö", "/", "-")
	h.scan(de.Replace(card))
	if h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("German desk: %+v", h.u.verdict)
	}
	h.u.clearVerdict()
	h.shows("Scanner keyboard layout: German (QWERTZ) (detected)")
}

func TestFixedLayoutSetting(t *testing.T) {
	set := station.DefaultSettings()
	set.Layout = "fr"
	h := newHarness(t, set)
	h.shows("Scanner keyboard layout: French (AZERTY) (set in the settings)")
	fr := strings.NewReplacer(":", "M", "/", "!", "1", "&", "2", "é", "3", "\"", "4", "'", "5", "(", "6", "-", "7", "è", "8", "_", "9", "ç", "0", "à")
	h.scan(fr.Replace(h.card("Amira", "Haddad", "2016-04-12")))
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("verdict %+v", h.u.verdict)
	}
}

// TestChunks scans the three QR codes of the spec's example 02 out of order.
func TestChunks(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	chunk := func(i int) string {
		return strings.TrimSpace(string(spectest.Read(t, "examples", fmt.Sprintf("example-02-f-qr-code-numeric-value-%d.txt", i))))
	}
	h.scan(chunk(1))
	h.shows("1 of 3 read: scan the next part")
	if h.u.verdict != nil {
		t.Fatal("a verdict after one part of three")
	}
	h.scan(chunk(2))
	h.shows("2 of 3 read: scan the next part")
	h.scan(chunk(0))
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("verdict %+v", h.u.verdict)
	}
	h.u.clearVerdict()
	// A part of another card starts again.
	h.scan(chunk(1))
	other := strings.Replace(chunk(0), "shc:/1/3/", "shc:/1/4/", 1)
	h.scan(other)
	h.shows("1 of 4 read (a part of another card: started again)")
	// Two minutes without the next part: dropped, and said.
	h.clock.t = h.clock.t.Add(scan.Partial + time.Second)
	h.u.ExpireChunks()
	h.shows("The parts read were dropped after 2 minutes without the next one: scan every part again.")
	h.scan(chunk(2))
	h.shows("1 of 3 read: scan the next part")
}

// TestScannerWithoutEnter: a burst that ends in silence is a code too.
func TestScannerWithoutEnter(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	test.Type(h.u.Window().Canvas().Focused(), h.card("Amira", "Haddad", "2016-04-12"))
	if h.u.verdict != nil {
		t.Fatal("verdict before the burst ended")
	}
	h.clock.t = h.clock.t.Add(200 * time.Millisecond)
	h.u.Idle()
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("verdict %+v", h.u.verdict)
	}
}

func TestPasteOpenAndDrop(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	card := h.card("Amira", "Haddad", "2016-04-12")
	h.u.app.Clipboard().SetContent(card + "\n")
	h.u.Window().Canvas().Focused().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.u.app.Clipboard()})
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("paste: %+v", h.u.verdict)
	}
	h.u.clearVerdict()

	sym, err := qr.EncodeSHC(card)
	if err != nil {
		t.Fatal(err)
	}
	png, err := sym.PNG(3)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "card.png")
	os.WriteFile(path, png, 0o600)
	h.u.dropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(path)})
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("drop: %+v", h.u.verdict)
	}
	h.shows("Amira Haddad")
	h.u.clearVerdict()

	// Open a file: an image without a code is NOT VALID with its reason.
	h.u.openFile = func(_ fyne.Window, _ []string, cb func(fyne.URIReadCloser, error)) {
		cb(readCloser(t, "blank.png", blankPNG(t)), nil)
	}
	test.Tap(h.button("Open a file…"))
	h.shows("NOT VALID", "No QR code could be read from the image", "qr-decode-error")
	h.u.clearVerdict()

	// A PDF without a QR code: said on the scan screen.
	h.u.openFile = func(_ fyne.Window, _ []string, cb func(fyne.URIReadCloser, error)) {
		cb(readCloser(t, "letter.pdf", []byte("%PDF-1.4\nnot really\n")), nil)
	}
	test.Tap(h.button("Open a file…"))
	if h.u.verdict != nil {
		t.Fatal("a verdict for a PDF that could not be read")
	}
	h.shows("This PDF could not be read: it may be damaged or protected.")
}

type uriReadCloser struct {
	*bytes.Reader
	uri fyne.URI
}

func (r uriReadCloser) Close() error  { return nil }
func (r uriReadCloser) URI() fyne.URI { return r.uri }

func readCloser(t *testing.T, name string, data []byte) fyne.URIReadCloser {
	return uriReadCloser{bytes.NewReader(data), storage.NewFileURI(filepath.Join(t.TempDir(), name))}
}

func blankPNG(t *testing.T) []byte {
	sym, err := qr.EncodeSHC("shc:/00")
	if err != nil {
		t.Fatal(err)
	}
	png, err := sym.PNG(1)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the header, drop the code: a picture with no readable QR code.
	return png[:len(png)/3]
}

// TestNothingKept scans 100 people's cards with counting on, then searches
// the data folder and the log for any name, birth date or code.
func TestNothingKept(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	set := station.DefaultSettings()
	set.Count = true
	h := newHarness(t, set)
	type person struct{ name, born, code string }
	var people []person
	for i := range 100 {
		given, family := fmt.Sprintf("Given%03dq", i), fmt.Sprintf("Family%03dz", i)
		born := fmt.Sprintf("19%02d-0%d-1%d", 10+i%90, 1+i%9, i%10)
		code := h.card(given, family, born)
		people = append(people, person{given + " " + family, born, code})
		h.scan(code)
		if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid || h.u.verdict.name != given+" "+family {
			t.Fatalf("card %d: %+v", i, h.u.verdict)
		}
	}
	h.u.clearVerdict()
	c, err := station.LoadCounts(h.dir)
	if err != nil || c[testNow.Local().Format(time.DateOnly)].Valid != 100 {
		t.Fatalf("counts %+v %v", c, err)
	}
	var kept bytes.Buffer
	filepath.WalkDir(h.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			kept.Write(data)
		}
		return nil
	})
	kept.Write(logged.Bytes())
	all := kept.String()
	for i, p := range people {
		for _, s := range []string{p.name, strings.Fields(p.name)[0], strings.Fields(p.name)[1], p.born, p.code[:40], p.code[len(p.code)-40:]} {
			if strings.Contains(all, s) {
				t.Fatalf("person %d: %q is kept in the data folder or the log", i, s)
			}
		}
	}
	if strings.Contains(all, "shc:/") {
		t.Fatal("a code is kept")
	}
	// And the app holds none in memory once cleared.
	if h.u.verdict != nil {
		t.Fatal("verdict kept")
	}
}

func TestTrustScreenUpdateNow(t *testing.T) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	served := w.Bundle
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/bundle" {
			http.NotFound(rw, r)
			return
		}
		rw.Write(served)
	}))
	defer srv.Close()
	set := station.DefaultSettings()
	set.RegistryURL = srv.URL
	h := newHarness(t, set)
	h.clock.t = verifiertest.Now
	h.u.show(ScreenTrust)
	h.shows("No trust policy", "No registry bundle loaded.")
	if !h.button("Update now").Disabled() {
		t.Fatal("Update now enabled without a trust policy")
	}
	h.u.openFile = func(_ fyne.Window, _ []string, cb func(fyne.URIReadCloser, error)) {
		cb(readCloser(t, "policy.json", w.PolicyJSON), nil)
	}
	test.Tap(h.button("Load a trust file…"))
	h.shows("Loaded policy.json.", "Installed. Bundles must be signed by the registry and at most 7d old.")
	test.Tap(h.button("Update now"))
	h.shows("Updated to version 3.", "Version 3 from https://registry.example, last updated less than an hour ago.", "Hosted Clinic")
	// The verifier uses it at once.
	h.u.show(ScreenScan)
	h.u.Paste(w.Creds["ok"])
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("ok: %+v", h.u.verdict)
	}
	h.shows("Note", "A printed or copied code", "not-holder-bound")
	h.u.Paste(w.Creds["suspended"])
	h.shows("NOT VALID", "The issuer is suspended", "issuer-suspended")
	h.u.clearVerdict()

	// A stale bundle: CHECK MANUALLY, and said on the trust screen.
	h.clock.t = verifiertest.Now.Add(200 * time.Hour)
	h.u.reloadTrust()
	h.u.Paste(w.Creds["ok"])
	if h.u.verdict.verdict != station.VerdictManual {
		t.Fatalf("stale: %+v", h.u.verdict)
	}
	h.shows("CHECK MANUALLY", "The trust data is past its refresh date: the trust bundle is 8d8h old", "stale-trust")
	h.u.show(ScreenTrust)
	h.shows("Out of date", "last updated 8 days ago")

	// An older bundle from the registry is refused, said in words.
	h.clock.t = verifiertest.Now
	served = w.Old
	test.Tap(h.button("Update now"))
	h.shows("That bundle (version 2) is older than the one in use (version 3)")
}

func TestKiosk(t *testing.T) {
	hash, err := station.HashPassphrase("gate 4 supervisor")
	if err != nil {
		t.Fatal(err)
	}
	set := station.DefaultSettings()
	set.Kiosk, set.Supervisor = true, hash
	h := newHarness(t, set)
	open := func(pass string) {
		h.u.guarded(ScreenSettings)
		top := h.u.Window().Canvas().Overlays().Top()
		if top == nil {
			t.Fatal("no passphrase dialog")
		}
		var entry *widget.Entry
		var openB *widget.Button
		var walk func(fyne.CanvasObject)
		walk = func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.Entry:
				entry = x
			case *widget.Button:
				if x.Text == "Open" {
					openB = x
				}
			case *fyne.Container:
				for _, c := range x.Objects {
					walk(c)
				}
			case fyne.Widget:
				for _, c := range test.TempWidgetRenderer(t, x).Objects() {
					walk(c)
				}
			}
		}
		walk(top)
		if entry == nil || openB == nil {
			t.Fatal("the dialog has no passphrase field or Open button")
		}
		test.Type(entry, pass)
		test.Tap(openB)
		for h.u.Window().Canvas().Overlays().Top() != nil {
			h.u.Window().Canvas().Overlays().Remove(h.u.Window().Canvas().Overlays().Top())
		}
	}
	open("not the passphrase")
	if h.u.screen != ScreenScan {
		t.Fatal("settings opened with a wrong passphrase")
	}
	open("gate 4 supervisor")
	if h.u.screen != ScreenSettings {
		t.Fatal("settings did not open with the right passphrase")
	}
	h.shows("Kiosk mode: Settings and Trust need the supervisor passphrase")
	// Back to scanning locks again.
	h.u.show(ScreenScan)
	h.u.guarded(ScreenTrust)
	if h.u.screen != ScreenScan {
		t.Fatal("the trust screen opened without the passphrase after the session")
	}
	data, _ := os.ReadFile(filepath.Join(h.dir, station.SettingsFile))
	if bytes.Contains(data, []byte("gate 4")) {
		t.Fatal("the passphrase is in the settings file")
	}
}

func TestSettingsSaved(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	h.u.show(ScreenSettings)
	h.shows("Language", "Clear the verdict", "Scanner keyboard layout", "Statistics", "Kiosk mode")
	var selects []*widget.Select
	var checks []*widget.Check
	visit(h.u.Window().Content(), func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Select:
			selects = append(selects, x)
		case *widget.Check:
			checks = append(checks, x)
		}
	})
	// language, rule to check, auto-clear, layout; sound, counts, kiosk
	if len(selects) != 4 || len(checks) != 3 {
		t.Fatalf("%d selects, %d checks", len(selects), len(checks))
	}
	selects[0].SetSelected("Français")
	selects[1].SetSelected("Yellow fever vaccination (IHR, Annex 7)")
	selects[2].SetSelected("After 30 seconds")
	selects[3].SetSelected("German (QWERTZ)")
	checks[0].SetChecked(true)
	checks[1].SetChecked(true)
	got, err := station.LoadSettings(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Language != "fr" || got.AutoClear != 30 || got.Layout != "de" || !got.Count || got.Context != "yellow-fever" || !got.Sound {
		t.Fatalf("saved %+v", got)
	}
	h.shows("The new language applies when the app starts again.")
	// Kiosk mode needs a passphrase: two that differ leave it off.
	h.u.setSupervisor("abcdefgh", "abcdefgX", func(hash string) {
		if hash != "" {
			t.Fatal("differing passphrases accepted")
		}
	})
	h.u.setSupervisor("abcdefgh", "abcdefgh", func(hash string) {
		if station.CheckPassphrase(hash, "abcdefgh") != nil {
			t.Fatal("the hash does not check")
		}
	})
}

// TestHostileStrings: what a credential says is shown sanitised (control
// characters and bidi overrides as visible escapes, bounded length), never
// raw: a name cannot reorder or hide the rest of the screen.
func TestHostileStrings(t *testing.T) {
	h := newHarness(t, station.DefaultSettings())
	long := strings.Repeat("W", 5000)
	h.u.showVerdict([]verifier.Result{{Valid: true, Reasons: []string{"ok"},
		Subject: verifier.Subject{Name: "Eve\u202eevil\x1b[2J", BirthDate: "1990-01-01\u2066"},
		Issuer:  verifier.Issuer{Name: "Clinic\x00\u2028Fake"},
		Immunizations: []verifier.Immunization{{Vaccine: verifier.Vaccine{Display: long}, Date: "2021-01-01",
			Performer: "\xff\xfe", Country: "A\u202dE"}}}})
	all := strings.Join(texts(t, h.u.Window().Content()), "\n")
	for _, bad := range []string{"\u202e", "\x1b", "\x00", "\u2028", "\u2066", "\u202d", "\xff", long[:300]} {
		if strings.Contains(all, bad) {
			t.Errorf("the window shows %q raw", bad)
		}
	}
	h.shows(`Eve\u202eevil\x1b[2J`, `Clinic\x00\u2028Fake`, "…")
}

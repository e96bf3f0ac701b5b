package ui

import (
	"bytes"
	"fmt"
	"github.com/immunopass/immunopass/credential/status"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/wallet"
	"github.com/immunopass/immunopass/wallet/store"
)

// The headless tests drive the real screens over a real (bbolt) wallet with
// cheap argon2id parameters, through Fyne's test driver: they type and tap
// as a user would, and look at what the window shows.

const (
	clinicISS = "https://clinic.example/shc"
	goodPass  = "correct horse battery"
)

var testNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	inline = true
	os.Setenv("LANGUAGE", "en")
	os.Exit(m.Run())
}

func testOptions() wallet.Options {
	return wallet.Options{Now: func() time.Time { return testNow }, Params: store.Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}}
}

// newUI starts the app on a wallet file in a temporary folder.
func newUI(t *testing.T, path string) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	SetupLanguage("en")
	if path == "" {
		path = filepath.Join(t.TempDir(), "wallet.db")
	}
	u := New(a, Config{Path: path, Options: testOptions()})
	u.win.Resize(fyne.NewSize(1000, 760))
	u.saveFile = func(_ fyne.Window, name string, _ []string, cb func(fyne.URIWriteCloser, error)) {
		w, err := storage.Writer(storage.NewFileURI(filepath.Join(filepath.Dir(path), name)))
		cb(w, err)
	}
	t.Cleanup(func() { u.lock() })
	return u
}

// --- finding things on the screen ---

func objects(u *UI) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		out = append(out, o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(x)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(u.win.Canvas().Content())
	for _, ov := range u.win.Canvas().Overlays().List() {
		walk(ov)
	}
	return out
}

func button(t *testing.T, u *UI, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	for _, o := range objects(u) {
		if b, ok := o.(*widget.Button); ok && (b.Text == text || b.Text == visualOrder(text)) {
			found = b // the last one: overlays come last
		}
	}
	if found == nil {
		t.Fatalf("no button %q on screen:\n%s", text, screenText(u))
	}
	return found
}

func tap(t *testing.T, u *UI, text string) {
	t.Helper()
	b := button(t, u, text)
	if b.Disabled() {
		t.Fatalf("button %q is disabled", text)
	}
	test.Tap(b)
}

// entries returns the visible entries (password ones included), in order.
func entries(u *UI) []*widget.Entry {
	var out []*widget.Entry
	for _, o := range objects(u) {
		if e, ok := o.(*widget.Entry); ok && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

func entry(t *testing.T, u *UI, placeholder string) *widget.Entry {
	t.Helper()
	for _, e := range entries(u) {
		if e.PlaceHolder == placeholder {
			return e
		}
	}
	t.Fatalf("no entry %q on screen:\n%s", placeholder, screenText(u))
	return nil
}

// screenText is every label, button and entry text on screen.
func screenText(u *UI) string {
	var b strings.Builder
	for _, o := range objects(u) {
		switch x := o.(type) {
		case *widget.Label:
			fmt.Fprintln(&b, x.Text)
		case *widget.Button:
			fmt.Fprintf(&b, "[%s]\n", x.Text)
		case *widget.Check:
			fmt.Fprintf(&b, "[%v] %s\n", x.Checked, x.Text)
		}
	}
	return b.String()
}

func mustShow(t *testing.T, u *UI, want ...string) {
	t.Helper()
	s := screenText(u)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

// --- a clinic that issues the demo record ---

type clinic struct {
	key    *jose.PrivateKey
	trust  []byte // VCI snapshot
	status []byte // the clinic's status list token, all valid
}

// clinicStatusURI is the test clinic's status list.
const clinicStatusURI = "https://clinic.example/status/1"

func newClinic(t *testing.T) *clinic {
	k, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ts := trust.New()
	ts.AddSHCKey(clinicISS, "Al Noor Family Clinic", &shc.IssuerKey{Key: k.Public()})
	list, err := status.New(2, status.MinSize)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := list.Token(k, clinicStatusURI, testNow.Add(-time.Hour), testNow.Add(30*24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return &clinic{key: k, trust: ts.Snapshot("https://directory.example", testNow.Format(time.RFC3339)), status: []byte(tok)}
}

// demoCardPNG is the demo record (assets/demo) as a SMART Health Card QR
// image, the way the clinic prints it.
func (c *clinic) demoCardPNG(t *testing.T) []byte {
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
	sym, err := qr.EncodeSHC(text)
	if err != nil {
		t.Fatal(err)
	}
	png, err := sym.PNG(3)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// firstRun creates a wallet through the first-run screens, with Amira as
// the first person.
func firstRun(t *testing.T, u *UI) {
	t.Helper()
	mustShow(t, u, "Welcome to ImmunoPass")
	test.Type(entry(t, u, "Passphrase"), goodPass)
	test.Type(entry(t, u, "Passphrase again"), goodPass)
	tap(t, u, "Create wallet")
	mustShow(t, u, "Who is the first person?")
	es := entries(u)
	test.Type(es[0], "Amira")
	test.Type(es[1], "Haddad")
	test.Type(es[2], "2016-04-12")
	tap(t, u, "Add person")
	if u.w == nil {
		t.Fatalf("no wallet after the first run:\n%s", screenText(u))
	}
}

func TestFirstRun(t *testing.T) {
	u := newUI(t, "")
	mustShow(t, u, "Welcome to ImmunoPass")
	// Too short, then different: clear messages, nothing created.
	test.Type(entry(t, u, "Passphrase"), "short")
	tap(t, u, "Create wallet")
	mustShow(t, u, "Too short: use at least 8 characters.")
	test.Type(entry(t, u, "Passphrase"), " enough now")
	test.Type(entry(t, u, "Passphrase again"), "something else")
	tap(t, u, "Create wallet")
	mustShow(t, u, "The two passphrases differ.")
	if _, err := os.Stat(u.cfg.Path); err == nil {
		t.Fatal("a wallet file exists before the passphrase was confirmed")
	}
	entry(t, u, "Passphrase").SetText("")
	entry(t, u, "Passphrase again").SetText("")
	firstRun(t, u)
	mustShow(t, u, "People", "Amira Haddad", "born 12 Apr 2016")
	if _, err := os.Stat(u.cfg.Path); err != nil {
		t.Fatalf("no wallet file: %v", err)
	}
}

func TestAddPerson(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	tap(t, u, "Add person")
	mustShow(t, u, "Add a person")
	es := entries(u)
	test.Type(es[len(es)-3], "Karim")
	test.Type(es[len(es)-2], "Haddad")
	test.Type(es[len(es)-1], "2025-09-18")
	tap(t, u, "Add")
	mustShow(t, u, "Amira Haddad", "Karim Haddad", "born 18 Sep 2025")
	ps, err := u.w.Profiles()
	if err != nil || len(ps) != 2 {
		t.Fatalf("profiles: %v %v", ps, err)
	}
	// A birth date the wallet cannot read is refused with an example.
	tap(t, u, "Add person")
	es = entries(u)
	test.Type(es[len(es)-3], "Nour")
	test.Type(es[len(es)-1], "18/09/2025")
	tap(t, u, "Add")
	mustShow(t, u, "Write the birth date as YYYY-MM-DD, for example 2016-04-12.")
}

func TestWrongPassphrase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallet.db")
	w, err := wallet.Create(path, []byte(goodPass), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddProfile(wallet.Profile{Given: "Amira", Family: "Haddad"}); err != nil {
		t.Fatal(err)
	}
	w.Lock()
	before, _ := os.ReadFile(path)

	u := newUI(t, path)
	mustShow(t, u, "Unlock your wallet")
	test.Type(entry(t, u, "Passphrase"), "incorrect horse")
	tap(t, u, "Unlock")
	mustShow(t, u, "Wrong passphrase. Check Caps Lock and the keyboard language, then try again.")
	if u.w != nil {
		t.Fatal("unlocked with a wrong passphrase")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a wrong passphrase changed the wallet file")
	}
	test.Type(entry(t, u, "Passphrase"), goodPass)
	tap(t, u, "Unlock")
	mustShow(t, u, "Amira Haddad")
}

func TestImportDemoCard(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t)
	if err := u.w.AddTrust("trust.json", c.trust); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	card := c.demoCardPNG(t)
	u.runImport("card.png", card)
	mustShow(t, u, "SMART Health Card · Al Noor Family Clinic", "Verified issuer", "Suggested: Amira Haddad", "born 12 Apr 2016", "6 doses")
	tap(t, u, "Keep")
	mustShow(t, u, "Kept.")
	creds, err := u.w.Credentials("")
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials: %d %v", len(creds), err)
	}
	// Again: recognised as a duplicate.
	u.runImport("card again.png", card)
	mustShow(t, u, "Already in the wallet, with Amira Haddad.")
	// The person view groups the doses by disease.
	_, err = u.w.Immunizations(creds[0].ProfileID)
	if err != nil {
		t.Fatal(err)
	}
	u.showPerson(creds[0].ProfileID, 0)
	mustShow(t, u, "Amira Haddad", "Measles", "Tuberculosis")
}

// A file dropped on the window goes through the same import.
func TestDropFile(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t)
	if err := u.w.AddTrust("trust.json", c.trust); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(p, c.demoCardPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	u.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(p)})
	mustShow(t, u, "Import records", "Verified issuer")
}

// The QR screen draws black on white in the dark theme too, and what it
// draws scans.
func TestQRScreenIsBlackOnWhiteInDarkTheme(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	u.app.Settings().SetTheme(&appTheme{variant: themeDark, scale: 1})
	text := "IP1:" + strings.Repeat("HELLO-WORLD-", 20)
	code, err := newQRText(text, 200)
	if err != nil {
		t.Fatal(err)
	}
	u.win.SetContent(container.NewStack(code))
	u.win.Resize(fyne.NewSize(500, 400))
	img := u.win.Canvas().Capture()
	// The middle of the top edge of the square is quiet zone: white.
	b := img.Bounds()
	r, g, bl, _ := img.At(b.Dx()/2, b.Dy()*1/100+2).RGBA()
	if r>>8 < 250 || g>>8 < 250 || bl>>8 < 250 {
		t.Errorf("quiet zone pixel is %v, want white", color.RGBA64{uint16(r), uint16(g), uint16(bl), 0xffff})
	}
	got, err := qr.DecodeImage(img)
	if err != nil {
		t.Fatalf("the QR screen does not scan in the dark theme: %v", err)
	}
	if got != text {
		t.Fatalf("scanned %q, want %q", got, text)
	}
	// Largest square: the side is the window's smaller dimension.
	if s := code.Size(); s.Height < 390 {
		t.Errorf("QR area %v, want the full height", s)
	}
}

func shortcut(k fyne.KeyName) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

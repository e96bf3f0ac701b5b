package ui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/scan"
	"github.com/immunopass/immunopass/verifier/station"
)

// Screens cmd/verifier-app can open directly (screenshots, demos).
const (
	ScreenScan     = "scan"
	ScreenTrust    = "trust"
	ScreenSettings = "settings"
)

const appTitle = "ImmunoPass Verifier" // a name: not translated

// Config is what cmd/verifier-app decides from its flags.
type Config struct {
	// Dir is the app's data folder: settings, the trust policy and files,
	// the optional counts. Nothing else is written anywhere.
	Dir string
	// Settings are the loaded settings (LoadSettings(Dir)).
	Settings station.Settings
	// Screen is the screen to open first (ScreenScan when empty).
	Screen string
	// Theme, when set, forces "light" or "dark" for this run.
	Theme string
	// ExitAfter, when positive, quits the app after that long
	// (measurements, screenshots).
	ExitAfter time.Duration
	// Now is the clock (nil: time.Now); the tests set it.
	Now func() time.Time
	// HTTP is the client "Update now" uses (nil: a default client).
	HTTP *http.Client
	// OnFirstFrame, when set, is called once the scan screen is shown
	// (cold-start measurement).
	OnFirstFrame func()
	// Sound plays the verdict tones (nil: the system's player, see
	// sound.go); the tests give a fake.
	Sound soundPlayer
}

// UI is the verifier's window and everything shown in it.
type UI struct {
	app fyne.App
	win fyne.Window
	cfg Config
	set station.Settings

	trust *station.TrustState
	ver   *verifier.Verifier

	// the context policies in force (loadContexts)
	contexts     *policy.Set
	contextsFrom string
	contextsErr  error

	sound soundPlayer // plays the verdict tones when the setting is on
	ask   *askState   // the Ask screen's challenge, nil when none

	askKey     *jose.PrivateKey  // this run's challenge identity (askIdentity)
	answers    *verifier.Answers // one answer per challenge, for the app's life
	askCapture *captureField     // the Ask screen's scanner field
	askProb    *widget.Label
	meetsFrom  time.Time // the day the shown credential meets the rule, when only time is missing

	burst   scan.Burst
	chunks  scan.Collector
	layout  *scan.Layout // the layout the last code was typed through
	capture *captureField
	idle    *time.Timer

	body    *fyne.Container // the screen shown under the navigation
	nav     *fyne.Container
	root    *fyne.Container
	screen  string
	verdict *verdictView // the verdict on screen, nil when none
	clear   *time.Timer
	// clearHook replaces the auto-clear timer in the headless tests.
	clearHook func(time.Duration, func())
	icons     map[string]fyne.Resource // recoloured verdict icons (verdictIcon)

	// scan screen parts
	partial  bool // parts of a card are held ("2 of 3 read" stays shown)
	scanC    fyne.CanvasObject
	progress *widget.Label
	layoutL  *widget.Label
	problem  *widget.Label

	trustMsg *widget.Label

	openFile  fileOpener
	unlocked  bool // the supervisor passphrase was given (kiosk mode)
	lastError error
}

// New makes the window (not shown yet) on the scan screen. Call
// SetupLanguage before New.
func New(a fyne.App, cfg Config) *UI {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	u := &UI{app: a, cfg: cfg, set: cfg.Settings, openFile: dialogOpen, sound: cfg.Sound}
	if u.sound == nil {
		u.sound = systemPlayer{}
	}
	a.Settings().SetTheme(&appTheme{variant: cfg.Theme})
	if cfg.ExitAfter > 0 {
		time.AfterFunc(cfg.ExitAfter, func() { onUI(a.Quit) })
	}
	u.win = a.NewWindow(appTitle)
	u.win.Resize(fyne.NewSize(1024, 720))
	u.win.SetOnDropped(u.dropped)
	// Scanner characters typed while nothing has the focus (a dialog just
	// closed, the verdict screen) still reach the scanner logic.
	u.win.Canvas().SetOnTypedRune(u.typed)
	u.win.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			u.typed('\n')
		case fyne.KeyEscape:
			u.clearVerdict()
		}
	})
	u.win.Canvas().AddShortcut(&fyne.ShortcutPaste{}, func(fyne.Shortcut) { u.pasteClipboard() })
	u.capture = newCaptureField(u.typed, u.pasteClipboard, u.refocusLater)
	u.askCapture = newCaptureField(u.typed, u.pasteClipboard, u.refocusLater)
	u.reloadTrust()
	u.body = container.NewStack()
	u.nav = u.buildNav()
	u.root = container.NewBorder(u.nav, nil, nil, nil, u.body)
	u.win.SetContent(u.root)
	switch cfg.Screen {
	case ScreenAsk:
		u.show(ScreenAsk)
	case ScreenTrust, ScreenSettings:
		u.unlocked = true // opened by the operator's own command line
		u.show(cfg.Screen)
		u.unlocked = false
	default:
		u.show(ScreenScan)
	}
	if cfg.OnFirstFrame != nil {
		u.firstFrame()
	}
	return u
}

// ScanFile verifies a file as if it had been dropped on the window (demos,
// screenshots: cmd/verifier-app --scan).
func (u *UI) ScanFile(path string) {
	data, err := readLimited(path)
	if err != nil {
		u.showProblem(err)
		return
	}
	u.verifyFiles([]verifier.Input{{Name: filepath.Base(path), Data: data}})
}

// Window returns the app window.
func (u *UI) Window() fyne.Window { return u.win }

func (u *UI) now() time.Time { return u.cfg.Now() }

// firstFrame calls OnFirstFrame once the first frame has been drawn: Fyne
// draws on its event loop, so a function queued after the content was set
// runs after that frame.
func (u *UI) firstFrame() {
	go func() {
		onUI(func() {
			if f := u.cfg.OnFirstFrame; f != nil {
				u.cfg.OnFirstFrame = nil
				f()
			}
		})
	}()
}

// buildNav is the bar over every screen: the trust status in words and the
// three screens.
func (u *UI) buildNav() *fyne.Container {
	scanB := newButtonIcon(tr("Scan"), theme.SearchIcon(), func() { u.show(ScreenScan) })
	trustB := newButtonIcon(tr("Trust"), theme.DocumentIcon(), func() { u.guarded(ScreenTrust) })
	askB := newButtonIcon(tr("Ask"), theme.QuestionIcon(), func() { u.show(ScreenAsk) })
	setB := newButtonIcon(tr("Settings"), theme.SettingsIcon(), func() { u.guarded(ScreenSettings) })
	for _, b := range []*widget.Button{scanB, askB, trustB, setB} {
		b.Importance = widget.LowImportance
	}
	title := labelStyle(appTitle, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewVBox(container.NewHBox(title, layout.NewSpacer(), scanB, askB, trustB, setB), widget.NewSeparator())
}

// show replaces the body with a screen.
func (u *UI) show(screen string) {
	u.stopClear()
	u.verdict = nil
	u.screen = screen
	u.root.Objects[0] = u.body // the verdict covers the whole window
	u.nav.Show()
	var c fyne.CanvasObject
	switch screen {
	case ScreenTrust:
		c = u.trustScreen()
	case ScreenSettings:
		c = u.settingsScreen()
	case ScreenAsk:
		c = u.askScreen()
	default:
		u.screen = ScreenScan
		u.lock()
		// Built once and kept (rebuilt when the trust or the settings
		// change): the screen comes back after every verdict.
		if u.scanC == nil {
			u.scanC = u.scanScreen()
		}
		c = u.scanC
		u.showLayout()
		u.problem.Hide()
		if !u.partial {
			setLabel(u.progress, "")
		}
	}
	u.body.Objects = []fyne.CanvasObject{c}
	u.body.Refresh()
	u.root.Refresh()
	if u.screen == ScreenScan {
		u.win.Canvas().Focus(u.capture)
	}
	if u.screen == ScreenAsk && u.ask != nil {
		u.win.Canvas().Focus(u.askCapture)
	}
}

// guarded opens a screen that kiosk mode locks, asking for the supervisor
// passphrase first.
func (u *UI) guarded(screen string) {
	if !u.set.Kiosk || u.unlocked {
		u.show(screen)
		return
	}
	pass := widget.NewPasswordEntry()
	items := []*widget.FormItem{widget.NewFormItem(tr("Supervisor passphrase"), pass)}
	dialog.ShowForm(tr("Locked (kiosk mode)"), tr("Open"), tr("Cancel"), items, func(ok bool) {
		if !ok {
			u.refocus()
			return
		}
		if err := station.CheckPassphrase(u.set.Supervisor, pass.Text); err != nil {
			dialog.ShowInformation(tr("Locked (kiosk mode)"), tr("Wrong supervisor passphrase."), u.win)
			return
		}
		u.unlocked = true
		u.show(screen)
	}, u.win)
}

// lock ends a supervisor's session when the scan screen is shown again.
func (u *UI) lock() { u.unlocked = false }

// refocus gives the focus back to the capture field when the scan or
// verdict screen is shown.
func (u *UI) refocus() {
	if u.screen == ScreenScan && u.capture != nil && u.win.Canvas().Focused() == nil {
		u.win.Canvas().Focus(u.capture)
	}
	if u.screen == ScreenAsk && u.ask != nil && u.win.Canvas().Focused() == nil {
		u.win.Canvas().Focus(u.askCapture)
	}
}

// refocusLater runs refocus after the event that took the focus.
func (u *UI) refocusLater() {
	if inline {
		return
	}
	go onUI(u.refocus)
}

// typed feeds one character from the scanner (or the keyboard).
func (u *UI) typed(r rune) {
	now := u.now()
	code, ok := u.burst.Type(r, now)
	u.armIdle()
	if ok {
		u.codes([]scan.Code{code})
	}
}

// armIdle ends a burst without Enter after scan.Gap of silence.
func (u *UI) armIdle() {
	if inline {
		return // the tests call Idle themselves
	}
	if u.idle != nil {
		u.idle.Stop()
	}
	u.idle = time.AfterFunc(scan.Gap+20*time.Millisecond, func() { onUI(u.Idle) })
}

// Idle ends the scanner burst in progress when it has been silent longer
// than scan.Gap (a scanner that sends no Enter).
func (u *UI) Idle() {
	if code, ok := u.burst.Idle(u.now()); ok {
		u.codes([]scan.Code{code})
	}
}

// pasteClipboard verifies the clipboard's text, one code a line.
func (u *UI) pasteClipboard() {
	cb := u.app.Clipboard()
	if cb == nil {
		return
	}
	u.Paste(cb.Content())
}

// Paste verifies text as if pasted: one code a line.
func (u *UI) Paste(text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	u.codes(scan.Paste(text))
}

// codes takes codes from the scanner or a paste: the layout setting is
// applied, chunks are collected, and what is complete is verified.
func (u *UI) codes(cs []scan.Code) {
	var ready []string
	for _, c := range cs {
		text := c.Text
		if u.set.Layout != station.LayoutAuto && u.set.Layout != "" {
			// The operator fixed the layout: undo exactly that one.
			if l := scan.LayoutByID(u.set.Layout); l != nil {
				if t, ok := l.Undo(c.Raw); ok {
					text = t
				}
				c.Layout = l
			}
		}
		if c.Layout != nil {
			u.layout = c.Layout
		}
		p := u.chunks.Add(text, u.now())
		u.partial = p.Total > 0 && len(p.Ready) == 0
		u.showProgress(p)
		ready = append(ready, p.Ready...)
	}
	if len(ready) > 0 {
		u.verifyTexts(ready)
	}
}

// Input names: what the verifier results call the codes (never shown).
const scannedName = "scan"

// verifyTexts verifies codes read together (one card, or its chunks).
func (u *UI) verifyTexts(texts []string) {
	ins := []verifier.Input{{Name: scannedName, Data: []byte(strings.Join(texts, "\n"))}}
	u.verifyInputs(ins)
}

// verifyInputs verifies off the UI thread and shows the verdict.
func (u *UI) verifyInputs(ins []verifier.Input) {
	v := *u.ver
	v.At = u.now()
	fromAsk := u.ask != nil && (u.screen == ScreenAsk || (u.verdict != nil && u.verdict.ask))
	if fromAsk && !u.askVerifier(&v) {
		return
	}
	if u.progress != nil && u.verdict == nil {
		setLabel(u.progress, tr("Checking…")) // a photo may take a moment to decode
	}
	async(func() (checked, error) {
		return check(&v, ins), nil
	}, func(c checked, _ error) {
		u.meetsFrom = c.meetsFrom
		u.showVerdict(c.results)
		u.verdict.ask = fromAsk
	})
}

// dropped verifies the files dropped on the window.
func (u *UI) dropped(_ fyne.Position, uris []fyne.URI) {
	var ins []verifier.Input
	for _, uri := range uris {
		data, err := readLimited(uri.Path())
		if err != nil {
			u.showProblem(err)
			continue
		}
		ins = append(ins, verifier.Input{Name: uri.Name(), Data: data})
	}
	if len(ins) > 0 {
		u.verifyFiles(ins)
	}
}

// verifyFiles verifies files (QR images, PDFs, text): a PDF's images are
// searched for QR codes first.
func (u *UI) verifyFiles(ins []verifier.Input) {
	var out []verifier.Input
	for _, in := range ins {
		if station.IsPDF(in.Data) {
			texts, err := station.PDFCodes(in.Data)
			if err != nil {
				u.showProblem(err)
				continue
			}
			out = append(out, verifier.Input{Name: in.Name, Data: []byte(strings.Join(texts, "\n"))})
			continue
		}
		out = append(out, in)
	}
	if len(out) > 0 {
		u.verifyInputs(out)
	}
}

// readLimited reads a file of at most verifier.MaxInput bytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, verifier.MaxInput+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return data, nil
}

// openAFile lets the operator pick an image, a PDF or a text file.
func (u *UI) openAFile() {
	u.openFile(u.win, []string{".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".txt", ".smart-health-card"}, func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			u.showProblem(err)
			return
		}
		if rc == nil {
			u.refocus()
			return
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, verifier.MaxInput+1))
		if err != nil {
			u.showProblem(err)
			return
		}
		u.verifyFiles([]verifier.Input{{Name: rc.URI().Name(), Data: data}})
	})
}

// reloadTrust reads the trust folder again and makes the verifier use it.
func (u *UI) reloadTrust() {
	u.trust = station.LoadTrust(u.cfg.Dir, u.now())
	u.scanC = nil
	u.ver = &verifier.Verifier{Trust: u.trust.Store}
	u.loadContexts()
}

// updateNow fetches the registry's bundle ("Update now").
func (u *UI) updateNow(done func(station.UpdateResult, error)) {
	dir, url, client, now := u.cfg.Dir, u.set.RegistryURL, u.cfg.HTTP, u.now()
	async(func() (station.UpdateResult, error) {
		return station.Update(context.Background(), client, dir, url, now)
	}, func(r station.UpdateResult, err error) {
		if err == nil {
			u.reloadTrust()
		}
		done(r, err)
	})
}

// tr translates a fixed English sentence.
func tr(s string) string { return lang.L(s) }

// trf translates a template with its data.
func trf(s string, data map[string]any) string { return lang.L(s, data) }

// trn translates a template with a count (plural forms).
func trn(s string, n int, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	if _, ok := data["Count"]; !ok {
		data["Count"] = count(n)
	}
	return lang.N(s, n, data)
}

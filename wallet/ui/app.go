package ui

import (
	"errors"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
	"github.com/immunopass/immunopass/wallet/backup"
)

// Preference keys (fyne.Preferences, per app ID).
const (
	prefLanguage = "language"   // "", "en", "fr", "ar"
	prefTheme    = "theme"      // themeSystem, themeLight, themeDark
	prefTextSize = "textSize"   // factor: 1, 1.25, 1.5, 2
	prefAutoLock = "autoLock"   // minutes, 0 = never
	prefLastUsed = "lastUsed"   // the last profile opened
	defaultLock  = 5            // minutes
	appTitle     = "ImmunoPass" // a name: not translated
)

// Sections of the main screen, in navigation order (Ctrl+1 … Ctrl+6).
const (
	SectionPeople   = "people"
	SectionImport   = "import"
	SectionPresent  = "present"
	SectionHistory  = "history"
	SectionBackup   = "backup"
	SectionSettings = "settings"
)

// Extra screens cmd/wallet can open directly (screenshots, demos).
const (
	ScreenPerson = "person" // the first person's records
	ScreenDue    = "due"    // the first person's due view
	ScreenHolder = "holder" // the first person's did:key
	ScreenQR     = "qr"     // a presentation's QR code (school preset)
	ScreenUnlock = "unlock" // stay on the unlock screen
)

// Config is what cmd/wallet decides from its flags.
type Config struct {
	// Path is the wallet file; it is created by the first-run flow.
	Path string
	// Options are passed to wallet.Create and wallet.Open.
	Options wallet.Options
	// Passphrase, when set, unlocks the wallet at start (demo and
	// screenshots only: a real user types it).
	Passphrase []byte
	// Screen is the section or screen to open after unlocking.
	Screen string
	// Offer is a clinic's OpenID4VCI offer link the app was opened with (a
	// deep link): the Receive screen opens with it after unlocking.
	Offer string
	// Theme, when set, overrides the saved theme for this run (themeLight,
	// themeDark, themeSystem).
	Theme string
	// ExitAfter, when positive, quits the app after that long
	// (measurements, screenshots).
	ExitAfter time.Duration
	// ScreenSize is the size of the screen the window opens on, zero when
	// unknown (Fyne 2.7 does not tell; cmd/wallet asks GLFW): the window
	// opens as large as the screens need, within it (WindowSize).
	ScreenSize fyne.Size
}

// WindowSize is the size the window opens at on a screen of the given size:
// wide enough for the six columns of a person's doses without wrapping a
// vaccine name, and tall enough for a screen of them (1280×860), shrunk to
// leave room for the desktop's panels on a smaller screen, never below
// what the first screens need (760×560). Unknown screen: 1100×760.
func WindowSize(screen fyne.Size) fyne.Size {
	if screen.Width <= 0 || screen.Height <= 0 {
		return fyne.NewSize(1100, 760)
	}
	w := min(1280, screen.Width-64)
	h := min(860, screen.Height-96)
	return fyne.NewSize(max(w, 760), max(h, 560))
}

// UI is the wallet's window and everything shown in it.
type UI struct {
	app fyne.App
	win fyne.Window
	cfg Config
	th  *appTheme

	w       *wallet.Wallet
	profile string // the person shown in the person view and preselected elsewhere
	// personShown is true while the person view is the body; personTab is
	// its open tab.
	personShown bool
	personTab   int

	body     *fyne.Container // the section shown beside the navigation
	banner   *fyne.Container // reminders
	nav      map[string]*widget.Button
	section  string
	lastUsed time.Time
	stopLock chan struct{}
	// importResults lists what the import screen found.
	importResults *fyne.Container
	saveFile      fileSaver
	openFile      fileOpener
	// closeQR, when set, leaves the full-window QR screen.
	closeQR func()
}

// New makes the window (not shown yet) and the first screen: the first-run
// flow when cfg.Path does not exist, else the unlock screen. Call
// SetupLanguage before New.
func New(a fyne.App, cfg Config) *UI {
	u := &UI{app: a, cfg: cfg, nav: map[string]*widget.Button{}, saveFile: dialogSave, openFile: dialogOpen}
	u.th = &appTheme{
		variant: a.Preferences().StringWithFallback(prefTheme, themeSystem),
		scale:   float32(a.Preferences().FloatWithFallback(prefTextSize, 1)),
	}
	if cfg.Theme != "" {
		u.th.variant = cfg.Theme
	}
	a.Settings().SetTheme(u.th)
	if cfg.ExitAfter > 0 {
		time.AfterFunc(cfg.ExitAfter, func() { onUI(a.Quit) })
	}
	u.win = a.NewWindow(appTitle)
	u.win.Resize(WindowSize(cfg.ScreenSize))
	u.win.SetOnDropped(u.dropped)
	u.win.SetCloseIntercept(func() { u.lock(); u.win.Close() })
	if dc, ok := u.win.Canvas().(desktop.Canvas); ok {
		dc.SetOnKeyDown(func(*fyne.KeyEvent) { u.touch() })
	}
	u.win.Canvas().SetOnTypedKey(u.typedKey)
	if _, err := os.Stat(cfg.Path); errors.Is(err, os.ErrNotExist) {
		u.showFirstRun()
	} else {
		u.showUnlock()
	}
	return u
}

// Window returns the app window.
func (u *UI) Window() fyne.Window { return u.win }

// Wallet returns the open wallet, nil while locked.
func (u *UI) Wallet() *wallet.Wallet { return u.w }

// unlocked is called once the wallet is open: it builds the main screen,
// starts the inactivity lock and shows the reminders.
func (u *UI) unlocked(w *wallet.Wallet) {
	u.w = w
	// argon2id just used tens of MiB that are garbage now: give them back
	// to the system at once rather than minutes later.
	debug.FreeOSMemory()
	u.touch()
	u.startAutoLock()
	u.buildMain()
	u.showReminders()
	screen := u.cfg.Screen
	if u.cfg.Offer != "" {
		screen = ScreenReceive
	}
	u.cfg.Screen, u.cfg.Passphrase = "", nil
	u.open(screen)
}

// open shows a section or one of the Screen* screens; "due:Karim" opens
// that person's (by given name) instead of the first person's.
func (u *UI) open(screen string) {
	screen, who, _ := strings.Cut(screen, ":")
	first := ""
	if ps, err := u.w.Profiles(); err == nil && len(ps) > 0 {
		first = ps[0].ID
		for _, p := range ps {
			if who != "" && p.Given == who {
				first = p.ID
			}
		}
	}
	switch screen {
	case ScreenPerson, ScreenDue, ScreenHolder:
		if first == "" {
			u.showSection(SectionPeople)
			return
		}
		u.profile = first
		u.showPerson(first, map[string]int{ScreenPerson: 0, ScreenDue: 1}[screen])
		if screen == ScreenHolder {
			u.showHolder(first)
		}
	case ScreenQR:
		u.showSection(SectionPresent)
		if first != "" {
			u.presentNow(wallet.PresentRequest{ProfileID: first, Preset: "school"})
		}
	case SectionImport, SectionPresent, SectionHistory, SectionBackup, SectionSettings:
		u.showSection(screen)
	case ScreenReceive:
		u.showReceive()
	default:
		u.showSection(SectionPeople)
	}
}

// buildMain lays out the navigation, the reminder banner and the body.
func (u *UI) buildMain() {
	items := []struct {
		id, label string
		icon      fyne.Resource
		key       fyne.KeyName
	}{
		{SectionPeople, lang.L("People"), theme.AccountIcon(), fyne.Key1},
		{SectionImport, lang.L("Import"), theme.DownloadIcon(), fyne.Key2},
		{SectionPresent, lang.L("Present"), theme.VisibilityIcon(), fyne.Key3},
		{SectionHistory, lang.L("History"), theme.HistoryIcon(), fyne.Key4},
		{SectionBackup, lang.L("Backup"), theme.UploadIcon(), fyne.Key5},
		{SectionSettings, lang.L("Settings"), theme.SettingsIcon(), fyne.Key6},
	}
	navBox := container.NewVBox()
	for _, it := range items {
		id := it.id
		b := newButtonIcon(it.label, it.icon, func() { u.showSection(id) })
		b.Alignment = widget.ButtonAlignLeading
		u.nav[id] = b
		navBox.Add(b)
		u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: it.key, Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) { u.touch(); u.showSection(id) })
	}
	lockBtn := newButtonIcon(lang.L("Lock"), theme.LoginIcon(), u.lockNow)
	lockBtn.Alignment = widget.ButtonAlignLeading
	u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { u.lockNow() })
	title := labelStyle(appTitle, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	nav := container.NewBorder(title, lockBtn, nil, nil, navBox)
	u.body = container.NewStack()
	u.banner = container.NewVBox()
	main := container.NewBorder(u.banner, nil, nil, nil, u.body)
	u.win.SetContent(container.NewBorder(nil, nil, container.NewPadded(nav), nil, main))
}

// showSection shows one section of the main screen.
func (u *UI) showSection(id string) {
	if u.w == nil {
		return
	}
	u.section = id
	u.personShown = false
	for k, b := range u.nav {
		if k == id {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	}
	var c fyne.CanvasObject
	switch id {
	case SectionImport:
		c = u.importScreen()
	case SectionPresent:
		c = u.presentScreen()
	case SectionHistory:
		c = u.historyScreen()
	case SectionBackup:
		c = u.backupScreen()
	case SectionSettings:
		c = u.settingsScreen()
	default:
		u.section = SectionPeople
		c = u.peopleScreen()
	}
	u.setBody(c)
}

func (u *UI) setBody(c fyne.CanvasObject) {
	u.body.Objects = []fyne.CanvasObject{c}
	u.body.Refresh()
}

// touch records user activity for the inactivity lock.
func (u *UI) touch() { u.lastUsed = time.Now() }

// startAutoLock locks the wallet after the configured minutes without
// activity. Activity is what this package can see in Fyne 2.7: buttons and
// shortcuts it handles, key presses outside text fields and typing in its
// forms (Fyne has no window-wide pointer hook).
func (u *UI) startAutoLock() {
	if u.stopLock != nil {
		close(u.stopLock)
	}
	stop := make(chan struct{})
	u.stopLock = stop
	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				onUI(u.checkIdle)
			}
		}
	}()
}

func (u *UI) checkIdle() {
	mins := u.app.Preferences().IntWithFallback(prefAutoLock, defaultLock)
	if u.w == nil || mins <= 0 || time.Since(u.lastUsed) < time.Duration(mins)*time.Minute {
		return
	}
	u.lockNow()
}

// lock forgets the open wallet.
func (u *UI) lock() {
	if u.closeQR != nil {
		u.closeQR()
	}
	if u.w != nil {
		if err := u.w.Lock(); err != nil && !errors.Is(err, wallet.ErrLocked) {
			fyne.LogError("lock", err)
		}
		u.w = nil
	}
	if u.stopLock != nil {
		close(u.stopLock)
		u.stopLock = nil
	}
}

// lockNow locks and shows the unlock screen.
func (u *UI) lockNow() {
	u.lock()
	for _, s := range u.win.Canvas().Overlays().List() {
		u.win.Canvas().Overlays().Remove(s)
	}
	u.showUnlock()
}

// typedKey handles keys no widget took: Escape leaves the QR screen.
func (u *UI) typedKey(k *fyne.KeyEvent) {
	u.touch()
	if k.Name == fyne.KeyEscape && u.closeQR != nil {
		u.closeQR()
	}
}

// dropped imports files dropped on the window.
func (u *UI) dropped(_ fyne.Position, uris []fyne.URI) {
	if u.w == nil || len(uris) == 0 {
		return
	}
	u.touch()
	u.showSection(SectionImport)
	u.importURIs(uris)
}

// showError explains an error in a dialog.
func (u *UI) showError(err error) {
	dialog.ShowError(errors.New(explain(err)), u.win)
}

// explain turns an error from package wallet into a sentence in the user's
// language; details it cannot translate (evidence quoted by the packages)
// follow after a colon.
func explain(err error) string {
	var nf *wallet.NotFoundError
	var ne *wallet.ProfileNotEmptyError
	var (
		bCorrupt  *backup.CorruptError
		bFormat   *backup.FormatError
		bVersion  *backup.VersionError
		bConflict *backup.ConflictError
	)
	switch {
	case errors.Is(err, backup.ErrWrongPassphrase):
		return lang.L("Wrong passphrase for this backup. Nothing was changed.")
	case errors.As(err, &bCorrupt):
		return lang.L("This backup file is damaged or incomplete. Nothing was changed.")
	case errors.As(err, &bVersion):
		return lang.L("This backup was made by a newer version of ImmunoPass. Update the app, then try again.")
	case errors.As(err, &bFormat):
		return lang.L("This is not an ImmunoPass backup file. Nothing was changed.")
	case errors.As(err, &bConflict):
		return lang.L("The backup differs from what this wallet holds. Confirm to replace it.")
	case errors.Is(err, wallet.ErrWrongPassphrase):
		return lang.L("Wrong passphrase. Check Caps Lock and the keyboard language, then try again.")
	case errors.Is(err, wallet.ErrLocked):
		return lang.L("The wallet is locked. Unlock it and try again.")
	case errors.Is(err, wallet.ErrNotImplemented):
		return lang.L("This is not available yet in this version.")
	case errors.As(err, &ne):
		return lang.L("This person still has records. Remove them too, or move them first.")
	case errors.As(err, &nf):
		return lang.L("Not found: it may have been removed.")
	}
	return lang.L("Something went wrong") + ": " + err.Error()
}

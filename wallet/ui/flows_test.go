package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/wallet"
)

// withDemoCard is a wallet after the first run with the demo card kept
// under Amira.
func withDemoCard(t *testing.T) *UI {
	t.Helper()
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t)
	if err := u.w.AddTrust("trust.json", c.trust); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	u.runImport("card.png", c.demoCardPNG(t))
	tap(t, u, "Keep")
	return u
}

func TestPresent(t *testing.T) {
	u := withDemoCard(t)
	u.showSection(SectionPresent)
	mustShow(t, u, "Present", "Amira Haddad")
	tap(t, u, "Show QR code")
	var code *qrCode
	for _, o := range objects(u) {
		if q, ok := o.(*qrCode); ok {
			code = q
		}
	}
	if code == nil {
		t.Fatalf("no QR code on screen:\n%s", screenText(u))
	}
	text, err := qr.DecodeImage(u.win.Canvas().Capture())
	if err != nil {
		t.Fatalf("the presented QR code does not scan: %v", err)
	}
	if len(text) < 10 {
		t.Fatalf("scanned %q", text)
	}
	// Escape leaves the QR screen; the presentation is in the history.
	u.typedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	mustShow(t, u, "Show QR code")
	hs, err := u.w.History()
	if err != nil || len(hs) != 1 {
		t.Fatalf("history: %v %v", hs, err)
	}
	u.showSection(SectionHistory)
	mustShow(t, u, "Amira Haddad")
}

func TestBackupAndRestore(t *testing.T) {
	u := withDemoCard(t)
	_, err := u.w.LastBackup()
	if err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionBackup)
	mustShow(t, u, "No backup yet.")
	tap(t, u, "Back up now…")
	es := entries(u)
	test.Type(es[len(es)-2], "backup passphrase 1")
	test.Type(es[len(es)-1], "backup passphrase 1")
	tap(t, u, "Choose where to save…")
	mustShow(t, u, "Saved immunopass-backup.age.")
	backupFile := filepath.Join(filepath.Dir(u.cfg.Path), "immunopass-backup.age")
	if _, err := os.Stat(backupFile); err != nil {
		t.Fatal(err)
	}

	// A fresh wallet on another device: first run, then restore.
	v := newUI(t, "")
	firstRun(t, v)
	v.openFile = func(_ fyne.Window, _ []string, cb func(fyne.URIReadCloser, error)) {
		r, err := storage.Reader(storage.NewFileURI(backupFile))
		cb(r, err)
	}
	v.showSection(SectionBackup)
	tap(t, v, "Restore from a backup…")
	// Wrong passphrase: a clear error, nothing changed.
	es = entries(v)
	test.Type(es[len(es)-1], "not the backup passphrase")
	tap(t, v, "Open")
	mustShow(t, v, "Wrong passphrase for this backup. Nothing was changed.")
	closeDialogs(v)
	tap(t, v, "Restore from a backup…")
	es = entries(v)
	test.Type(es[len(es)-1], "backup passphrase 1")
	tap(t, v, "Open")
	mustShow(t, v, "This backup holds", "Restoring replaces everything in this wallet now. Continue?")
	tap(t, v, "Restore")
	mustShow(t, v, "Restored.")
	creds, err := v.w.Credentials("")
	if err != nil || len(creds) != 1 {
		t.Fatalf("after restore: %d credentials, %v", len(creds), err)
	}
}

// closeDialogs dismisses every dialog shown.
func closeDialogs(u *UI) {
	for _, o := range u.win.Canvas().Overlays().List() {
		u.win.Canvas().Overlays().Remove(o)
	}
}

func TestReminderNotification(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallet.db")
	w, err := wallet.Create(path, []byte(goodPass), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	// Nothing due (no birth date), no backup yet: one reminder.
	if _, err := w.AddProfile(wallet.Profile{Given: "Amira", Family: "Haddad"}); err != nil {
		t.Fatal(err)
	}
	rs, err := w.Reminders()
	w.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Kind != "backup" {
		t.Fatalf("reminders %+v, want one about the backup", rs)
	}
	u := newUI(t, path)
	want := &fyne.Notification{Title: "ImmunoPass reminders", Content: "You have never made a backup. Make one now, and keep it off this device."}
	test.AssertNotificationSent(t, want, func() {
		test.Type(entry(t, u, "Passphrase"), goodPass)
		tap(t, u, "Unlock")
	})
	mustShow(t, u, "Reminders", want.Content)
}

// Keyboard: the unlock screen starts focused on the passphrase, Enter
// submits, Tab reaches the button; Ctrl+number shortcuts open sections.
func TestKeyboard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallet.db")
	w, err := wallet.Create(path, []byte(goodPass), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	w.Lock()
	u := newUI(t, path)
	c := u.win.Canvas()
	if _, ok := c.Focused().(*widget.Entry); !ok {
		t.Fatalf("focus is on %T, want the passphrase entry", c.Focused())
	}
	test.FocusNext(c)
	if b, ok := c.Focused().(*widget.Button); !ok || b.Text != "Unlock" {
		t.Fatalf("Tab moves to %T, want the Unlock button", c.Focused())
	}
	test.FocusPrevious(c)
	test.Type(c.Focused(), goodPass)
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if u.w == nil {
		t.Fatalf("Enter did not unlock:\n%s", screenText(u))
	}
	for _, s := range []struct {
		key     fyne.KeyName
		section string
	}{{fyne.Key2, SectionImport}, {fyne.Key4, SectionHistory}, {fyne.Key6, SectionSettings}, {fyne.Key1, SectionPeople}} {
		c.(interface {
			TypedShortcut(fyne.Shortcut)
		}).TypedShortcut(shortcut(s.key))
		if u.section != s.section {
			t.Errorf("Ctrl+%s opens %q, want %q", s.key, u.section, s.section)
		}
	}
}

// After the chosen idle time the wallet locks and asks for the passphrase.
func TestAutoLock(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	u.app.Preferences().SetInt(prefAutoLock, 1)
	u.checkIdle()
	if u.w == nil {
		t.Fatal("locked while in use")
	}
	u.lastUsed = u.lastUsed.Add(-2 * time.Minute)
	u.checkIdle()
	if u.w != nil {
		t.Fatal("not locked after 2 idle minutes")
	}
	mustShow(t, u, "Unlock your wallet")
}

package ui

import (
	"bytes"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
)

// backupScreen writes and restores the one encrypted backup file (age
// format: `age -d` opens it with the backup passphrase).
func (u *UI) backupScreen() fyne.CanvasObject {
	last := lang.L("No backup yet.")
	if t, err := u.w.LastBackup(); err == nil && !t.IsZero() {
		last = lang.L("Last backup: {{.Date}}", map[string]any{"Date": formatDateTime(t)})
	}
	backup := newButtonIcon(lang.L("Back up now…"), theme.DocumentSaveIcon(), u.backupDialog)
	backup.Importance = widget.HighImportance
	restore := newButtonIcon(lang.L("Restore from a backup…"), theme.FolderOpenIcon(), u.restoreFile)
	return container.NewVScroll(container.NewVBox(
		heading(lang.L("Backup and restore")),
		para(lang.L("A backup is one encrypted file with every person, record, key and the history. Keep it somewhere other than this device. It is protected by its own passphrase; the standard age tool can open it too.")),
		labelStyle(last, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(backup, restore),
	))
}

// passphrasePair asks for a backup passphrase twice.
func passphrasePair() (*widget.Form, func() ([]byte, error)) {
	p1 := widget.NewPasswordEntry()
	p2 := widget.NewPasswordEntry()
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Backup passphrase"), p1),
		widget.NewFormItem(lang.L("Again"), p2),
	)
	return form, func() ([]byte, error) {
		if strength(p1.Text) == 0 {
			return nil, errText(strengthText(0))
		}
		if p1.Text != p2.Text {
			return nil, errText(lang.L("The two passphrases differ."))
		}
		return []byte(p1.Text), nil
	}
}

func (u *UI) backupDialog() {
	u.touch()
	form, get := passphrasePair()
	d := dialog.NewCustomConfirm(lang.L("Back up now"), lang.L("Choose where to save…"), lang.L("Cancel"), form, func(ok bool) {
		if !ok {
			return
		}
		pass, err := get()
		if err != nil {
			u.showError(err)
			return
		}
		u.saveFile(u.win, "immunopass-backup.age", []string{".age"}, func(wc fyne.URIWriteCloser, err error) {
			if err != nil || wc == nil {
				return
			}
			w := u.w
			async(func() (struct{}, error) {
				var buf bytes.Buffer
				if err := w.Backup(&buf, pass); err != nil {
					wc.Close()
					return struct{}{}, err
				}
				_, err := wc.Write(buf.Bytes())
				if cerr := wc.Close(); err == nil {
					err = cerr
				}
				return struct{}{}, err
			}, func(_ struct{}, err error) {
				u.do(err, func() {
					dialog.ShowInformation(lang.L("Backup"), lang.L("Saved {{.File}}.", map[string]any{"File": wc.URI().Name()}), u.win)
					u.showSection(SectionBackup)
				})
			})
		})
	}, u.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

func (u *UI) restoreFile() {
	u.touch()
	u.openFile(u.win, []string{".age"}, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		async(func() ([]byte, error) {
			defer r.Close()
			return io.ReadAll(io.LimitReader(r, 256<<20))
		}, func(data []byte, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			u.restoreAsk(data)
		})
	})
}

// restoreAsk asks for the backup's passphrase, shows what the backup holds
// and confirms before replacing anything.
func (u *UI) restoreAsk(data []byte) {
	pass := widget.NewPasswordEntry()
	d := dialog.NewForm(lang.L("Restore from a backup"), lang.L("Open"), lang.L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("Backup passphrase"), pass)}, func(ok bool) {
			if !ok {
				return
			}
			p := []byte(pass.Text)
			w := u.w
			async(func() (*wallet.Snapshot, error) {
				return w.ReadBackup(bytes.NewReader(data), p)
			}, func(s *wallet.Snapshot, err error) {
				if err != nil {
					u.showError(err)
					return
				}
				u.restoreConfirm(s)
			})
		}, u.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

func (u *UI) restoreConfirm(s *wallet.Snapshot) {
	ps, _ := u.w.Profiles()
	text := lang.L("This backup holds {{.People}} people, {{.Records}} records and {{.History}} history entries.",
		map[string]any{"People": formatInt(s.Profiles), "Records": formatInt(s.Credentials), "History": formatInt(s.History)})
	if !s.Created.IsZero() {
		text += "\n" + lang.L("Made on {{.Date}}.", map[string]any{"Date": formatDateTime(s.Created)})
	}
	replace := len(ps) > 0
	if replace {
		text += "\n\n" + lang.L("Restoring replaces everything in this wallet now. Continue?")
	}
	d := dialog.NewConfirm(lang.L("Restore from a backup"), text, func(ok bool) {
		if !ok {
			return
		}
		w := u.w
		async(func() (struct{}, error) {
			return struct{}{}, w.Restore(s, replace)
		}, func(_ struct{}, err error) {
			u.do(err, func() {
				dialog.ShowInformation(lang.L("Restore from a backup"), lang.L("Restored."), u.win)
				u.showSection(SectionPeople)
			})
		})
	}, u.win)
	d.SetConfirmText(lang.L("Restore"))
	d.SetDismissText(lang.L("Cancel"))
	d.Show()
}

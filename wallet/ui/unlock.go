package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
)

// showUnlock asks for the passphrase. A wrong one says so and keeps the
// screen; nothing is touched.
func (u *UI) showUnlock() {
	title := heading(lang.L("Unlock your wallet"))
	pass := widget.NewPasswordEntry()
	pass.SetPlaceHolder(lang.L("Passphrase"))
	msg := label("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	btn := newButtonIcon(lang.L("Unlock"), theme.LoginIcon(), nil)
	btn.Importance = widget.HighImportance
	submit := func() {
		if pass.Text == "" {
			setLabel(msg, lang.L("Type your passphrase."))
			return
		}
		setLabel(msg, "")
		btn.Disable()
		btn.SetText(lang.L("Unlocking…"))
		p := []byte(pass.Text)
		async(func() (*wallet.Wallet, error) {
			return wallet.Open(u.cfg.Path, p, u.cfg.Options)
		}, func(w *wallet.Wallet, err error) {
			btn.Enable()
			btn.SetText(lang.L("Unlock"))
			if err != nil {
				setLabel(msg, explain(err))
				pass.SetText("")
				u.win.Canvas().Focus(pass)
				return
			}
			pass.SetText("")
			u.unlocked(w)
		})
	}
	btn.OnTapped = submit
	pass.OnSubmitted = func(string) { submit() }
	u.win.SetContent(centered(container.NewVBox(title, label(lang.L("Passphrase")), pass, msg, btn)))
	u.win.Canvas().Focus(pass)
	if len(u.cfg.Passphrase) > 0 && u.cfg.Screen != ScreenUnlock {
		pass.SetText(string(u.cfg.Passphrase))
		submit()
	}
}

package ui

import (
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
)

// minPassphrase is the shortest passphrase the first-run flow accepts.
const minPassphrase = 8

// strength rates a passphrase 0 (too short) to 3 (strong) by length and
// character variety: a hint for the user, not a guarantee.
func strength(p string) int {
	n := len([]rune(p))
	if n < minPassphrase {
		return 0
	}
	var classes int
	var lower, upper, digit, other bool
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	switch {
	case n >= 16 || (n >= 12 && classes >= 3):
		return 3
	case n >= 10 || classes >= 3:
		return 2
	}
	return 1
}

func strengthText(s int) string {
	switch s {
	case 0:
		return lang.L("Too short: use at least 8 characters.")
	case 1:
		return lang.L("Weak: a few unrelated words are easier to remember and stronger.")
	case 2:
		return lang.L("Fair: longer is better.")
	}
	return lang.L("Strong.")
}

// showFirstRun asks for a new passphrase, creates the wallet, then asks for
// the first person.
func (u *UI) showFirstRun() {
	title := heading(lang.L("Welcome to ImmunoPass"))
	intro := label(lang.L("Your family's vaccination records, encrypted on this device. Choose a passphrase: it unlocks the wallet and nobody can recover it for you."))
	intro.Wrapping = fyne.TextWrapWord
	pass := widget.NewPasswordEntry()
	pass.SetPlaceHolder(lang.L("Passphrase"))
	confirm := widget.NewPasswordEntry()
	confirm.SetPlaceHolder(lang.L("Passphrase again"))
	// Advice first; the verdict on its strength once something is typed.
	hint := label(lang.L("Use at least 8 characters: a few unrelated words are easy to remember and strong."))
	hint.Wrapping = fyne.TextWrapWord
	bar := widget.NewProgressBar()
	bar.Max = 3
	bar.TextFormatter = func() string { return "" }
	msg := label("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	create := newButtonIcon(lang.L("Create wallet"), theme.ConfirmIcon(), nil)
	create.Importance = widget.HighImportance
	pass.OnChanged = func(s string) {
		u.touch()
		st := strength(s)
		setLabel(hint, strengthText(st))
		bar.SetValue(float64(st))
	}
	submit := func() {
		switch {
		case strength(pass.Text) == 0:
			setLabel(msg, strengthText(0))
			u.win.Canvas().Focus(pass)
			return
		case pass.Text != confirm.Text:
			setLabel(msg, lang.L("The two passphrases differ."))
			u.win.Canvas().Focus(confirm)
			return
		}
		setLabel(msg, "")
		create.Disable()
		create.SetText(lang.L("Creating…"))
		p := []byte(pass.Text)
		async(func() (*wallet.Wallet, error) {
			return wallet.Create(u.cfg.Path, p, u.cfg.Options)
		}, func(w *wallet.Wallet, err error) {
			if err != nil {
				create.Enable()
				create.SetText(lang.L("Create wallet"))
				setLabel(msg, explain(err))
				return
			}
			u.w = w
			u.showAddFirstPerson()
		})
	}
	create.OnTapped = submit
	pass.OnSubmitted = func(string) { u.win.Canvas().Focus(confirm) }
	confirm.OnSubmitted = func(string) { submit() }
	form := container.NewVBox(title, intro,
		label(lang.L("Passphrase")), pass,
		bar, hint,
		label(lang.L("Confirm the passphrase")), confirm,
		msg, create)
	u.win.SetContent(centered(form))
	u.win.Canvas().Focus(pass)
}

// showAddFirstPerson is the second first-run step.
func (u *UI) showAddFirstPerson() {
	title := heading(lang.L("Who is the first person?"))
	intro := label(lang.L("Add yourself or a family member. You can add more people later."))
	intro.Wrapping = fyne.TextWrapWord
	form, get := personForm(wallet.Profile{})
	msg := label("")
	msg.Importance = widget.DangerImportance
	msg.Wrapping = fyne.TextWrapWord
	add := newButtonIcon(lang.L("Add person"), theme.ContentAddIcon(), nil)
	add.Importance = widget.HighImportance
	add.OnTapped = func() {
		p, err := get()
		if err != nil {
			setLabel(msg, err.Error())
			return
		}
		if _, err := u.w.AddProfile(p); err != nil {
			setLabel(msg, explain(err))
			return
		}
		u.unlocked(u.w)
	}
	form.SubmitText = ""
	form.OnSubmit = nil
	u.win.SetContent(centered(container.NewVBox(title, intro, form, msg, add)))
	u.win.Canvas().Focus(form.Items[0].Widget.(fyne.Focusable))
}

// errText is an error whose message is already in the user's language.
type errText string

func (e errText) Error() string { return string(e) }

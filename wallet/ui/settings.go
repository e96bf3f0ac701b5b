package ui

import (
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// languageNames are written in their own language, so anyone finds theirs.
var languageNames = []struct{ code, name string }{
	{"", ""}, // system: translated below
	{"en", "English"},
	{"fr", "Français"},
	{"ar", "العربية"},
}

var textSizes = []float64{1, 1.25, 1.5, 2}

var lockMinutes = []int{1, 5, 15, 60, 0}

// settingsScreen: language (at the next start), theme, text size,
// passphrase and auto-lock.
func (u *UI) settingsScreen() fyne.CanvasObject {
	prefs := u.app.Preferences()

	var langOpts []string
	for _, l := range languageNames {
		if l.code == "" {
			langOpts = append(langOpts, lang.L("System language"))
		} else {
			langOpts = append(langOpts, l.name)
		}
	}
	language := widget.NewSelect(langOpts, nil)
	cur := prefs.String(prefLanguage)
	for i, l := range languageNames {
		if l.code == cur {
			language.SetSelectedIndex(i)
		}
	}
	restart := label("")
	restart.Importance = widget.WarningImportance
	language.OnChanged = func(string) {
		u.touch()
		code := languageNames[language.SelectedIndex()].code
		prefs.SetString(prefLanguage, code)
		if code != cur {
			setLabel(restart, lang.L("Restart ImmunoPass to use the new language."))
		} else {
			setLabel(restart, "")
		}
	}

	themes := []string{themeSystem, themeLight, themeDark}
	themeNames := []string{lang.L("Same as the system"), lang.L("Light"), lang.L("Dark")}
	th := widget.NewRadioGroup(themeNames, nil)
	th.Horizontal = true
	th.Required = true
	th.SetSelected(themeNames[max(0, slices.Index(themes, u.th.variant))])
	th.OnChanged = func(s string) {
		u.touch()
		v := themes[max(0, slices.Index(themeNames, s))]
		prefs.SetString(prefTheme, v)
		u.th.variant = v
		u.app.Settings().SetTheme(&appTheme{variant: v, scale: u.th.scale})
	}

	var sizeNames []string
	for _, s := range textSizes {
		sizeNames = append(sizeNames, formatInt(int(s*100))+" %")
	}
	size := widget.NewSelect(sizeNames, nil)
	size.SetSelectedIndex(max(0, slices.Index(textSizes, float64(u.th.scale))))
	size.OnChanged = func(string) {
		u.touch()
		s := textSizes[size.SelectedIndex()]
		prefs.SetFloat(prefTextSize, s)
		u.th.scale = float32(s)
		u.app.Settings().SetTheme(&appTheme{variant: u.th.variant, scale: u.th.scale})
	}

	var lockNames []string
	for _, m := range lockMinutes {
		if m == 0 {
			lockNames = append(lockNames, lang.L("Never"))
		} else {
			lockNames = append(lockNames, visualOrder(lang.N("After {{.Count}} minute", m, map[string]any{"Count": digits(strconv.Itoa(m))}))) // a Select shows its options as given
		}
	}
	autoLock := widget.NewSelect(lockNames, nil)
	autoLock.SetSelectedIndex(max(0, slices.Index(lockMinutes, prefs.IntWithFallback(prefAutoLock, defaultLock))))
	autoLock.OnChanged = func(string) {
		u.touch()
		prefs.SetInt(prefAutoLock, lockMinutes[autoLock.SelectedIndex()])
	}

	change := newButton(lang.L("Change passphrase…"), u.changePassphraseDialog)

	form := widget.NewForm(
		widget.NewFormItem(lang.L("Language"), container.NewVBox(language, restart)),
		widget.NewFormItem(lang.L("Theme"), th),
		widget.NewFormItem(lang.L("Text size"), size),
		widget.NewFormItem(lang.L("Lock when idle"), autoLock),
		widget.NewFormItem(lang.L("Passphrase"), change),
	)
	keys := para(lang.L("Keyboard: Tab and Shift+Tab move between controls, Enter confirms, Escape closes the QR code, Ctrl+1 to Ctrl+6 open the sections, Ctrl+L locks."))
	return container.NewVScroll(container.NewVBox(heading(lang.L("Settings")), form, keys))
}

func (u *UI) changePassphraseDialog() {
	u.touch()
	old := widget.NewPasswordEntry()
	p1 := widget.NewPasswordEntry()
	p2 := widget.NewPasswordEntry()
	hint := label(strengthText(0))
	hint.Wrapping = fyne.TextWrapWord
	p1.OnChanged = func(s string) { u.touch(); setLabel(hint, strengthText(strength(s))) }
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Current passphrase"), old),
		widget.NewFormItem(lang.L("New passphrase"), p1),
		widget.NewFormItem("", hint),
		widget.NewFormItem(lang.L("Again"), p2),
	}
	d := dialog.NewForm(lang.L("Change passphrase"), lang.L("Change"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		if strength(p1.Text) == 0 {
			u.showError(errText(strengthText(0)))
			return
		}
		if p1.Text != p2.Text {
			u.showError(errText(lang.L("The two passphrases differ.")))
			return
		}
		o, n := []byte(old.Text), []byte(p1.Text)
		w := u.w
		async(func() (struct{}, error) {
			return struct{}{}, w.ChangePassphrase(o, n)
		}, func(_ struct{}, err error) {
			u.do(err, func() {
				dialog.ShowInformation(lang.L("Change passphrase"), lang.L("The passphrase is changed."), u.win)
			})
		})
	}, u.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/verifier/station"
)

var languageNames = map[string]string{"en": "English", "fr": "Français", "ar": "العربية"}

// settingsScreen: language, auto-clear delay, scanner layout, counting,
// registry address and kiosk mode. Each change is saved at once.
func (u *UI) settingsScreen() fyne.CanvasObject {
	box := container.NewVBox(heading(tr("Settings")))
	form := widget.NewForm()

	langOpts := []string{tr("System language")}
	for _, c := range station.Languages {
		langOpts = append(langOpts, languageNames[c])
	}
	langSel := widget.NewSelect(langOpts, nil)
	if n := languageNames[u.set.Language]; n != "" {
		langSel.SetSelected(n)
	} else {
		langSel.SetSelected(langOpts[0])
	}
	langNote := label("")
	langSel.OnChanged = func(s string) {
		code := ""
		for c, n := range languageNames {
			if n == s {
				code = c
			}
		}
		if code == u.set.Language {
			return
		}
		u.set.Language = code
		u.save()
		setLabel(langNote, tr("The new language applies when the app starts again."))
	}
	form.Append(tr("Language"), container.NewVBox(langSel, langNote))
	u.contextSettings(form)

	clearOpts := make([]string, len(station.AutoClearChoices))
	for i, s := range station.AutoClearChoices {
		clearOpts[i] = visualOrder(clearName(s)) // a Select shows its options as given
	}
	clearSel := widget.NewSelect(clearOpts, nil)
	clearSel.SetSelected(visualOrder(clearName(u.set.AutoClear)))
	clearSel.OnChanged = func(s string) {
		for _, c := range station.AutoClearChoices {
			if visualOrder(clearName(c)) == s && c != u.set.AutoClear {
				u.set.AutoClear = c
				u.save()
			}
		}
	}
	form.Append(tr("Clear the verdict"), clearSel)

	layoutIDs := []string{station.LayoutAuto, "us", "fr", "de"}
	layoutOpts := make([]string, len(layoutIDs))
	for i, id := range layoutIDs {
		layoutOpts[i] = visualOrder(layoutName(id))
	}
	layoutSel := widget.NewSelect(layoutOpts, nil)
	layoutSel.SetSelected(visualOrder(layoutName(u.set.Layout)))
	layoutSel.OnChanged = func(s string) {
		for _, id := range layoutIDs {
			if visualOrder(layoutName(id)) == s && id != u.set.Layout {
				u.set.Layout = id
				u.save()
			}
		}
	}
	form.Append(tr("Scanner keyboard layout"), container.NewVBox(layoutSel,
		para(tr("Automatic recognises a US-layout scanner on a French or German keyboard from each code."))))

	countCheck := widget.NewCheck(visualOrder(tr("Count verifications per day (numbers only: no names, no codes)")), nil)
	countCheck.SetChecked(u.set.Count)
	countCheck.OnChanged = func(b bool) {
		if b != u.set.Count {
			u.set.Count = b
			u.save()
		}
	}
	today := label(u.todayCounts())
	form.Append(tr("Statistics"), container.NewVBox(countCheck, today))

	reg := widget.NewEntry()
	reg.SetPlaceHolder(tr("The address in the registry bundle"))
	reg.SetText(u.set.RegistryURL)
	reg.OnSubmitted = func(s string) {
		u.set.RegistryURL = strings.TrimSpace(s)
		u.save()
	}
	reg.OnChanged = func(s string) {
		u.set.RegistryURL = strings.TrimSpace(s)
		u.save() // a few bytes a keystroke: nothing is lost when the operator leaves
	}
	form.Append(tr("Registry address"), reg)

	kiosk := widget.NewCheck(visualOrder(tr("Kiosk mode: Settings and Trust need the supervisor passphrase")), nil)
	kiosk.SetChecked(u.set.Kiosk)
	kiosk.OnChanged = func(b bool) {
		if b == u.set.Kiosk {
			return
		}
		if !b {
			u.set.Kiosk, u.set.Supervisor = false, ""
			u.save()
			return
		}
		u.askSupervisor(func(hash string) {
			if hash == "" {
				kiosk.SetChecked(false)
				return
			}
			u.set.Kiosk, u.set.Supervisor = true, hash
			u.unlocked = true
			u.save()
		})
	}
	form.Append(tr("Kiosk mode"), kiosk)
	box.Add(form)
	box.Add(widget.NewSeparator())
	box.Add(para(tr("This app keeps no record of who was verified: the verdict disappears from the screen and from memory. Only the daily counts above are kept, if you turn them on.")))
	return container.NewVScroll(container.NewPadded(box))
}

// clearName is an auto-clear delay in words.
func clearName(s int) string {
	if s == 0 {
		return tr("Never (until the next scan)")
	}
	return trn("After {{.Count}} second", s, nil)
}

// todayCounts is today's counts in words.
func (u *UI) todayCounts() string {
	if !u.set.Count {
		return ""
	}
	c, err := station.LoadCounts(u.cfg.Dir)
	if err != nil {
		return ""
	}
	d := c[u.now().Local().Format(time.DateOnly)]
	return trf("Today: {{.Valid}} valid, {{.Invalid}} not valid, {{.Manual}} to check manually",
		map[string]any{"Valid": count(d.Valid), "Invalid": count(d.Invalid), "Manual": count(d.Manual)})
}

// save writes the settings, saying so when it fails.
func (u *UI) save() {
	u.scanC = nil
	if err := u.set.Save(u.cfg.Dir); err != nil {
		u.lastError = err
		dialog.ShowInformation(tr("Settings"), tr("The settings could not be saved:")+" "+err.Error(), u.win)
	}
}

// askSupervisor asks for a new supervisor passphrase, twice, and hashes
// it; done gets "" when the supervisor cancels.
func (u *UI) askSupervisor(done func(string)) {
	p1, p2 := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	items := []*widget.FormItem{
		widget.NewFormItem(tr("Supervisor passphrase"), p1),
		widget.NewFormItem(tr("Again"), p2),
	}
	dialog.ShowForm(tr("Kiosk mode"), tr("Lock"), tr("Cancel"), items, func(ok bool) {
		if !ok {
			done("")
			return
		}
		u.setSupervisor(p1.Text, p2.Text, done)
	}, u.win)
}

// setSupervisor checks and hashes a new supervisor passphrase.
func (u *UI) setSupervisor(p1, p2 string, done func(string)) {
	if p1 != p2 {
		dialog.ShowInformation(tr("Kiosk mode"), tr("The two passphrases differ. Kiosk mode stays off."), u.win)
		done("")
		return
	}
	async(func() (string, error) { return station.HashPassphrase(p1) }, func(h string, err error) {
		if err != nil {
			dialog.ShowInformation(tr("Kiosk mode"), tr("The supervisor passphrase needs at least 6 characters. Kiosk mode stays off."), u.win)
			done("")
			return
		}
		done(h)
	})
}

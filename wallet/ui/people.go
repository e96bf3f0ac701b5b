package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
)

// peopleScreen lists the family: favourite first, then the user's order.
func (u *UI) peopleScreen() fyne.CanvasObject {
	add := newButtonIcon(lang.L("Add person"), theme.ContentAddIcon(), u.addPersonDialog)
	add.Importance = widget.HighImportance
	top := container.NewBorder(nil, nil, nil, add, heading(lang.L("People")))
	ps, err := u.w.Profiles()
	if err != nil {
		return container.NewBorder(top, nil, nil, nil, para(explain(err)))
	}
	rows := container.NewVBox()
	if len(ps) == 0 {
		rows.Add(para(lang.L("No one yet. Add a person to start.")))
	}
	for i, p := range ps {
		rows.Add(u.personRow(p, i, len(ps)))
		rows.Add(widget.NewSeparator())
	}
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(rows))
}

func (u *UI) personRow(p wallet.Profile, i, n int) fyne.CanvasObject {
	name := labelStyle(p.Name(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	var details []string
	if !p.BirthDate.IsZero() {
		details = append(details, lang.L("born {{.Date}}", map[string]any{"Date": formatVaxDate(p.BirthDate)}))
	}
	details = append(details, countryName(p.Country))
	if creds, err := u.w.Credentials(p.ID); err == nil {
		details = append(details, lang.N("{{.Count}} record", len(creds), map[string]any{"Count": formatInt(len(creds))}))
	}
	info := label(joinDot(details))
	info.Truncation = fyne.TextTruncateEllipsis
	id := p.ID
	open := newButtonIcon(lang.L("Open"), theme.NavigateNextIcon(), func() { u.touch(); u.showPerson(id, 0) })
	open.Importance = widget.HighImportance
	favIcon := theme.ContentAddIcon()
	favLabel := lang.L("Make favourite")
	if p.Favourite {
		favIcon = theme.ConfirmIcon()
		favLabel = lang.L("Favourite")
	}
	fav := newButtonIcon(favLabel, favIcon, func() {
		target := id
		if p.Favourite {
			target = ""
		}
		u.do(u.w.SetFavourite(target), func() { u.showSection(SectionPeople) })
	})
	up := newButtonIcon("", theme.MoveUpIcon(), func() {
		u.do(u.w.MoveProfile(id, i-1), func() { u.showSection(SectionPeople) })
	})
	down := newButtonIcon("", theme.MoveDownIcon(), func() {
		u.do(u.w.MoveProfile(id, i+1), func() { u.showSection(SectionPeople) })
	})
	if i == 0 || p.Favourite {
		up.Disable()
	}
	if i == n-1 || p.Favourite {
		down.Disable()
	}
	edit := newButtonIcon(lang.L("Edit"), theme.DocumentCreateIcon(), func() { u.editPersonDialog(p) })
	remove := newButtonIcon(lang.L("Remove"), theme.DeleteIcon(), func() { u.removePerson(p) })
	remove.Importance = widget.DangerImportance
	buttons := container.NewHBox(open, fav, up, down, edit, remove)
	star := widget.NewIcon(theme.AccountIcon())
	return container.NewBorder(nil, nil, star, nil,
		container.NewVBox(name, info, container.NewHBox(buttons, layout.NewSpacer())))
}

func joinDot(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " · "
		}
		out += p
	}
	return out
}

// do shows err, or runs then.
func (u *UI) do(err error, then func()) {
	u.touch()
	if err != nil {
		u.showError(err)
		return
	}
	if then != nil {
		then()
	}
}

func (u *UI) addPersonDialog() {
	u.touch()
	form, get := personForm(wallet.Profile{})
	var d dialog.Dialog
	msg := label("")
	msg.Importance = widget.DangerImportance
	content := container.NewVBox(form, msg)
	d = dialog.NewCustomConfirm(lang.L("Add a person"), lang.L("Add"), lang.L("Cancel"), content, func(ok bool) {
		if !ok {
			return
		}
		p, err := get()
		if err != nil {
			u.showError(err)
			return
		}
		added, err := u.w.AddProfile(p)
		u.do(err, func() { u.profile = added.ID; u.showSection(SectionPeople) })
	}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
	u.win.Canvas().Focus(form.Items[0].Widget.(fyne.Focusable))
}

func (u *UI) editPersonDialog(p wallet.Profile) {
	u.touch()
	form, get := personForm(p)
	d := dialog.NewCustomConfirm(lang.L("Edit {{.Name}}", map[string]any{"Name": p.Name()}), lang.L("Save"), lang.L("Cancel"), form, func(ok bool) {
		if !ok {
			return
		}
		np, err := get()
		if err != nil {
			u.showError(err)
			return
		}
		u.do(u.w.UpdateProfile(np), func() { u.refresh() })
	}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// removePerson asks, then removes; a person with records needs a second,
// explicit confirmation.
func (u *UI) removePerson(p wallet.Profile) {
	u.touch()
	n := 0
	if creds, err := u.w.Credentials(p.ID); err == nil {
		n = len(creds)
	}
	text := lang.L("Remove {{.Name}} from the wallet?", map[string]any{"Name": p.Name()})
	if n > 0 {
		text += "\n" + lang.N("Their {{.Count}} record will be deleted too.", n, map[string]any{"Count": formatInt(n)})
	}
	text += "\n" + lang.L("A backup made before keeps them.")
	d := dialog.NewConfirm(lang.L("Remove a person"), text, func(ok bool) {
		if !ok {
			return
		}
		u.do(u.w.RemoveProfile(p.ID, n > 0), func() {
			if u.profile == p.ID {
				u.profile = ""
			}
			u.showSection(SectionPeople)
		})
	}, u.win)
	d.SetConfirmText(lang.L("Remove"))
	d.SetDismissText(lang.L("Cancel"))
	d.Show()
}

// refresh rebuilds what is shown (after an edit).
func (u *UI) refresh() {
	if u.section == SectionPeople && u.profile != "" && u.personShown {
		u.showPerson(u.profile, u.personTab)
		return
	}
	u.showSection(u.section)
}

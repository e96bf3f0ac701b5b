package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
)

// reminderText says a reminder in the user's language.
func reminderText(r wallet.Reminder) string {
	data := reminderData(r)
	switch r.Kind {
	case "due":
		return lang.L("{{.Person}}: {{.Vaccine}} ({{.Disease}}) is due since {{.Date}}.", data)
	case "overdue":
		return lang.L("{{.Person}}: {{.Vaccine}} ({{.Disease}}) is overdue since {{.Date}}.", data)
	case "expiring":
		return lang.L("{{.Person}}: a record expires on {{.Date}}.", data)
	case "backup":
		if r.At.IsZero() {
			return lang.L("You have never made a backup. Make one now, and keep it off this device.")
		}
		return lang.L("Your last backup is from {{.Date}}. Make a new one.", data)
	}
	return r.Title
}

// showReminders computes the reminders (Fyne has no scheduler: this runs at
// each unlock), shows them above every section and sends one desktop
// notification summing them up.
func (u *UI) showReminders() {
	rs, err := u.w.Reminders()
	u.banner.RemoveAll()
	if err != nil || len(rs) == 0 {
		return
	}
	box := container.NewVBox()
	for _, r := range rs {
		icon := theme.InfoIcon()
		if r.Kind == "overdue" {
			icon = theme.WarningIcon()
		}
		l := widget.NewLabel(reminderText(r))
		l.Wrapping = fyne.TextWrapWord
		row := container.NewBorder(nil, nil, widget.NewIcon(icon), nil, l)
		if r.ProfileID != "" {
			id := r.ProfileID
			open := widget.NewButton(lang.L("See"), func() { u.touch(); u.showPerson(id, 1) })
			row = container.NewBorder(nil, nil, widget.NewIcon(icon), open, l)
		} else if r.Kind == "backup" {
			open := widget.NewButton(lang.L("Back up"), func() { u.touch(); u.showSection(SectionBackup) })
			row = container.NewBorder(nil, nil, widget.NewIcon(icon), open, l)
		}
		box.Add(row)
	}
	hide := widget.NewButtonWithIcon(lang.L("Hide"), theme.CancelIcon(), func() { u.touch(); u.banner.RemoveAll() })
	title := widget.NewLabelWithStyle(lang.N("{{.Count}} reminder", len(rs), map[string]any{"Count": formatInt(len(rs))}),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	u.banner.Add(widget.NewCard("", "", container.NewBorder(container.NewBorder(nil, nil, nil, hide, title), nil, nil, nil, box)))

	content := reminderText(rs[0])
	if len(rs) > 1 {
		content += " " + lang.N("And {{.Count}} more.", len(rs)-1, map[string]any{"Count": formatInt(len(rs) - 1)})
	}
	u.app.SendNotification(fyne.NewNotification(lang.L("ImmunoPass reminders"), content))
}

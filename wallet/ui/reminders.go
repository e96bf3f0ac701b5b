package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
)

// reminderLine is what the banner shows: the reminders of one kind for one
// person, or a wallet-wide one.
type reminderLine struct {
	kind      string
	profileID string
	person    string
	count     int
	at        wallet.Reminder // the earliest
}

// groupReminders folds wallet.Reminders by person and kind, keeping the
// order in which each group first appears.
func (u *UI) groupReminders(rs []wallet.Reminder) []reminderLine {
	var out []reminderLine
	index := map[[2]string]int{}
	for _, r := range rs {
		k := [2]string{r.ProfileID, r.Kind}
		if i, ok := index[k]; ok {
			out[i].count++
			if r.At.Before(out[i].at.At) {
				out[i].at = r
			}
			continue
		}
		l := reminderLine{kind: r.Kind, profileID: r.ProfileID, count: 1, at: r}
		if r.ProfileID != "" {
			if p, err := u.w.Profile(r.ProfileID); err == nil {
				l.person = p.Name()
			}
		}
		index[k] = len(out)
		out = append(out, l)
	}
	return out
}

// text says a reminder line in the user's language.
func (l reminderLine) text() string {
	data := map[string]any{"Person": l.person, "Count": formatInt(l.count), "Date": formatDate(l.at.At)}
	switch l.kind {
	case "due":
		return lang.N("{{.Person}}: {{.Count}} vaccination due now.", l.count, data)
	case "overdue":
		return lang.N("{{.Person}}: {{.Count}} vaccination overdue.", l.count, data)
	case "expiring":
		return lang.N("{{.Person}}: {{.Count}} record expires soon (first on {{.Date}}).", l.count, data)
	case "backup":
		if l.at.At.IsZero() {
			return lang.L("You have never made a backup. Make one now, and keep it off this device.")
		}
		return lang.L("Your last backup is from {{.Date}}. Make a new one.", data)
	}
	return l.at.Title
}

// showReminders computes the reminders (Fyne has no scheduler: this runs at
// each unlock), shows them above every section, one line per person and
// kind, and sends one desktop notification summing them up.
func (u *UI) showReminders() {
	rs, err := u.w.Reminders()
	u.banner.RemoveAll()
	if err != nil || len(rs) == 0 {
		return
	}
	lines := u.groupReminders(rs)
	box := container.NewVBox()
	var firstAction fyne.CanvasObject
	for i, r := range lines {
		icon := theme.InfoIcon()
		if r.kind == "overdue" || r.kind == "expiring" {
			icon = theme.WarningIcon()
		}
		l := label(r.text())
		l.Wrapping = fyne.TextWrapWord
		var action fyne.CanvasObject
		switch {
		case r.profileID != "" && (r.kind == "due" || r.kind == "overdue"):
			id := r.profileID
			action = newButton(lang.L("See"), func() { u.touch(); u.showPerson(id, 1) })
		case r.profileID != "":
			id := r.profileID
			action = newButton(lang.L("See"), func() { u.touch(); u.showPerson(id, 2) })
		case r.kind == "backup":
			action = newButton(lang.L("Back up"), func() { u.touch(); u.showSection(SectionBackup) })
		}
		box.Add(container.NewBorder(nil, nil, widget.NewIcon(icon), action, l))
		if i == 0 {
			firstAction = action
			if b, ok := action.(*widget.Button); ok { // the same action on the one-line banner
				firstAction = newButton(b.Text, b.OnTapped)
			}
		}
	}
	hide := newButtonIcon(lang.L("Hide"), theme.CancelIcon(), func() { u.touch(); u.banner.RemoveAll() })
	var body fyne.CanvasObject = box
	if len(lines) > 4 {
		// Keep the sections usable: at most about four lines tall.
		s := container.NewVScroll(box)
		s.SetMinSize(fyne.NewSize(0, 4*(theme.TextSize()+4*theme.Padding())))
		body = s
	}
	// One line: the first reminder, how many more, and a button that
	// shows them all; expanded, the list with a button to fold it again.
	summary := lines[0].text()
	if len(lines) > 1 {
		summary += " " + lang.N("And {{.Count}} more.", len(lines)-1, map[string]any{"Count": formatInt(len(lines) - 1)})
	}
	one := label(summary)
	one.Truncation = fyne.TextTruncateEllipsis
	icon := theme.InfoIcon()
	if k := lines[0].kind; k == "overdue" || k == "expiring" {
		icon = theme.WarningIcon()
	}
	var collapsed, expanded *fyne.Container
	right := container.NewHBox()
	if firstAction != nil {
		right.Add(firstAction)
	}
	if len(lines) > 1 {
		right.Add(newButtonIcon(lang.L("Show all"), theme.MenuDropDownIcon(), func() {
			u.touch()
			collapsed.Hide()
			expanded.Show()
		}))
	}
	right.Add(hide)
	head := labelStyle(lang.L("Reminders"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	collapsed = container.NewBorder(nil, nil, container.NewHBox(head, widget.NewIcon(icon)), right, one)
	less := newButtonIcon(lang.L("Show less"), theme.MenuDropUpIcon(), func() {
		u.touch()
		expanded.Hide()
		collapsed.Show()
	})
	title := labelStyle(lang.L("Reminders"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	expanded = container.NewBorder(container.NewBorder(nil, nil, nil, container.NewHBox(less, newButtonIcon(lang.L("Hide"), theme.CancelIcon(), func() { u.touch(); u.banner.RemoveAll() })), title), nil, nil, nil, body)
	expanded.Hide()
	u.banner.Add(container.NewPadded(container.NewStack(collapsed, expanded)))
	u.banner.Add(widget.NewSeparator())

	u.app.SendNotification(fyne.NewNotification(lang.L("ImmunoPass reminders"), summary))
}

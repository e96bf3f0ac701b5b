package ui

import (
	"bytes"
	"image"
	_ "image/png" // HolderQR
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/wallet"
)

// showPerson shows one person's records: immunizations by disease, what is
// due, the credentials themselves and the advisories for their region.
func (u *UI) showPerson(id string, tab int) {
	p, err := u.w.Profile(id)
	if err != nil {
		u.showError(err)
		u.showSection(SectionPeople)
		return
	}
	u.showSection(SectionPeople)
	u.profile, u.personShown, u.personTab = id, true, tab
	u.app.Preferences().SetString(prefLastUsed, id)

	back := newButtonIcon(lang.L("People"), theme.NavigateBackIcon(), func() { u.showSection(SectionPeople) })
	present := newButtonIcon(lang.L("Present"), theme.VisibilityIcon(), func() { u.showSection(SectionPresent) })
	present.Importance = widget.HighImportance
	holder := newButtonIcon(lang.L("Holder key"), theme.AccountIcon(), func() { u.showHolder(id) })
	print := newButtonIcon(lang.L("Print to PDF"), theme.DocumentPrintIcon(), func() { u.printPDF(p) })
	edit := newButtonIcon(lang.L("Edit"), theme.DocumentCreateIcon(), func() { u.editPersonDialog(p) })
	sub := []string{}
	if !p.BirthDate.IsZero() {
		sub = append(sub, lang.L("born {{.Date}}", map[string]any{"Date": formatVaxDate(p.BirthDate)}))
	}
	sub = append(sub, countryName(p.Country))
	info := label(joinDot(sub))
	top := container.NewVBox(
		container.NewHBox(back, layout.NewSpacer(), edit, print, holder, present),
		heading(p.Name()), info)

	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("Immunizations"), theme.ListIcon(), u.immunizationsView(id)),
		container.NewTabItemWithIcon(lang.L("Due"), theme.CalendarIcon(), u.dueView(id)),
		container.NewTabItemWithIcon(lang.L("Records"), theme.DocumentIcon(), u.credentialsView(id)),
		container.NewTabItemWithIcon(lang.L("Advisories"), theme.WarningIcon(), u.advisoriesView(id)),
		container.NewTabItemWithIcon(lang.L("Check"), theme.ConfirmIcon(), u.checkView(id)),
	)
	tabs.SelectIndex(tab)
	tabs.OnSelected = func(*container.TabItem) { u.touch(); u.personTab = tabs.SelectedIndex() }
	u.setBody(container.NewBorder(top, nil, nil, nil, tabs))
}

// sourceNames names each credential of a profile by its format ("SHC",
// "SD-JWT VC"), for the Source column (the Clinic column names the issuer).
func (u *UI) sourceNames(profileID string) map[string]string {
	out := map[string]string{}
	creds, _ := u.w.Credentials(profileID)
	for _, c := range creds {
		out[c.ID] = shortFormatName(c.Format)
	}
	return out
}

func (u *UI) immunizationsView(id string) fyne.CanvasObject {
	groups, err := u.w.Immunizations(id)
	if err != nil {
		return para(explain(err))
	}
	if len(groups) == 0 {
		return para(lang.L("No immunizations yet. Import a record (QR image, PDF or file) from the Import section."))
	}
	sources := u.sourceNames(id)
	box := container.NewVBox()
	for _, g := range groups {
		box.Add(subheading(diseaseName(g.Disease)))
		grid := newTable(colHead(lang.L("Date")), colHead(lang.L("Vaccine")), colHead(lang.L("Dose")),
			colHead(lang.L("Lot")), colHead(lang.L("Clinic")), colHead(lang.L("Source")))
		for _, d := range g.Doses {
			vaccine := d.Vaccine.Display
			if vaccine == "" {
				vaccine = d.Vaccine.Code
			}
			dose := "—"
			if d.Dose > 0 {
				dose = digits(strconv.Itoa(d.Dose))
			}
			var src []string
			for _, s := range d.Sources {
				if n, ok := sources[s]; ok {
					src = append(src, n)
				}
			}
			grid.row(cell(formatVaxDate(d.Date)), cell(vaccine), cell(dose), cell(orDash(d.Lot)),
				cell(orDash(d.Clinic)), cell(orDash(strings.Join(src, ", "))))
		}
		box.Add(grid.Container)
	}
	return container.NewVScroll(box)
}

func colHead(s string) fyne.CanvasObject {
	l := labelStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func cell(s string) fyne.CanvasObject {
	l := label(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func dueStateText(s wallet.DueState) string {
	switch s {
	case wallet.Done:
		return lang.L("Done")
	case wallet.Due:
		return lang.L("Due now")
	case wallet.Overdue:
		return lang.L("Overdue")
	case wallet.Upcoming:
		return lang.L("Coming up")
	case wallet.Later:
		return lang.L("Later")
	case wallet.TooLate:
		return lang.L("No longer recommended at this age")
	}
	return string(s)
}

func dueImportance(s wallet.DueState) widget.Importance {
	switch s {
	case wallet.Done:
		return widget.SuccessImportance
	case wallet.Due, wallet.Upcoming:
		return widget.WarningImportance
	case wallet.Overdue:
		return widget.DangerImportance
	}
	// TooLate and the rest: plain text; "no longer recommended" must stay
	// readable, not greyed out like a disabled control.
	return widget.MediumImportance
}

// lines0 stacks labels as the lines of one cell: one label per line, as
// the bidi reordering works per label, without padding between them.
func lines0(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewCustomPaddedVBoxLayout(-theme.InnerPadding()), objs...)
}

// reasonText translates the wallet's words for a dose that does not count.
func reasonText(r string) string {
	switch r {
	case "given before the minimum age":
		return lang.L("given before the minimum age")
	case "given after the age limit":
		return lang.L("given after the age limit")
	case "given too soon after the previous dose":
		return lang.L("given too soon after the previous dose")
	case "given too soon after another live vaccine":
		return lang.L("given too soon after another live vaccine")
	case "this vaccine is not meant for this dose":
		return lang.L("this vaccine is not meant for this dose")
	case "this vaccine does not count for this dose":
		return lang.L("this vaccine does not count for this dose")
	case "an extra dose: the series was already complete":
		return lang.L("an extra dose: the series was already complete")
	case "not part of this schedule":
		return lang.L("not part of this schedule")
	case "dated in the future":
		return lang.L("dated in the future")
	}
	return r
}

// dueView shows, per vaccine group of the person's schedule (the
// forecaster's), each dose given (counted or not, and why), the next dose
// and when, and where it stands; another schedule is one choice away.
func (u *UI) dueView(id string) fyne.CanvasObject {
	box := container.NewStack()
	var show func(schedID string)
	show = func(schedID string) {
		box.Objects = []fyne.CanvasObject{u.dueTable(id, schedID, show)}
		box.Refresh()
	}
	show("")
	return box
}

func (u *UI) dueTable(id, schedID string, show func(string)) fyne.CanvasObject {
	items, err := u.w.DueIn(id, schedID)
	if err != nil {
		return para(explain(err))
	}
	if len(items) == 0 {
		return para(lang.L("Nothing to show: add the person's birth date to see what is due."))
	}
	grid := newTable(colHead(lang.L("Vaccine")), colHead(lang.L("Dose")), colHead(lang.L("When")), colHead(lang.L("Status")))
	for _, it := range items {
		ds := it.Diseases
		if len(it.Missing) > 0 && it.State != wallet.Done {
			ds = it.Missing
		}
		var names []string
		for _, d := range ds {
			names = append(names, diseaseName(d))
		}
		lines := []string{it.Vaccine, strings.Join(names, ", ")}
		for _, g := range it.Given {
			if g.Valid {
				lines = append(lines, lang.L("{{.Date}}: counted", map[string]any{"Date": formatVaxDate(g.Date)}))
			} else {
				lines = append(lines, lang.L("{{.Date}}: not counted ({{.Reason}})", map[string]any{"Date": formatVaxDate(g.Date), "Reason": reasonText(g.Reason)}))
			}
		}
		vbox := lines0()
		for _, l := range lines {
			vbox.Add(cell(l))
		}
		vaccine := fyne.CanvasObject(vbox)
		dose := cell(lang.N("{{.Count}} dose", len(it.Given), map[string]any{"Count": formatInt(len(it.Given))}))
		when, until := "—", ""
		if it.State != wallet.Done && it.State != wallet.TooLate {
			dose = cell(lang.L("{{.N}} of {{.Of}}", map[string]any{"N": digits(strconv.Itoa(it.Dose)), "Of": digits(strconv.Itoa(it.Of))}))
			when = lang.L("from {{.Date}}", map[string]any{"Date": formatVaxDate(it.From)})
			if !it.By.IsZero() {
				when = lang.L("{{.From}} to {{.By}}", map[string]any{"From": formatVaxDate(it.From), "By": formatVaxDate(it.By)})
			}
			if !it.Until.IsZero() {
				until = lang.L("until {{.Date}}", map[string]any{"Date": formatVaxDate(it.Until)})
			}
		}
		st := labelStyle(dueStateText(it.State), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		st.Importance = dueImportance(it.State)
		st.Wrapping = fyne.TextWrapWord
		// one label per line: the bidi reordering works per label
		whenCell := fyne.CanvasObject(cell(when))
		if until != "" {
			whenCell = lines0(cell(when), cell(until))
		}
		grid.row(vaccine, dose, whenCell, st)
	}
	s := items[0].Schedule
	note := para(lang.L("Schedule: {{.Name}} ({{.Published}}). Informational only: ask your doctor or clinic.",
		map[string]any{"Name": s.Name, "Published": s.Published}))
	var names []string
	byName := map[string]string{}
	for _, sc := range wallet.Schedules() {
		names = append(names, sc.Name)
		byName[sc.Name] = sc.ID
	}
	pick := widget.NewSelect(names, nil)
	pick.SetSelected(s.Name)
	pick.OnChanged = func(name string) {
		if byName[name] != s.ID {
			show(byName[name])
		}
	}
	top := container.NewBorder(nil, nil, label(lang.L("Schedule")), nil, pick)
	return container.NewBorder(top, note, nil, nil, container.NewVScroll(grid.Container))
}

func (u *UI) credentialsView(id string) fyne.CanvasObject {
	creds, err := u.w.Credentials(id)
	if err != nil {
		return para(explain(err))
	}
	if len(creds) == 0 {
		return para(lang.L("No records yet."))
	}
	box := container.NewVBox()
	for _, c := range creds {
		c := c
		title := formatName(c.Format)
		if c.Issuer.Name != "" {
			title += " · " + display.Text(c.Issuer.Name)
		}
		st := labelStyle(statusText(c.Status), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		st.Importance = statusImportance(c.Status)
		var lines []string
		if !c.IssuedAt.IsZero() {
			lines = append(lines, lang.L("issued {{.Date}}", map[string]any{"Date": formatDate(c.IssuedAt)}))
		}
		if !c.Expires.IsZero() {
			lines = append(lines, lang.L("expires {{.Date}}", map[string]any{"Date": formatDate(c.Expires)}))
		}
		lines = append(lines, lang.N("{{.Count}} dose", len(c.Doses), map[string]any{"Count": formatInt(len(c.Doses))}))
		switch {
		case c.Copies > 1:
			// Copies received in one batch: one record, each copy shown
			// at a different place, bound to its own key.
			lines = append(lines, lang.N("{{.Count}} unlinkable copy", c.Copies, map[string]any{"Count": formatInt(c.Copies)}),
				lang.L("each code shown is a different copy, with its own key"))
		case c.Bound:
			lines = append(lines, lang.L("bound to this person's key"))
		}
		info := label(joinDot(lines))
		info.Wrapping = fyne.TextWrapWord
		trustBox := container.NewVBox()
		for _, l := range anchorLines(c.Proof, c.Anchored, c.Warnings, c.TrustAge) {
			trustBox.Add(para(l))
		}
		trustBox.Add(para(trustLine(c.TrustAsOf, c.Checked)))
		remove := newButtonIcon(lang.L("Remove"), theme.DeleteIcon(), func() {
			d := dialog.NewConfirm(lang.L("Remove this record?"), lang.L("It will be deleted from this device. A backup made before keeps it."), func(ok bool) {
				if ok {
					u.do(u.w.RemoveCredential(c.ID), u.refresh)
				}
			}, u.win)
			d.SetConfirmText(lang.L("Remove"))
			d.SetDismissText(lang.L("Cancel"))
			d.Show()
		})
		move := newButtonIcon(lang.L("Move to…"), theme.MailForwardIcon(), func() { u.moveCredential(c) })
		box.Add(container.NewVBox(subheading(title), st, info, trustBox, container.NewHBox(move, remove)))
		box.Add(widget.NewSeparator())
	}
	return container.NewVScroll(box)
}

func (u *UI) moveCredential(c wallet.Credential) {
	ps, err := u.w.Profiles()
	if err != nil {
		u.showError(err)
		return
	}
	var names []string
	var ids []string
	for _, p := range ps {
		if p.ID != c.ProfileID {
			names = append(names, p.Name())
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		dialog.ShowInformation(lang.L("Move to…"), lang.L("Add another person first."), u.win)
		return
	}
	sel := widget.NewSelect(names, nil)
	sel.SetSelectedIndex(0)
	d := dialog.NewCustomConfirm(lang.L("Move to…"), lang.L("Move"), lang.L("Cancel"), sel, func(ok bool) {
		if ok && sel.SelectedIndex() >= 0 {
			u.do(u.w.MoveCredential(c.ID, ids[sel.SelectedIndex()]), u.refresh)
		}
	}, u.win)
	d.Show()
}

func (u *UI) advisoriesView(id string) fyne.CanvasObject {
	adv, err := u.w.Advisories(id)
	if err != nil {
		return para(explain(err))
	}
	if len(adv) == 0 {
		return para(lang.L("No health advisories for this person's region."))
	}
	box := container.NewVBox()
	for _, a := range adv {
		t := subheading(a.Title)
		meta := label(joinDot([]string{a.Region, formatDate(a.Issued)}))
		box.Add(container.NewVBox(t, meta, para(a.Body)))
		box.Add(widget.NewSeparator())
	}
	return container.NewVScroll(box)
}

// showHolder shows the person's did:key as text and QR code, for a clinic
// to bind SD-JWT VCs to.
func (u *UI) showHolder(id string) {
	p, err := u.w.Profile(id)
	if err != nil {
		u.showError(err)
		return
	}
	did, err := u.w.HolderDID(id)
	if err != nil {
		u.showError(err)
		return
	}
	png, err := u.w.HolderQR(id, 512)
	if err != nil {
		u.showError(err)
		return
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		u.showError(err)
		return
	}
	text := label(did)
	text.Wrapping = fyne.TextWrapBreak
	text.Selectable = true
	copyBtn := newButtonIcon(lang.L("Copy"), theme.ContentCopyIcon(), func() {
		u.app.Clipboard().SetContent(did)
	})
	back := newButtonIcon(lang.L("Back"), theme.NavigateBackIcon(), func() { u.showPerson(id, u.personTab) })
	expl := para(lang.L("Show this code to the clinic when they issue a record, so that it is bound to {{.Name}}'s key on this device. It identifies no one by itself.", map[string]any{"Name": p.Name()}))
	top := container.NewVBox(container.NewHBox(back), heading(lang.L("Holder key of {{.Name}}", map[string]any{"Name": p.Name()})), expl)
	bottom := container.NewBorder(nil, nil, nil, copyBtn, text)
	u.setBody(container.NewBorder(top, bottom, nil, nil, newQRImage(img, 200)))
}

// printPDF saves the person's records as a PDF (A4 page + wallet card).
func (u *UI) printPDF(p wallet.Profile) {
	u.touch()
	u.saveFile(u.win, safeFileName(p.Name())+".pdf", []string{".pdf"}, func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		var buf bytes.Buffer
		if err := u.w.PrintPDF(p.ID, &buf); err != nil {
			w.Close()
			u.showError(err)
			return
		}
		_, err = w.Write(buf.Bytes())
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		u.do(err, func() {
			dialog.ShowInformation(lang.L("Print to PDF"), lang.L("Saved {{.File}}.", map[string]any{"File": w.URI().Name()}), u.win)
		})
	})
}

func safeFileName(s string) string {
	out := []rune{}
	for _, r := range s {
		switch r {
		case '/', '\\', ':', '*', '?', '"', '<', '>', '|':
			r = '_'
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return "immunopass"
	}
	return filepath.Base(string(out))
}

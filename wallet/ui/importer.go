package ui

import (
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/wallet"
)

// importExtensions are the files the open dialog offers.
var importExtensions = []string{".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".smart-health-card", ".sd-jwt", ".jwt", ".txt", ".json", ".zip"}

// importScreen offers the three ways in: a file, pasted text, or files
// dropped on the window. Results appear below, one card per credential.
func (u *UI) importScreen() fyne.CanvasObject {
	u.importResults = container.NewVBox()
	open := newButtonIcon(lang.L("Open a file…"), theme.FolderOpenIcon(), u.openImportFile)
	open.Importance = widget.HighImportance
	paste := widget.NewMultiLineEntry()
	paste.SetPlaceHolder(lang.L("Paste the text of a QR code here (shc:/…, an SD-JWT, HC1:…, B64:…, a VC-JWT)"))
	paste.SetMinRowsVisible(3)
	paste.Wrapping = fyne.TextWrapBreak
	paste.OnChanged = func(string) { u.touch() }
	check := newButtonIcon(lang.L("Check pasted text"), theme.SearchIcon(), func() {
		if strings.TrimSpace(paste.Text) == "" {
			return
		}
		u.runImport(lang.L("pasted text"), []byte(paste.Text))
	})
	help := para(lang.L("Import a QR image (PNG, JPEG, SVG), the clinic's PDF, a .smart-health-card, SD-JWT or VC-JWT file, a DIVOC certificate.json or a W3C credential (.json), or drop files on this window. Every record is checked before you decide to keep it."))
	top := container.NewVBox(heading(lang.L("Import records")), help, open, paste, check, widget.NewSeparator())
	top.Objects = slices.Insert(top.Objects, 2, u.receiveButton()) // Receive from clinic (receive.go)
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(u.importResults))
}

func (u *UI) openImportFile() {
	u.touch()
	u.openFile(u.win, importExtensions, func(r fyne.URIReadCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if r == nil {
			return
		}
		u.importReaders(r.URI().Name(), r)
	})
}

// importURIs imports dropped files, one after the other.
func (u *UI) importURIs(uris []fyne.URI) {
	for _, uri := range uris {
		r, err := storage.Reader(uri)
		if err != nil {
			u.showError(err)
			continue
		}
		u.importReaders(uri.Name(), r)
	}
}

// importReaders reads a file off the UI thread, then imports it.
func (u *UI) importReaders(name string, r io.ReadCloser) {
	async(func() ([]byte, error) {
		defer r.Close()
		return io.ReadAll(io.LimitReader(r, 64<<20))
	}, func(data []byte, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.runImport(name, data)
	})
}

// runImport decodes and verifies off the UI thread and shows the
// candidates.
func (u *UI) runImport(name string, data []byte) {
	u.touch()
	if u.importResults == nil {
		return
	}
	busy := widget.NewProgressBarInfinite()
	label := label(lang.L("Reading {{.Name}}…", map[string]any{"Name": name}))
	wait := container.NewVBox(label, busy)
	u.importResults.Add(wait)
	w := u.w
	async(func() ([]wallet.Candidate, error) {
		return w.Import(name, data)
	}, func(cs []wallet.Candidate, err error) {
		busy.Stop()
		u.importResults.Remove(wait)
		if err != nil {
			l := para(lang.L("Nothing imported from {{.Name}}", map[string]any{"Name": name}) + ": " + explain(err))
			l.Importance = widget.DangerImportance
			u.importResults.Add(l)
			return
		}
		if len(cs) == 0 {
			u.importResults.Add(para(lang.L("No record found in {{.Name}}.", map[string]any{"Name": name})))
		}
		for _, c := range cs {
			u.importResults.Add(u.candidateCard(c))
		}
	})
}

// candidateCard shows what was found and verified, suggests a person and
// lets the user keep it or not.
func (u *UI) candidateCard(c wallet.Candidate) fyne.CanvasObject {
	title := formatName(c.Format)
	// Issuer and subject are the card's words: display.Text first, then
	// label's bidi ordering.
	if c.Issuer.Name != "" {
		title += " · " + display.Text(c.Issuer.Name)
	} else if c.Issuer.ID != "" {
		title += " · " + display.Text(c.Issuer.ID)
	}
	st := labelStyle(statusText(c.Status), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	st.Importance = statusImportance(c.Status)
	var lines []string
	if c.Subject.Name != "" {
		lines = append(lines, display.Text(c.Subject.Name))
	}
	if c.Subject.BirthDate != "" {
		born := digits(display.Text(c.Subject.BirthDate))
		if d, err := vax.ParseDate(c.Subject.BirthDate); err == nil {
			born = formatVaxDate(d)
		}
		lines = append(lines, lang.L("born {{.Date}}", map[string]any{"Date": born}))
	}
	lines = append(lines, lang.N("{{.Count}} dose", len(c.Doses), map[string]any{"Count": formatInt(len(c.Doses))}))
	subject := para(joinDot(lines))
	box := container.NewVBox(subheading(title), st, subject)
	if len(c.Messages) > 0 && c.Status != wallet.StatusVerified {
		m := para(strings.Join(c.Messages, "; "))
		box.Add(m)
	}
	for _, l := range anchorLines(c.Proof, c.Anchored, c.Warnings, c.TrustAge) {
		box.Add(para(l))
	}
	box.Add(para(trustLine(c.TrustAsOf, time.Time{})))
	if c.Duplicate != "" {
		name := c.Duplicate
		if p, err := u.w.Profile(c.Duplicate); err == nil {
			name = p.Name()
		}
		box.Add(para(lang.L("Already in the wallet, with {{.Name}}.", map[string]any{"Name": name})))
		box.Add(widget.NewSeparator())
		return box
	}
	ps, _ := u.w.Profiles()
	names := []string{}
	ids := []string{}
	for _, p := range ps {
		names = append(names, p.Name())
		ids = append(ids, p.ID)
	}
	newPerson := lang.L("A new person…")
	names = append(names, newPerson)
	sel := widget.NewSelect(names, nil)
	sel.SetSelectedIndex(0)
	suggest := para(lang.L("No one in the wallet matches: choose who this record belongs to."))
	for i, id := range ids {
		if id == c.Suggested {
			sel.SetSelectedIndex(i)
			setLabel(suggest, lang.L("Suggested: {{.Name}} ({{.How}}).", map[string]any{"Name": names[i], "How": matchText(c.Match)}))
		}
	}
	// A record that does not verify is kept only after a warning that
	// says what is wrong, and its button is never the highlighted one.
	trusted := c.Status.Trusted()
	keepLabel := lang.L("Keep")
	if !trusted {
		keepLabel = lang.L("Keep anyway…")
	}
	var keep *widget.Button
	keep = newButtonIcon(keepLabel, theme.ConfirmIcon(), func() {
		u.touch()
		i := sel.SelectedIndex()
		doKeep := func(profileID string) {
			var err error
			if trusted {
				_, err = u.w.Keep(c, profileID)
			} else {
				_, err = u.w.KeepUnverified(c, profileID)
			}
			u.do(err, func() {
				keep.Disable()
				skipOrDone := lang.L("Kept.")
				keep.SetText(skipOrDone)
			})
		}
		pick := func() {
			if i < len(ids) && i >= 0 {
				doKeep(ids[i])
				return
			}
			u.newPersonFor(c, doKeep)
		}
		if trusted {
			pick()
			return
		}
		msg := para(lang.L("This record did not pass the check: {{.Status}}. It will be kept marked as such, and a verifier will most likely refuse it. Keep it only if you know why.",
			map[string]any{"Status": statusText(c.Status)}))
		d := dialog.NewCustomConfirm(lang.L("Keep a record that did not verify?"), lang.L("Keep anyway"), lang.L("Cancel"),
			container.New(&widthLayout{width: 420}, msg), func(ok bool) {
				if ok {
					pick()
				}
			}, u.win)
		d.Show()
	})
	if trusted {
		keep.Importance = widget.HighImportance
	} else {
		keep.Importance = widget.WarningImportance
	}
	var row *fyne.Container
	skip := newButtonIcon(lang.L("Don't keep"), theme.CancelIcon(), func() {
		u.touch()
		u.importResults.Remove(row)
	})
	box.Add(suggest)
	box.Add(container.NewBorder(nil, nil, label(lang.L("Belongs to")), nil, sel))
	box.Add(container.NewHBox(keep, skip))
	box.Add(widget.NewSeparator())
	row = box
	return box
}

func matchText(m wallet.Match) string {
	switch m {
	case wallet.MatchName:
		return lang.L("same name")
	case wallet.MatchFull:
		return lang.L("same name and birth date")
	case wallet.MatchHolderKey:
		return lang.L("bound to their key")
	}
	return lang.L("no match")
}

// newPersonFor asks for a new person, prefilled from the record, then
// keeps the record under them.
func (u *UI) newPersonFor(c wallet.Candidate, keep func(profileID string)) {
	p := wallet.Profile{Given: c.Subject.Name}
	form, get := personForm(p)
	d := dialog.NewCustomConfirm(lang.L("Add a person"), lang.L("Add"), lang.L("Cancel"), form, func(ok bool) {
		if !ok {
			return
		}
		np, err := get()
		if err != nil {
			u.showError(err)
			return
		}
		added, err := u.w.AddProfile(np)
		u.do(err, func() { keep(added.ID) })
	}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

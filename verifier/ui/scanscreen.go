package ui

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/verifier/scan"
	"github.com/immunopass/immunopass/verifier/station"
)

// scanScreen is the screen the app waits on: the capture field with the
// focus, what the scanner has read of a multi-part code, the layout the
// scanner was detected on, and the other ways in (paste, a file, a drop).
func (u *UI) scanScreen() fyne.CanvasObject {
	title := heading(tr("Scan a vaccination QR code"))
	title.Alignment = fyne.TextAlignCenter
	help := para(tr("Point the scanner at the code. You can also paste a code (Ctrl+V), open a picture, PDF or text file, or drop it on this window."))
	help.Alignment = fyne.TextAlignCenter
	u.progress = labelStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	u.progress.SizeName = theme.SizeNameSubHeadingText
	u.layoutL = labelStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	u.problem = labelStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	u.problem.Wrapping = fyne.TextWrapWord
	u.problem.Importance = widget.DangerImportance
	u.problem.Hide()
	u.showLayout()
	u.showChunkState()
	paste := newButtonIcon(tr("Paste"), theme.ContentPasteIcon(), u.pasteClipboard)
	open := newButtonIcon(tr("Open a file…"), theme.FolderOpenIcon(), u.openAFile)
	buttons := container.NewCenter(container.NewHBox(paste, open))
	col := container.NewVBox(
		layout.NewSpacer(),
		title, help,
		container.NewCenter(u.capture),
		u.progress, u.layoutL, u.problem,
		buttons,
		layout.NewSpacer(),
	)
	status := u.trustLine()
	return container.NewBorder(nil, status, nil, nil, container.NewPadded(col))
}

// trustLine says, at the foot of the scan screen, whether the verifier can
// trust anything, and how old its trust is.
func (u *UI) trustLine() fyne.CanvasObject {
	l := para(u.trustSummary())
	l.Alignment = fyne.TextAlignCenter
	switch {
	case u.trust.Issuers == 0 && u.trust.Certs == 0:
		l.Importance = widget.DangerImportance
	case u.trust.Stale:
		l.Importance = widget.WarningImportance
	}
	return container.NewVBox(widget.NewSeparator(), l)
}

// trustSummary is the trust status in one sentence.
func (u *UI) trustSummary() string {
	st := u.trust
	if st.Issuers == 0 && st.Certs == 0 {
		return tr("No trusted issuers: every code will be NOT VALID. Load the trust files on the Trust screen.")
	}
	s := trn("{{.Count}} trusted issuer", st.Issuers, nil)
	if st.Bundle != nil {
		s += " · " + updatedAgo(st)
	}
	if st.Stale {
		s += " · " + tr("out of date: update when online")
	}
	return s
}

// updatedAgo is "last updated 3 days ago".
func updatedAgo(st *station.TrustState) string {
	days := int(st.Age.Hours() / 24)
	switch {
	case st.Age < 0:
		return tr("last updated in the future: check this computer's clock")
	case days >= 1:
		return trn("last updated {{.Count}} day ago", days, nil)
	case st.Age < time.Hour:
		return tr("last updated less than an hour ago")
	default:
		return trn("last updated {{.Count}} hour ago", int(st.Age.Hours()), nil)
	}
}

// showProgress shows where a multi-part code stands.
func (u *UI) showProgress(p scan.Progress) {
	if u.progress == nil {
		return
	}
	switch {
	case p.Total == 0 || len(p.Ready) > 0 && p.Have == p.Total:
		setLabel(u.progress, "")
	case p.Restarted:
		setLabel(u.progress, trf("{{.Have}} of {{.Total}} read (a part of another card: started again)",
			map[string]any{"Have": count(p.Have), "Total": count(p.Total)}))
	default:
		setLabel(u.progress, trf("{{.Have}} of {{.Total}} read: scan the next part",
			map[string]any{"Have": count(p.Have), "Total": count(p.Total)}))
	}
	u.showLayout()
	if p.Total > 0 && len(p.Ready) == 0 && !inline {
		time.AfterFunc(scan.Partial+time.Second, func() { onUI(u.ExpireChunks) })
	}
}

// ExpireChunks drops the parts of a card read more than scan.Partial ago
// (the next person's card must never be mixed with them) and says so.
func (u *UI) ExpireChunks() {
	if u.chunks.Expire(u.now()) && u.progress != nil {
		u.partial = false
		setLabel(u.progress, tr("The parts read were dropped after 2 minutes without the next one: scan every part again."))
	}
}

// showChunkState clears the progress line when no chunk is held.
func (u *UI) showChunkState() {
	setLabel(u.progress, "")
}

// showLayout says which keyboard layout the scanner's codes arrive in.
func (u *UI) showLayout() {
	if u.layoutL == nil {
		return
	}
	var s string
	switch {
	case u.set.Layout != station.LayoutAuto && u.set.Layout != "":
		s = trf("Scanner keyboard layout: {{.Name}} (set in the settings)", map[string]any{"Name": layoutName(u.set.Layout)})
	case u.layout != nil:
		s = trf("Scanner keyboard layout: {{.Name}} (detected)", map[string]any{"Name": layoutName(u.layout.ID)})
	default:
		s = tr("Scanner keyboard layout: detected at the first scan")
	}
	setLabel(u.layoutL, s)
}

// layoutName names a layout in the current language.
func layoutName(id string) string {
	switch id {
	case "us":
		return tr("US (QWERTY)")
	case "fr":
		return tr("French (AZERTY)")
	case "de":
		return tr("German (QWERTZ)")
	}
	return tr("automatic")
}

// showProblem explains on the scan screen why a file could not be used.
func (u *UI) showProblem(err error) {
	u.lastError = err
	onAsk := u.screen == ScreenAsk && u.verdict == nil
	if !onAsk && (u.problem == nil || u.screen != ScreenScan || u.verdict != nil) {
		return
	}
	msg := err.Error()
	switch {
	case errors.Is(err, station.ErrNoCodeInPDF):
		msg = tr("No QR code could be read in this PDF.")
	case errors.As(err, new(*station.PDFError)):
		msg = tr("This PDF could not be read: it may be damaged or protected.")
	case strings.Contains(msg, "no such file"):
		msg = tr("The file could not be opened.")
	}
	if onAsk {
		u.askProblem(display.Clip(msg, 2*display.Max))
		return
	}
	setLabel(u.problem, display.Clip(msg, 2*display.Max))
	u.problem.Show()
}

package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/station"
)

// verdictView is the verdict on screen.
type verdictView struct {
	verdict station.Verdict
	word    string   // VALID, NOT VALID, CHECK MANUALLY (translated)
	name    string   // as shown
	born    string   // as shown
	reasons []string // reason and warning sentences, as shown
	codes   []string // their codes
	policy  string   // the context policy's answer, as shown ("" when none)
	rules   []string // the identifiers of the rules listed under it
	ask     bool     // an answer to the Ask screen's challenge: Done goes back there
	// meetsFrom is "Meets the rules from 25 Nov 2026." for a credential
	// that only needs time to meet the rule, as shown.
	meetsFrom string
}

// showVerdict counts the verdict (when counting is on) and fills the whole
// window with it until the next scan, Esc, Done or the auto-clear delay.
func (u *UI) showVerdict(rs []verifier.Result) {
	verdict, r := station.Judge(rs)
	if u.set.Count {
		if err := station.AddCount(u.cfg.Dir, u.now(), verdict); err != nil {
			u.lastError = err
			fyne.LogError("daily counts", err) // the count only: no person, no code
		}
	}
	v := &verdictView{verdict: verdict}
	defer func() { u.meetsFrom = time.Time{} }()
	u.playTone(verdict)
	u.stopClear()
	u.verdict = v
	u.screen = ScreenScan
	u.nav.Hide()
	u.root.Objects[0] = u.verdictScreen(v, r)
	u.root.Refresh()
	u.win.Canvas().Focus(u.capture)
	if d := u.set.AutoClearDelay(); d > 0 {
		if u.clearHook != nil {
			u.clearHook(d, u.clearVerdict)
		} else if !inline {
			u.clear = time.AfterFunc(d, func() { onUI(u.clearVerdict) })
		}
	}
}

// clearVerdict goes back to the scan screen, forgetting the verdict.
func (u *UI) clearVerdict() {
	if u.verdict == nil {
		return
	}
	if u.verdict.ask && u.ask != nil {
		u.show(ScreenAsk)
		return
	}
	u.show(ScreenScan)
}

func (u *UI) stopClear() {
	if u.clear != nil {
		u.clear.Stop()
		u.clear = nil
	}
}

// verdictScreen: a coloured band with an icon and the verdict in words
// (never colour alone), the person's name and birth date in large type,
// the doses, each reason in words with its code in small type.
func (u *UI) verdictScreen(v *verdictView, r verifier.Result) fyne.CanvasObject {
	var bg, fg fyne.ThemeColorName
	var icon fyne.Resource
	switch v.verdict {
	case station.VerdictValid:
		v.word, bg, fg, icon = tr("VALID"), theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess, theme.ConfirmIcon()
	case station.VerdictInvalid:
		v.word, bg, fg, icon = tr("NOT VALID"), theme.ColorNameError, theme.ColorNameForegroundOnError, theme.CancelIcon()
	default:
		v.word, bg, fg, icon = tr("CHECK MANUALLY"), theme.ColorNameWarning, theme.ColorNameForegroundOnWarning, theme.WarningIcon()
	}
	band := canvas.NewRectangle(theme.Color(bg))
	word := bigText(v.word, 76, theme.Color(fg), true)
	ic := canvas.NewImageFromResource(u.verdictIcon(icon, fg))
	ic.FillMode = canvas.ImageFillContain
	ic.SetMinSize(fyne.NewSize(88, 88))
	head := container.NewStack(band, container.NewPadded(container.NewCenter(container.NewHBox(ic, word))))

	body := container.NewVBox()
	fgc := theme.Color(theme.ColorNameForeground)
	if r.Subject.Name != "" {
		v.name = display.Text(r.Subject.Name)
		body.Add(bigText(v.name, 48, fgc, true))
	}
	if r.Subject.BirthDate != "" {
		v.born = trf("Born {{.Date}}", map[string]any{"Date": display.Text(formatDate(r.Subject.BirthDate))})
		body.Add(bigText(v.born, 36, fgc, false))
	}
	if r.Subject.Name == "" && r.Subject.BirthDate == "" && r.Valid {
		body.Add(bigText(tr("Name and birth date not shown by the holder"), 30, fgc, false))
	}
	if r.Valid {
		if p := u.policyAnswer(v, r.Policy); p != nil {
			body.Add(widget.NewSeparator())
			body.Add(p)
			body.Add(widget.NewSeparator())
		}
	}
	if len(r.Immunizations) > 0 {
		body.Add(subheading(trn("{{.Count}} dose", len(r.Immunizations), nil)))
		for _, im := range r.Immunizations {
			l := label(doseLine(im))
			l.SizeName = theme.SizeNameSubHeadingText
			body.Add(l)
		}
	}
	if !r.Valid {
		for _, code := range r.Reasons {
			v.reasons = append(v.reasons, reasonText(code))
			v.codes = append(v.codes, code)
		}
	}
	for _, code := range r.Warnings {
		s := reasonText(code)
		if code == verifier.StaleTrust && r.TrustAge != "" {
			s += ": " + trf("the trust bundle is {{.Age}} old", map[string]any{"Age": digits(r.TrustAge)})
		}
		v.reasons = append(v.reasons, s)
		v.codes = append(v.codes, code)
	}
	if len(v.reasons) > 0 {
		title := tr("Why")
		if r.Valid {
			title = tr("Note")
		}
		body.Add(subheading(title))
		for i, s := range v.reasons {
			words := label(s)
			words.SizeName = theme.SizeNameSubHeadingText
			words.Wrapping = fyne.TextWrapWord
			code := label(v.codes[i])
			code.SizeName = theme.SizeNameCaptionText
			body.Add(container.NewVBox(words, code))
		}
	}
	if r.Issuer.Name != "" {
		body.Add(label(trf("Issued by {{.Name}}", map[string]any{"Name": display.Text(r.Issuer.Name)})))
	}
	hint := tr("Scan the next code, or press Esc.")
	if d := u.set.AutoClear; d > 0 {
		hint = trn("Clears after {{.Count}} second. Scan the next code, or press Esc.", d, nil)
	}
	done := newButtonIcon(tr("Done"), theme.ConfirmIcon(), u.clearVerdict)
	foot := container.NewVBox(widget.NewSeparator(), container.NewHBox(label(hint), layout.NewSpacer(), done))
	scroll := container.NewVScroll(container.NewPadded(body))
	return container.NewBorder(head, foot, nil, nil, scroll)
}

// bigText is a line of large type, in display order.
func bigText(s string, size float32, c color.Color, bold bool) *canvas.Text {
	t := canvas.NewText(visualOrder(s), c)
	t.TextSize = size
	t.TextStyle.Bold = bold
	t.Alignment = fyne.TextAlignCenter
	return t
}

// doseLine is one dose: date, vaccine, dose number, where.
func doseLine(im verifier.Immunization) string {
	name := im.Vaccine.Display
	if name == "" {
		name = im.Vaccine.Code
	}
	parts := []string{formatDate(im.Date), name}
	if im.Dose > 0 {
		parts = append(parts, trf("dose {{.N}}", map[string]any{"N": count(im.Dose)}))
	}
	if im.Performer != "" {
		parts = append(parts, im.Performer)
	}
	if im.Country != "" {
		parts = append(parts, im.Country)
	}
	for i := range parts {
		parts[i] = display.Text(parts[i]) // every part comes from the credential
	}
	return strings.Join(parts, " · ")
}

// reasonText is a reason or warning code in words, in the current
// language (the verifier's English sentences are the keys).
func reasonText(code string) string {
	w := verifier.Words(code)
	if w == "" {
		return code
	}
	s := lang.L(w) // the keys: every code's words (TestTranslations)
	r := []rune(s)
	if len(r) > 0 {
		s = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	return s
}

// verdictIcon is icon in the colour fg, recoloured once and kept: Fyne
// parses and recolours a themed SVG on every use, which was most of the
// time from a scan to its verdict (BenchmarkScanToVerdict).
func (u *UI) verdictIcon(icon fyne.Resource, fg fyne.ThemeColorName) fyne.Resource {
	r, g, b, a := theme.Color(fg).RGBA()
	key := fmt.Sprintf("%s-%s-%x%x%x%x", icon.Name(), fg, r, g, b, a)
	if res, ok := u.icons[key]; ok {
		return res
	}
	if u.icons == nil {
		u.icons = map[string]fyne.Resource{}
	}
	res := fyne.NewStaticResource(key+".svg", theme.NewColoredResource(icon, fg).Content())
	u.icons[key] = res
	return res
}

package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/wallet"
)

// heading is a screen title.
func heading(s string) *widget.Label {
	l := labelStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// subheading titles a part of a screen.
func subheading(s string) *widget.Label {
	l := labelStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// para is a wrapped paragraph.
func para(s string) *widget.Label {
	l := label(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// centered shows a form in a column of readable width in the middle of the
// window, scrolling when the text is large.
func centered(c fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(container.NewHBox(layout.NewSpacer(),
		container.New(&widthLayout{width: 520}, c), layout.NewSpacer()))
}

// widthLayout gives its objects a fixed maximum width (or the width it has,
// if less) and their own height.
type widthLayout struct{ width float32 }

func (l *widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l *widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objs {
		o.Resize(fyne.NewSize(l.width, o.MinSize().Height))
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.width, h+theme.Padding()*4)
}

// countries are those with an embedded schedule, then common others; ""
// means the WHO schedule.
var countries = []string{"", "AE", "FR", "GB", "US", "MA", "DZ", "TN", "EG", "SA", "LB", "BE", "CH", "CA", "IN", "PK"}

func countryName(code string) string {
	switch code {
	case "":
		return lang.L("Other (WHO schedule)")
	case "AE":
		return lang.L("United Arab Emirates")
	case "FR":
		return lang.L("France")
	case "GB":
		return lang.L("United Kingdom")
	case "US":
		return lang.L("United States")
	case "MA":
		return lang.L("Morocco")
	case "DZ":
		return lang.L("Algeria")
	case "TN":
		return lang.L("Tunisia")
	case "EG":
		return lang.L("Egypt")
	case "SA":
		return lang.L("Saudi Arabia")
	case "LB":
		return lang.L("Lebanon")
	case "BE":
		return lang.L("Belgium")
	case "CH":
		return lang.L("Switzerland")
	case "CA":
		return lang.L("Canada")
	case "IN":
		return lang.L("India")
	case "PK":
		return lang.L("Pakistan")
	}
	return code
}

// personForm edits a profile's names, birth date and country; get checks
// and returns the edited profile.
func personForm(p wallet.Profile) (*widget.Form, func() (wallet.Profile, error)) {
	given := widget.NewEntry()
	given.SetText(p.Given)
	family := widget.NewEntry()
	family.SetText(p.Family)
	birth := widget.NewEntry()
	birth.SetPlaceHolder(lang.L("YYYY-MM-DD"))
	if !p.BirthDate.IsZero() {
		birth.SetText(p.BirthDate.String())
	}
	names := make([]string, len(countries))
	for i, c := range countries {
		names[i] = countryName(c)
	}
	country := widget.NewSelect(names, nil)
	country.SetSelectedIndex(0)
	for i, c := range countries {
		if c == p.Country {
			country.SetSelectedIndex(i)
		}
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Given names"), given),
		widget.NewFormItem(lang.L("Family name"), family),
		widget.NewFormItem(lang.L("Birth date"), birth),
		widget.NewFormItem(lang.L("Country"), country),
	)
	form.Items[2].HintText = lang.L("For example 2016-04-12; used to match records and to compute what is due.")
	get := func() (wallet.Profile, error) {
		out := p
		out.Given = strings.TrimSpace(given.Text)
		out.Family = strings.TrimSpace(family.Text)
		if out.Given == "" && out.Family == "" {
			return out, errText(lang.L("Type a name."))
		}
		out.BirthDate = vax.Date{}
		if s := strings.TrimSpace(birth.Text); s != "" {
			d, err := vax.ParseDate(s)
			if err != nil {
				return out, errText(lang.L("Write the birth date as YYYY-MM-DD, for example 2016-04-12."))
			}
			out.BirthDate = d
		}
		if i := country.SelectedIndex(); i >= 0 {
			if out.Country != countries[i] {
				out.Region = ""
			}
			out.Country = countries[i]
		}
		return out, nil
	}
	return form, get
}

// formatVaxDate writes a date of partial precision in the user's language.
func formatVaxDate(d vax.Date) string {
	switch {
	case d.IsZero():
		return "—"
	case d.Month == 0:
		return digits(d.String())
	case d.Day == 0:
		m := monthNames[current]
		if m[0] == "" {
			m = monthNames["en"]
		}
		return m[d.Month-1] + " " + digits(d.String()[:4])
	}
	return formatDate(d.Earliest())
}

// diseaseName translates a disease's English name (as in assets/vaccines.csv).
func diseaseName(s string) string {
	if s == "" {
		return lang.L("Other diseases")
	}
	return lang.X("disease."+s, s)
}

// statusText says a credential's verdict in words.
func statusText(s wallet.Status) string {
	switch s {
	case wallet.StatusVerified:
		return lang.L("Verified issuer")
	case wallet.StatusUnknownIssuer:
		return lang.L("Unknown issuer: could not be checked")
	case wallet.StatusRevoked:
		return lang.L("Revoked by its issuer")
	case wallet.StatusExpired:
		return lang.L("Expired")
	case wallet.StatusNotVerifiable:
		return lang.L("Not yet verifiable")
	case wallet.StatusInvalid:
		return lang.L("Invalid")
	case wallet.StatusUnchecked:
		return lang.L("Signature verified; revocation not checked (no status list)")
	}
	return string(s)
}

// statusImportance colours a verdict.
func statusImportance(s wallet.Status) widget.Importance {
	switch s {
	case wallet.StatusVerified:
		return widget.SuccessImportance
	case wallet.StatusUnknownIssuer, wallet.StatusNotVerifiable, wallet.StatusExpired, wallet.StatusUnchecked:
		return widget.WarningImportance
	}
	return widget.DangerImportance
}

// formatName is a credential format's name.
func formatName(f string) string {
	switch f {
	case wallet.FormatSHC:
		return lang.L("SMART Health Card")
	case wallet.FormatSDJWTVC:
		return lang.L("SD-JWT VC")
	case wallet.FormatHCERT:
		return lang.L("EU Digital COVID Certificate")
	case wallet.FormatVCJWT, wallet.FormatVCDI:
		return lang.L("W3C verifiable credential")
	case wallet.FormatDIVOC:
		return lang.L("DIVOC certificate")
	}
	return f
}

// shortFormatName is a credential format's short name.
func shortFormatName(f string) string {
	switch f {
	case wallet.FormatSHC:
		return lang.L("SHC")
	case wallet.FormatSDJWTVC:
		return lang.L("SD-JWT VC")
	case wallet.FormatHCERT:
		return lang.L("EU DCC")
	case wallet.FormatVCJWT, wallet.FormatVCDI:
		return lang.L("W3C VC")
	case wallet.FormatDIVOC:
		return lang.L("DIVOC")
	}
	return f
}

// table lays out rows of cells in columns shared by every row, each row as
// tall as its tallest cell. A column is never narrower than the longest word
// in it (so a label wraps between words, never inside "DTaP-IPV-Hib-HepB");
// the width left over goes to the columns whose text would otherwise wrap,
// in proportion to how much more they need.
type table struct {
	*fyne.Container
	cols   int
	rows   [][]fyne.CanvasObject
	widths []float32 // of the last layout
	// least and want per column, measured for the text size textSize.
	least, want []float32
	textSize    float32
}

func newTable(head ...fyne.CanvasObject) *table {
	t := &table{Container: container.NewVBox(), cols: len(head)}
	t.row(head...)
	return t
}

func (t *table) row(cells ...fyne.CanvasObject) {
	cells = append(cells, make([]fyne.CanvasObject, max(0, t.cols-len(cells)))...)[:t.cols]
	for i, c := range cells {
		if c == nil {
			cells[i] = label("")
		}
	}
	t.rows = append(t.rows, cells)
	t.least = nil
	t.Add(container.New(&tableRow{t: t}, cells...))
}

// columnWidths are the widths of the columns for a table total wide.
func (t *table) columnWidths(total float32) []float32 {
	gap := theme.Padding()
	avail := total - gap*float32(t.cols-1)
	if t.least == nil || t.textSize != theme.TextSize() {
		t.least = make([]float32, t.cols) // the longest word
		t.want = make([]float32, t.cols)  // the longest cell on one line
		for _, r := range t.rows {
			for i, c := range r {
				lo, hi := cellWidths(c)
				t.least[i], t.want[i] = max(t.least[i], lo), max(t.want[i], hi)
			}
		}
		t.textSize = theme.TextSize()
	}
	least, want := t.least, t.want
	var sumLeast, sumExtra float32
	for i := range least {
		sumLeast += least[i]
		sumExtra += want[i] - least[i]
	}
	w := slices.Clone(least)
	left := avail - sumLeast
	if left <= 0 {
		return w
	}
	if sumExtra > 0 {
		share := min(1, left/sumExtra)
		for i := range w {
			w[i] += (want[i] - least[i]) * share
		}
		left -= min(left, sumExtra)
	}
	for i := range w { // what remains, evenly
		w[i] += left / float32(t.cols)
	}
	return w
}

// cellWidths is the width of a cell's longest word and of its whole text on
// one line (for a container, of its widest object); for anything else, its
// minimum width for both.
func cellWidths(c fyne.CanvasObject) (least, want float32) {
	if box, ok := c.(*fyne.Container); ok { // a column of labels: its widest
		for _, o := range box.Objects {
			l, w := cellWidths(o)
			least, want = max(least, l), max(want, w)
		}
		return least, want
	}
	l, ok := c.(*widget.Label)
	if !ok || l.Wrapping == fyne.TextWrapOff && l.Truncation == fyne.TextTruncateOff {
		m := c.MinSize().Width
		return m, m
	}
	size := theme.TextSize()
	if l.SizeName != "" {
		size = theme.Size(l.SizeName)
	}
	pad := 2 * theme.InnerPadding()
	for _, line := range strings.Split(l.Text, "\n") {
		want = max(want, fyne.MeasureText(line, size, l.TextStyle).Width+pad)
		for _, word := range strings.Fields(line) {
			least = max(least, fyne.MeasureText(word, size, l.TextStyle).Width+pad)
		}
	}
	return least, want
}

// tableRow lays out one row of a table in the table's columns.
type tableRow struct{ t *table }

func (r *tableRow) widths(total float32) []float32 {
	if total <= 0 {
		total = 0
	}
	w := r.t.columnWidths(total)
	r.t.widths = w
	return w
}

func (r *tableRow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := r.widths(size.Width)
	x := float32(0)
	for i, o := range objs {
		o.Resize(fyne.NewSize(w[i], size.Height))
		o.Move(fyne.NewPos(x, 0))
		x += w[i] + theme.Padding()
	}
}

// MinSize is as wide as the longest words of the columns, and as tall as
// the row's tallest cell at the widths of the last layout.
func (r *tableRow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	least := r.t.columnWidths(0)
	w := r.t.widths
	if len(w) != len(objs) {
		w = least
	}
	var width, height float32
	for i, o := range objs {
		width += least[i]
		if l, ok := o.(*widget.Label); ok && l.Wrapping != fyne.TextWrapOff {
			// A wrapping label's height at its column's width.
			if l.Size().Width != w[i] {
				l.Resize(fyne.NewSize(w[i], l.MinSize().Height))
			}
		}
		height = max(height, o.MinSize().Height)
	}
	return fyne.NewSize(width+theme.Padding()*float32(len(objs)-1), height)
}

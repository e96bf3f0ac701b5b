package ui

import (
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
	case wallet.FormatVCJWT:
		return lang.L("W3C verifiable credential")
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
	case wallet.FormatVCJWT:
		return lang.L("W3C VC")
	}
	return f
}

// table lays out rows of cells in equal columns, each row as tall as its
// tallest cell (a grid would make every row as tall as the tallest).
type table struct {
	*fyne.Container
	cols int
}

func newTable(head ...fyne.CanvasObject) *table {
	t := &table{Container: container.NewVBox(), cols: len(head)}
	t.row(head...)
	return t
}

func (t *table) row(cells ...fyne.CanvasObject) {
	t.Add(container.NewGridWithColumns(t.cols, cells...))
}

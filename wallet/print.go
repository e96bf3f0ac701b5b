package wallet

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/internal/pdftext"
)

// printable is one QR code to print.
type printable struct {
	cred Credential
	text string // QR text
}

// printables lists the QR codes of a profile's presentable credentials:
// each SMART Health Card (or its chunks) and each SD-JWT VC in full, static;
// each DIVOC certificate and W3C VC as its issuer's code.
func (w *Wallet) printables(profileID string) ([]printable, error) {
	creds, err := w.Credentials(profileID)
	if err != nil {
		return nil, err
	}
	var out []printable
	for _, c := range creds {
		if c.Status == StatusInvalid || c.Status == StatusRevoked {
			continue
		}
		switch c.Format {
		case FormatSHC:
			qrs, err := shcQR(c.Text)
			if err != nil {
				return nil, err
			}
			for _, q := range qrs {
				out = append(out, printable{c, q})
			}
		case FormatSDJWTVC:
			q, err := sdjwt.EncodeQR(c.Text)
			if err != nil {
				return nil, err
			}
			out = append(out, printable{c, q})
		case FormatDIVOC, FormatVCJWT, FormatVCDI:
			// The issuer's own code, whole (DIVOC: its ZIP archive in
			// byte mode); one too large for a QR code is not printed.
			if q, _, err := presentWhole(c); err == nil {
				out = append(out, printable{c, q})
			}
		}
	}
	return out, nil
}

// PrintPDF writes the profile's records for people who travel with paper:
// A4 pages with each credential's QR code (static: a SMART Health Card as
// issued, an SD-JWT VC with every disclosure and no key binding) and its
// doses, then a credit-card-size card (85.6 × 54 mm, cut along the line)
// with the name, birth date and the first QR code. Revoked and invalid
// credentials are not printed.
func (w *Wallet) PrintPDF(profileID string, out io.Writer) error {
	prof, err := w.Profile(profileID)
	if err != nil {
		return err
	}
	items, err := w.printables(profileID)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return &PresentError{Problem: prof.Name() + " has no credential to print"}
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Vaccination record: "+display.Text(prof.Name()), true)
	pdf.SetCreator("ImmunoPass wallet", true)
	pdf.SetAutoPageBreak(false, 10)
	// An embedded Unicode font, Arabic shaped and in display order: names
	// and clinics in any script print as written, not as "?".
	pdftext.Register(pdf)
	tr := func(s string) string { return pdftext.Shape(s, false) }
	images := make([]string, len(items))
	for i, it := range items {
		sym, err := qr.Encode(it.text, qr.L)
		if strings.HasPrefix(it.text, "shc:/") {
			sym, err = qr.EncodeSHC(it.text)
		}
		if err != nil {
			return err
		}
		png, err := sym.PNG(4)
		if err != nil {
			return err
		}
		images[i] = fmt.Sprintf("qr%d", i)
		pdf.RegisterImageOptionsReader(images[i], fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	}
	header := func() {
		pdf.AddPage()
		pdf.SetFont(pdftext.Family, "B", 18)
		pdf.SetXY(15, 15)
		pdf.CellFormat(180, 9, tr("Vaccination record"), "", 1, "L", false, 0, "")
		pdf.SetFont(pdftext.Family, "", 12)
		pdf.SetX(15)
		line := display.Text(prof.Name())
		if prof.BirthDate.Year != 0 {
			line += "   born " + prof.BirthDate.String()
		}
		pdf.CellFormat(180, 7, tr(line), "", 1, "L", false, 0, "")
	}
	const perPage = 2
	for i, it := range items {
		if i%perPage == 0 {
			header()
		}
		y := 35 + float64(i%perPage)*125
		pdf.ImageOptions(images[i], 15, y, 100, 100, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.SetXY(120, y)
		pdf.SetFont(pdftext.Family, "B", 10)
		kind := "SMART Health Card"
		switch it.cred.Format {
		case FormatSDJWTVC:
			kind = "ImmunoPass SD-JWT VC"
		case FormatDIVOC, FormatVCJWT, FormatVCDI:
			kind = formatWords(it.cred.Format)
			kind = strings.ToUpper(kind[:1]) + kind[1:]
		}
		pdftext.MultiLine(pdf, 75, 5, kind+"\n"+display.Text(firstNonEmpty(it.cred.Issuer.Name, it.cred.Issuer.ID)))
		pdf.SetFont(pdftext.Family, "", 9)
		for _, d := range it.cred.Doses {
			pdf.SetX(120)
			txt := display.Text(d.Date) + "  " + display.Text(firstNonEmpty(d.Vaccine.Display, d.Vaccine.Code))
			if d.Lot != "" {
				txt += "  lot " + display.Text(d.Lot)
			}
			pdftext.MultiLine(pdf, 75, 4.5, txt)
		}
		pdf.SetXY(15, y+102)
		pdf.SetFont(pdftext.Family, "I", 8)
		pdf.CellFormat(180, 4, tr("Status when printed: "+string(it.cred.Status)+". A verifier checks the QR code, not this text."), "", 0, "L", false, 0, "")
	}
	// The card: ISO/IEC 7810 ID-1, 85.6 × 54 mm.
	pdf.AddPage()
	x, y := 15.0, 20.0
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetDashPattern([]float64{1, 1}, 0)
	pdf.Rect(x, y, 85.6, 54, "D")
	pdf.SetDashPattern(nil, 0)
	pdf.ImageOptions(images[0], x+36, y+3, 48, 48, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(x+3, y+5)
	pdf.SetFont(pdftext.Family, "B", 9)
	pdftext.Fit(pdf, 33, 4.5, display.Text(prof.Name()), 9, 6) // shrinks rather than wrap
	pdf.SetX(x + 3)
	pdf.SetFont(pdftext.Family, "", 7)
	if prof.BirthDate.Year != 0 {
		pdftext.MultiLine(pdf, 33, 4, "born "+prof.BirthDate.String())
		pdf.SetX(x + 3)
	}
	pdftext.MultiLine(pdf, 33, 3.5, "Vaccination record. Scan the code to verify.")
	pdf.SetXY(x, y+56)
	pdf.SetFont(pdftext.Family, "I", 7)
	pdf.CellFormat(85.6, 4, tr("Cut along the dotted line."), "", 0, "L", false, 0, "")
	return pdf.Output(out)
}

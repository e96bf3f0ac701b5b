package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/internal/pdftext"
	"github.com/immunopass/immunopass/issuer/service"
)

// The hand-over on paper: an A4 page with the patient, the doses and the
// QR codes (the SMART Health Card and any SD-JWT VC of the entry), then a
// credit-card-size wallet card (ISO/IEC 7810 ID-1, 85.6 × 54 mm) with the
// card's QR code, to cut out. The text is in an embedded Unicode font, with
// Arabic shaped and in display order (internal/pdftext): "أمل حداد" and
// "Zoë Müller-Lefèvre" print as written.

// entryRecord reads back the record a ledger entry signed (its card's
// FHIR Bundle): the clinic issued it, so it is not verified again.
func entryRecord(e *service.Entry) (*vax.Record, error) {
	card, err := shc.Parse(e.SHC)
	if err != nil {
		return nil, err
	}
	return vax.FromFHIR(card.Claims.Bundle)
}

// printQR is one QR code to print.
type printQR struct {
	label string
	text  string
}

func entryQRs(e *service.Entry) ([]printQR, error) {
	text, err := shc.EncodeQR(e.SHC)
	if err != nil {
		return nil, err
	}
	out := []printQR{{"SMART Health Card", text}}
	for i, sd := range e.SDJWT {
		t, err := sdjwt.EncodeQR(sd.SDJWT)
		if err != nil {
			return nil, err
		}
		out = append(out, printQR{fmt.Sprintf("ImmunoPass SD-JWT VC %d", i+1), t})
	}
	return out, nil
}

// RecordPDF writes the printout of a ledger entry.
func RecordPDF(e *service.Entry, issuerName string) ([]byte, error) {
	if e.Status == service.StatusRevoked {
		return nil, errors.New("this record is revoked: there is nothing to print")
	}
	rec, err := entryRecord(e)
	if err != nil {
		return nil, fmt.Errorf("ledger entry %s: the card cannot be read back: %w", e.ID, err)
	}
	codes, err := entryQRs(e)
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Vaccination record", false)
	pdf.SetCreator("ImmunoPass clinic", false)
	pdf.SetAutoPageBreak(false, 10)
	pdftext.Register(pdf)
	txt := func(s string) string { return pdftext.Shape(display.Text(s), false) }
	imgs := make([]string, len(codes))
	for i, c := range codes {
		var sym *qr.Symbol
		if strings.HasPrefix(c.text, "shc:/") {
			sym, err = qr.EncodeSHC(c.text)
		} else {
			sym, err = qr.Encode(c.text, qr.L)
		}
		if err != nil {
			return nil, err
		}
		png, err := sym.PNG(4)
		if err != nil {
			return nil, err
		}
		imgs[i] = fmt.Sprintf("qr%d", i)
		pdf.RegisterImageOptionsReader(imgs[i], fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	}
	name := rec.Patient.Name()
	born := rec.Patient.BirthDate.String()

	// Page 1: the record.
	pdf.AddPage()
	pdf.SetFont(pdftext.Family, "B", 18)
	pdf.SetXY(15, 15)
	pdf.CellFormat(180, 9, txt("Vaccination record"), "", 1, "L", false, 0, "")
	pdf.SetFont(pdftext.Family, "", 12)
	pdf.SetX(15)
	pdf.CellFormat(180, 7, txt(name+"   born "+born), "", 1, "L", false, 0, "")
	pdf.SetFont(pdftext.Family, "", 9)
	pdf.SetX(15)
	pdf.CellFormat(180, 5, txt("Issued by "+issuerName+" on "+e.Created.UTC().Format("2006-01-02")+" - ledger "+e.ID), "", 1, "L", false, 0, "")
	pdf.Ln(3)
	pdf.SetFont(pdftext.Family, "B", 9)
	pdf.SetX(15)
	for _, h := range []struct {
		w float64
		s string
	}{{24, "Date"}, {76, "Vaccine"}, {14, "Dose"}, {30, "Lot"}, {36, "Clinic"}} {
		pdf.CellFormat(h.w, 6, h.s, "B", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont(pdftext.Family, "", 9)
	for _, im := range rec.Immunizations {
		pdf.SetX(15)
		v := vax.Display(im.Vaccine.System, im.Vaccine.Code)
		if v == "" {
			v = im.Vaccine.Code
		}
		dose := ""
		if im.DoseNumber > 0 {
			dose = fmt.Sprint(im.DoseNumber)
			if im.SeriesDoses > 0 {
				dose += "/" + fmt.Sprint(im.SeriesDoses)
			}
		}
		for _, c := range []struct {
			w float64
			s string
		}{{24, im.Date.String()}, {76, v}, {14, dose}, {30, im.Lot}, {36, im.Performer}} {
			s := txt(c.s)
			for pdf.GetStringWidth(s) > c.w-1 && utf8.RuneCountInString(s) > 1 {
				_, n := utf8.DecodeLastRuneInString(s)
				s = s[:len(s)-n]
			}
			pdf.CellFormat(c.w, 5.5, s, "", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
	}
	y := pdf.GetY() + 6
	size := 90.0
	if len(codes) > 1 {
		size = 80
	}
	for i, c := range codes {
		if y+size+10 > 287 {
			pdf.AddPage()
			y = 15
		}
		x := 15.0
		if i%2 == 1 {
			x = 110
		}
		pdf.ImageOptions(imgs[i], x, y, size, size, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.SetXY(x, y+size+1)
		pdf.SetFont(pdftext.Family, "B", 9)
		pdf.CellFormat(size, 5, c.label, "", 0, "C", false, 0, "")
		if i%2 == 1 || i == len(codes)-1 {
			y += size + 10
		}
	}
	pdf.SetXY(15, 280)
	pdf.SetFont(pdftext.Family, "I", 8)
	pdf.CellFormat(180, 4, "A verifier checks the QR code, not this text. Keep this page with the family's papers.", "", 0, "L", false, 0, "")

	// Page 2: the wallet card.
	pdf.AddPage()
	x, cy := 15.0, 20.0
	pdf.SetDrawColor(120, 120, 120)
	pdf.SetDashPattern([]float64{1, 1}, 0)
	pdf.Rect(x, cy, 85.6, 54, "D")
	pdf.SetDashPattern(nil, 0)
	pdf.ImageOptions(imgs[0], x+36, cy+3, 48, 48, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(x+3, cy+5)
	pdf.SetFont(pdftext.Family, "B", 9)
	pdftext.Fit(pdf, 33, 4.5, display.Text(name), 9, 6) // shrinks rather than wrap
	pdf.SetX(x + 3)
	pdf.SetFont(pdftext.Family, "", 7)
	pdftext.MultiLine(pdf, 33, 4, display.Text("born "+born))
	pdf.SetX(x + 3)
	pdftext.MultiLine(pdf, 33, 3.5, display.Text(fmt.Sprintf("%d doses. %s. Scan the code to verify.", len(rec.Immunizations), issuerName)))
	pdf.SetXY(x, cy+56)
	pdf.SetFont(pdftext.Family, "I", 7)
	pdf.CellFormat(85.6, 4, "Cut along the dotted line.", "", 0, "L", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// printRecord serves GET /records/{id}/print.pdf.
func (s *Server) printRecord(w http.ResponseWriter, r *http.Request) {
	e, err := s.svc.Entry(r.PathValue("id"))
	if errors.Is(err, service.ErrNotFound) {
		s.staffError(w, http.StatusNotFound, "There is no ledger entry "+r.PathValue("id")+".")
		return
	}
	if err != nil {
		s.log.Error("ledger", "err", err)
		s.staffError(w, http.StatusInternalServerError, "The ledger could not be read.")
		return
	}
	if e.Status == service.StatusRevoked {
		s.staffError(w, http.StatusConflict, "This record is revoked: there is nothing to print.")
		return
	}
	pdf, err := RecordPDF(e, s.svc.Config().Issuer)
	if err != nil {
		s.log.Error("print", "entry", e.ID, "err", err)
		s.staffError(w, http.StatusInternalServerError, "The printout could not be made.")
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="vaccination-record-`+e.ID+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pdf)
}

package station

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/verifier"
)

// A printed card saved as PDF holds its QR code as an image. PDFCodes
// reads the QR codes of a PDF's images (at most maxPDFImages), in page
// order; the wallet has its own copy of this search (wallet/pdf.go), as the
// roles do not import each other.
const maxPDFImages = 32

// IsPDF reports whether data starts like a PDF file.
func IsPDF(data []byte) bool { return bytes.HasPrefix(data, []byte("%PDF-")) }

// ErrNoCodeInPDF: no image of the PDF holds a readable QR code.
var ErrNoCodeInPDF = errors.New("no QR code could be read in this PDF")

// PDFError: a file that starts like a PDF could not be read as one.
type PDFError struct{ Problem string }

func (e *PDFError) Error() string { return "the PDF could not be read: " + e.Problem }

func PDFCodes(data []byte) (texts []string, err error) {
	defer func() {
		if r := recover(); r != nil { // pdfcpu on a hostile file
			texts, err = nil, &PDFError{Problem: fmt.Sprint(r)}
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Offline = true
	n := 0
	err = api.ExtractImages(bytes.NewReader(data), nil, func(im model.Image, _ bool, _ int) error {
		if n >= maxPDFImages || im.Width*im.Height > 40_000_000 {
			return nil
		}
		n++
		b, err := io.ReadAll(io.LimitReader(im, verifier.MaxInput+1))
		if err != nil || len(b) > verifier.MaxInput {
			return nil
		}
		if ts, err := qr.Decode(b); err == nil {
			texts = append(texts, ts...)
		}
		return nil
	}, conf)
	if err != nil {
		return nil, &PDFError{Problem: err.Error()}
	}
	if len(texts) == 0 {
		return nil, ErrNoCodeInPDF
	}
	return texts, nil
}

package wallet

import (
	"bytes"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// MaxPDFImages bounds how many images of a PDF are tried for QR codes.
const MaxPDFImages = 64

type pdfImage struct {
	page int
	data []byte // PNG, JPEG or TIFF bytes as pdfcpu renders them
	kind string
}

// pdfImages returns the images embedded in a PDF, in page order, as encoded
// image files. It never panics on a hostile PDF: a panic inside the PDF
// library becomes an error.
func pdfImages(data []byte) (imgs []pdfImage, err error) {
	defer func() {
		if r := recover(); r != nil {
			imgs, err = nil, fmt.Errorf("malformed PDF (%v)", r)
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Offline = true
	err = api.ExtractImages(bytes.NewReader(data), nil, func(im model.Image, _ bool, _ int) error {
		if len(imgs) >= MaxPDFImages {
			return nil
		}
		if im.Width*im.Height > 40_000_000 {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(im, MaxImport+1))
		if err != nil || len(b) > MaxImport {
			return nil
		}
		imgs = append(imgs, pdfImage{page: im.PageNr, data: b, kind: im.FileType})
		return nil
	}, conf)
	if err != nil {
		return nil, err
	}
	return imgs, nil
}

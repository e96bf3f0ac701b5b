package ui

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/credential/qr"
)

// qrCode is a QR code drawn black on white at the largest square its space
// allows, with a white quiet zone in every theme.
type qrCode struct {
	widget.BaseWidget
	bg  *canvas.Rectangle
	img *canvas.Image
	min float32
}

// newQRImage shows an already rendered QR image (its own quiet zone
// included).
func newQRImage(img image.Image, min float32) *qrCode {
	q := &qrCode{min: min}
	q.bg = canvas.NewRectangle(color.White) // never a theme colour
	q.img = canvas.NewImageFromImage(img)
	q.img.FillMode = canvas.ImageFillContain
	q.img.ScaleMode = canvas.ImageScalePixels
	q.ExtendBaseWidget(q)
	return q
}

// newQRText encodes text (SHC texts at level L in the SHC mode, others at
// level M) and shows it.
func newQRText(text string, min float32) (*qrCode, error) {
	sym, err := encodeQR(text)
	if err != nil {
		return nil, err
	}
	return newQRImage(sym.Image(), min), nil
}

func encodeQR(text string) (*qr.Symbol, error) {
	if len(text) > 5 && text[:5] == "shc:/" {
		return qr.EncodeSHC(text)
	}
	return qr.Encode(text, qr.M)
}

// SetText replaces the code (live mode refresh).
func (q *qrCode) SetText(text string) error {
	sym, err := encodeQR(text)
	if err != nil {
		return err
	}
	q.img.Image = sym.Image()
	q.img.Refresh()
	return nil
}

func (q *qrCode) CreateRenderer() fyne.WidgetRenderer {
	return &qrRenderer{q: q}
}

type qrRenderer struct{ q *qrCode }

func (r *qrRenderer) Layout(size fyne.Size) {
	side := min(size.Width, size.Height)
	r.q.bg.Move(fyne.NewPos((size.Width-side)/2, (size.Height-side)/2))
	r.q.bg.Resize(fyne.NewSquareSize(side))
	// The image carries a quiet zone of qr.QuietZone modules; a white
	// margin of 3% more keeps the zone whole when scaling rounds.
	m := side * 0.03
	r.q.img.Move(r.q.bg.Position().AddXY(m, m))
	r.q.img.Resize(fyne.NewSquareSize(side - 2*m))
}

func (r *qrRenderer) MinSize() fyne.Size { return fyne.NewSquareSize(r.q.min) }
func (r *qrRenderer) Refresh()           { r.q.bg.FillColor = color.White; r.q.bg.Refresh(); r.q.img.Refresh() }
func (r *qrRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.q.bg, r.q.img}
}
func (r *qrRenderer) Destroy() {}

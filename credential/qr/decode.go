package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"time"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
)

// Limits on the images Decode accepts.
const (
	MaxPixels   = 40_000_000 // width × height of a raster image
	MaxSide     = 16384      // width or height of a raster image, in pixels
	MaxSVGBytes = 2 << 20    // size of an SVG document
	MaxSVGPaths = 100_000    // drawn elements of an SVG document

	svgRasterSide = 1200 // longer side of a rasterised SVG, in pixels
	svgDrawBudget = 2 * time.Second
)

// ErrNoCode is returned when an image holds no QR code that could be read.
var ErrNoCode = errors.New("no readable QR code")

// FormatError reports bytes that are not an image of a supported format
// (PNG, JPEG, GIF, SVG), or a corrupt one.
type FormatError struct {
	Format string // "png", "jpeg", "gif", "svg", or "" if unrecognised
	Err    error  // the underlying decoder error, if any
}

func (e *FormatError) Error() string {
	switch {
	case e.Format == "":
		return "unrecognised image format (want png, jpeg, gif or svg)"
	case e.Err == nil:
		return "corrupt " + e.Format + " image"
	}
	return fmt.Sprintf("corrupt %s image: %v", e.Format, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// ImageTooLargeError reports an image over MaxSide pixels on a side or over
// MaxPixels pixels, refused before its pixels are decoded.
type ImageTooLargeError struct {
	Width, Height int
}

func (e *ImageTooLargeError) Error() string {
	return fmt.Sprintf("image of %d×%d pixels is too large (limit %d pixels, %d on a side)", e.Width, e.Height, MaxPixels, MaxSide)
}

// internalError wraps a panic recovered from a decoding library.
type internalError struct{ v any }

func (e *internalError) Error() string { return fmt.Sprintf("qr decoder failure: %v", e.v) }

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return &FormatError{Err: fmt.Errorf("image of %d×%d pixels", w, h)}
	}
	if w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels {
		return &ImageTooLargeError{Width: w, Height: h}
	}
	return nil
}

// sniff names the format of data, or returns "".
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif"
	}
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if bytes.HasPrefix(head, []byte("<")) && bytes.Contains(head, []byte("<svg")) {
		return "svg"
	}
	return ""
}

// Decode reads the QR codes in an encoded image (PNG, JPEG, GIF or SVG) and
// returns their texts, at least one. It returns a *FormatError for bytes that
// are not a supported image, an *ImageTooLargeError for an image over the
// limits, and ErrNoCode when no code could be read.
func Decode(data []byte) ([]string, error) {
	img, err := decodeImageBytes(data)
	if err != nil {
		return nil, err
	}
	return decodeAll(img)
}

// DecodeImage reads one QR code in img and returns its text, or ErrNoCode.
// It refuses images over the limits with an *ImageTooLargeError.
func DecodeImage(img image.Image) (string, error) {
	if img == nil {
		return "", &FormatError{Err: errors.New("nil image")}
	}
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return "", err
	}
	g := toGray(img)
	return decodeGray(g)
}

func decodeImageBytes(data []byte) (img image.Image, err error) {
	format := sniff(data)
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, &FormatError{Format: format, Err: &internalError{r}}
		}
	}()
	var cfg image.Config
	var dec func(*bytes.Reader) (image.Image, error)
	switch format {
	case "png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
		dec = func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		dec = func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }
	case "gif":
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
		dec = func(r *bytes.Reader) (image.Image, error) { return gif.Decode(r) }
	case "svg":
		return rasteriseSVG(data)
	default:
		return nil, &FormatError{}
	}
	if err != nil {
		return nil, &FormatError{Format: format, Err: err}
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img, err = dec(bytes.NewReader(data))
	if err != nil {
		return nil, &FormatError{Format: format, Err: err}
	}
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil { // a GIF frame may differ from its header
		return nil, err
	}
	return img, nil
}

// rasteriseSVG draws an SVG document on a white canvas whose longer side is
// svgRasterSide pixels.
func rasteriseSVG(data []byte) (image.Image, error) {
	if len(data) > MaxSVGBytes {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("document of %d bytes is over the limit of %d", len(data), MaxSVGBytes)}
	}
	// Every drawn element starts with '<'; <use> copies elements, so bound
	// their product too.
	elems := bytes.Count(data, []byte("<"))
	uses := bytes.Count(data, []byte("<use"))
	if elems > MaxSVGPaths || uses*elems > MaxSVGPaths {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("document with %d elements is too complex", elems)}
	}
	icon, err := oksvg.ReadIconStream(bytes.NewReader(data), oksvg.IgnoreErrorMode)
	if err != nil {
		return nil, &FormatError{Format: "svg", Err: err}
	}
	if len(icon.SVGPaths) > MaxSVGPaths {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("document with %d paths is too complex", len(icon.SVGPaths))}
	}
	vw, vh := icon.ViewBox.W, icon.ViewBox.H
	if !(vw > 0 && vh > 0 && vw < 1e7 && vh < 1e7) {
		return nil, &FormatError{Format: "svg", Err: errors.New("missing or bad viewBox")}
	}
	w, h := svgRasterSide, svgRasterSide
	if vw > vh {
		h = max(1, int(float64(svgRasterSide)*vh/vw+0.5))
	} else {
		w = max(1, int(float64(svgRasterSide)*vw/vh+0.5))
	}
	if w < 21 || h < 21 {
		return nil, &FormatError{Format: "svg", Err: fmt.Errorf("aspect ratio %g:%g cannot hold a QR code", vw, vh)}
	}
	icon.SetTarget(0, 0, float64(w), float64(h))
	// oksvg strokes in device pixels and defaults to a width of 2; SVG
	// strokes in user units and defaults to 1. QR generators that draw each
	// row as a stroked line (as the SMART Health Cards examples do) rely on
	// that.
	m := icon.Transform
	scale := math.Sqrt(math.Abs(m.A*m.D - m.B*m.C))
	explicit := bytes.Contains(data, []byte("stroke-width"))
	for i := range icon.SVGPaths {
		if !explicit {
			icon.SVGPaths[i].LineWidth = 1
		}
		icon.SVGPaths[i].LineWidth *= scale
	}
	canvas := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	dasher := rasterx.NewDasher(w, h, rasterx.NewScannerGV(w, h, canvas, canvas.Bounds()))
	start := time.Now()
	for i := range icon.SVGPaths {
		icon.SVGPaths[i].DrawTransformed(dasher, 1, icon.Transform)
		if time.Since(start) > svgDrawBudget {
			return nil, &FormatError{Format: "svg", Err: errors.New("document too costly to draw")}
		}
	}
	return canvas, nil
}

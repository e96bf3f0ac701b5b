package qr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
)

// Limits on the images Decode accepts.
const (
	MaxPixels       = 52_000_000 // width × height of a raster image: a 50-megapixel phone photo fits
	MaxSide         = 16384      // width or height of a raster image, in pixels
	MaxDecodedBytes = 160 << 20  // memory the decoded pixels of a raster image may take
	MaxSVGBytes     = 2 << 20    // size of an SVG document
	MaxSVGPaths     = 100_000    // drawn elements of an SVG document
)

// workPixels is the size photos are shrunk to before the ladder (see
// toGrayScaled); fallbackPixels the size of the one extra try at a finer
// scale when a shrunk photo gives no code.
var (
	workPixels     = 4_000_000
	fallbackPixels = 16_000_000
)

// ErrBudget is returned when the time the caller allowed for reading images
// (the context given to DecodeContext) ran out before a code was read.
var ErrBudget = errors.New("not read: the time allowed for reading the images of this call was used up; read fewer images at once")

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

// ImageTooLargeError reports an image over MaxSide pixels on a side, over
// MaxPixels pixels, or whose decoded pixels would take over
// MaxDecodedBytes, refused before its pixels are decoded.
type ImageTooLargeError struct {
	Width, Height int
	BytesPerPixel int // set when the memory limit is the one exceeded
}

func (e *ImageTooLargeError) Error() string {
	if e.BytesPerPixel > 0 {
		return fmt.Sprintf("image of %d×%d pixels at %d bytes a pixel is too large to decode (limit %d MiB of pixels)",
			e.Width, e.Height, e.BytesPerPixel, MaxDecodedBytes>>20)
	}
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

// bytesPerPixel is what the standard decoders allocate per pixel for a
// colour model (JPEG's YCbCr counted at 4:4:4, its largest).
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK
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
	return DecodeContext(context.Background(), data)
}

// DecodeContext is Decode within a caller's budget: it stops when ctx is
// done (ErrBudget if no code was read by then), on top of the ladder's own
// limit of about two seconds an image. Pass one context with a deadline to
// every image of one call to bound the call.
func DecodeContext(ctx context.Context, data []byte) ([]string, error) {
	if ctx.Err() != nil {
		return nil, ErrBudget
	}
	if sniff(data) == "png" {
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, &FormatError{Format: "png", Err: err}
		}
		if err := checkSize(cfg.Width, cfg.Height); err != nil {
			return nil, err
		}
		src := func(ctx context.Context, maxPixels int) (*gray, error) {
			g, err := decodePNGGray(ctx, data, maxPixels)
			var large *ImageTooLargeError
			switch {
			case err == nil, errors.As(err, &large), errors.Is(err, errInterlaced):
				return g, err
			case ctx.Err() != nil:
				return nil, ErrBudget
			}
			return nil, &FormatError{Format: "png", Err: err}
		}
		texts, err := decodeImg(ctx, cfg.Width*cfg.Height, src, true)
		if !errors.Is(err, errInterlaced) {
			return texts, budgetErr(ctx, err)
		}
		// Interlaced rows come in seven passes: the standard decoder, under
		// the pixel memory limit.
	}
	img, err := decodeImageBytes(data)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	texts, err := decodeImg(ctx, b.Dx()*b.Dy(), func(_ context.Context, n int) (*gray, error) { return toGrayScaled(img, n), nil }, true)
	return texts, budgetErr(ctx, err)
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
	texts, err := decodeImg(context.Background(), b.Dx()*b.Dy(), func(_ context.Context, n int) (*gray, error) { return toGrayScaled(img, n), nil }, false)
	if err != nil {
		return "", err
	}
	return texts[0], nil
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
	case "jpeg", "gif":
		var c photoCodec
		if c, err = photoDecoder(format); err == nil {
			cfg, err = c.config(bytes.NewReader(data))
			dec = func(r *bytes.Reader) (image.Image, error) { return c.decode(r) }
		}
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
	if bpp := bytesPerPixel(cfg.ColorModel); int64(cfg.Width)*int64(cfg.Height)*int64(bpp) > MaxDecodedBytes {
		return nil, &ImageTooLargeError{Width: cfg.Width, Height: cfg.Height, BytesPerPixel: bpp}
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

// photoCodec reads a JPEG or GIF picture (photo.go; none in the js build,
// photo_js.go).
type photoCodec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

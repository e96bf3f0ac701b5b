package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// Level is a QR code error-correction level.
type Level int

// The four error-correction levels, from the smallest symbol to the most robust.
const (
	L Level = iota // recovers about 7% of the codewords
	M              // about 15%
	Q              // about 25%
	H              // about 30%
)

func (l Level) String() string {
	switch l {
	case L:
		return "L"
	case M:
		return "M"
	case Q:
		return "Q"
	case H:
		return "H"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

func (l Level) recovery() (qrcode.RecoveryLevel, bool) {
	switch l {
	case L:
		return qrcode.Low, true
	case M:
		return qrcode.Medium, true
	case Q:
		return qrcode.High, true
	case H:
		return qrcode.Highest, true
	}
	return 0, false
}

// QuietZone is the width, in modules, of the white border around every
// rendered symbol.
const QuietZone = 4

// MaxVersion is the largest QR code version.
const MaxVersion = 40

// SHCMaxVersion is the largest version the SMART Health Cards specification
// allows for one QR code (1195 numeric characters at level L).
const SHCMaxVersion = 22

// TooLargeError reports a text that does not fit in a version-40 symbol at the
// requested level.
type TooLargeError struct {
	Len   int   // length of the text in bytes
	Level Level // requested error-correction level
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("text of %d bytes does not fit in a version %d QR code at level %v", e.Len, MaxVersion, e.Level)
}

// ErrEmpty is returned when asked to encode an empty text.
var ErrEmpty = errors.New("empty text")

// SHCError reports a text that is not a SMART Health Card QR text.
type SHCError struct {
	Text   string // the offending text, shortened
	Reason string
}

func (e *SHCError) Error() string {
	return fmt.Sprintf("not a smart health card QR text %q: %s", e.Text, e.Reason)
}

// Symbol is an encoded QR code.
type Symbol struct {
	text    string
	version int
	level   Level
	bits    [][]bool // modules with the quiet zone, bits[y][x] true = dark
}

// Encode encodes text in the smallest symbol at level. Segments are chosen by
// character class (see the package documentation). A text too long for
// version 40 gives a *TooLargeError.
func Encode(text string, level Level) (*Symbol, error) {
	if text == "" {
		return nil, ErrEmpty
	}
	rl, ok := level.recovery()
	if !ok {
		return nil, fmt.Errorf("unknown QR error-correction level %d", int(level))
	}
	// go-qrcode's capacity search also fails for too-long texts; refuse
	// obviously oversized input before it builds any bitset.
	if len(text) > 7089 {
		return nil, &TooLargeError{Len: len(text), Level: level}
	}
	q, err := qrcode.New(text, rl)
	if err != nil {
		if strings.Contains(err.Error(), "too long") {
			return nil, &TooLargeError{Len: len(text), Level: level}
		}
		return nil, fmt.Errorf("qr encoding: %v", err)
	}
	bm := q.Bitmap()
	if want := 17 + 4*q.VersionNumber + 2*QuietZone; len(bm) != want {
		return nil, fmt.Errorf("qr encoder returned a %d-module bitmap for version %d", len(bm), q.VersionNumber)
	}
	return &Symbol{text: text, version: q.VersionNumber, level: level, bits: bm}, nil
}

// EncodeSHC encodes a SMART Health Card QR text ("shc:/" then digits, or a
// chunk "shc:/C/N/" then digits) at level L, as a byte segment holding the
// prefix followed by a numeric segment holding the digits. It refuses texts
// that are not of that form, and cards whose symbol would exceed version 22.
func EncodeSHC(text string) (*Symbol, error) {
	digits, err := shcDigits(text)
	if err != nil {
		return nil, err
	}
	if len(digits) == 0 || len(digits)%2 != 0 {
		return nil, &SHCError{Text: short(text), Reason: "the numeric part must have an even, non-zero number of digits"}
	}
	s, err := Encode(text, L)
	if err != nil {
		return nil, err
	}
	if s.version > SHCMaxVersion {
		return nil, &SHCError{Text: short(text), Reason: fmt.Sprintf("needs version %d, more than %d: split the card into chunks", s.version, SHCMaxVersion)}
	}
	return s, nil
}

// shcDigits checks the shc:/ prefix (with optional chunk numbers) and returns
// the numeric part.
func shcDigits(text string) (string, error) {
	rest, ok := strings.CutPrefix(text, "shc:/")
	if !ok {
		return "", &SHCError{Text: short(text), Reason: `missing prefix "shc:/"`}
	}
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		parts := strings.Split(rest[:i], "/")
		if len(parts) != 2 || !isPosInt(parts[0]) || !isPosInt(parts[1]) {
			return "", &SHCError{Text: short(text), Reason: "bad chunk numbers"}
		}
		c, _ := strconv.Atoi(parts[0])
		if n, _ := strconv.Atoi(parts[1]); c > n {
			return "", &SHCError{Text: short(text), Reason: "chunk index above the chunk count"}
		}
		rest = rest[i+1:]
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return "", &SHCError{Text: short(text), Reason: "non-digit in the numeric part"}
		}
	}
	return rest, nil
}

func isPosInt(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && s[0] != '0' && len(s) < 4
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Text returns the encoded text.
func (s *Symbol) Text() string { return s.text }

// Version returns the QR code version, 1 to 40.
func (s *Symbol) Version() int { return s.version }

// Level returns the error-correction level.
func (s *Symbol) Level() Level { return s.level }

// Modules returns the number of modules on a side, without the quiet zone
// (17 + 4×version).
func (s *Symbol) Modules() int { return len(s.bits) - 2*QuietZone }

// Dark reports whether the module at (x, y) is dark; coordinates start at the
// top-left module of the symbol proper (the quiet zone excluded).
func (s *Symbol) Dark(x, y int) bool {
	n := s.Modules()
	if x < 0 || y < 0 || x >= n || y >= n {
		return false
	}
	return s.bits[y+QuietZone][x+QuietZone]
}

// Image returns the symbol with its quiet zone at one pixel per module, as an
// 8-bit grey image, black on white. Scale it with nearest-neighbour sampling,
// or use [Symbol.ImageScaled].
func (s *Symbol) Image() image.Image { return s.ImageScaled(1) }

// ImageScaled returns the symbol with its quiet zone at pixelsPerModule pixels
// per module (1 to MaxPixelsPerModule), as an 8-bit grey image, black on white.
func (s *Symbol) ImageScaled(pixelsPerModule int) image.Image {
	pixelsPerModule = max(1, min(pixelsPerModule, MaxPixelsPerModule))
	n := len(s.bits)
	side := n * pixelsPerModule
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		row := s.bits[y/pixelsPerModule]
		p := img.Pix[y*img.Stride : y*img.Stride+side]
		for x := range p {
			if row[x/pixelsPerModule] {
				p[x] = 0
			} else {
				p[x] = 0xff
			}
		}
	}
	return img
}

// MaxPixelsPerModule bounds the PNG scale.
const MaxPixelsPerModule = 64

// PNG renders the symbol as a PNG at pixelsPerModule pixels per module (1 to
// MaxPixelsPerModule), with the quiet zone, black on white.
func (s *Symbol) PNG(pixelsPerModule int) ([]byte, error) {
	if pixelsPerModule < 1 || pixelsPerModule > MaxPixelsPerModule {
		return nil, fmt.Errorf("pixels per module %d out of range 1..%d", pixelsPerModule, MaxPixelsPerModule)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, s.paletted(pixelsPerModule)); err != nil {
		return nil, fmt.Errorf("png encoding: %v", err)
	}
	return buf.Bytes(), nil
}

// PNGSize renders the symbol as a PNG about size pixels wide: the largest
// whole number of pixels per module that fits, at least 1.
func (s *Symbol) PNGSize(size int) ([]byte, error) {
	ppm := size / len(s.bits)
	if ppm < 1 {
		ppm = 1
	}
	if ppm > MaxPixelsPerModule {
		ppm = MaxPixelsPerModule
	}
	return s.PNG(ppm)
}

func (s *Symbol) paletted(ppm int) *image.Paletted {
	n := len(s.bits)
	side := n * ppm
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for y := 0; y < side; y++ {
		row := s.bits[y/ppm]
		p := img.Pix[y*img.Stride : y*img.Stride+side]
		for x := range p {
			if row[x/ppm] {
				p[x] = 1
			}
		}
	}
	return img
}

// SVG renders the symbol as a standalone SVG document whose user unit is one
// module: a white square, quiet zone included, and one black path of runs.
func (s *Symbol) SVG() []byte {
	n := len(s.bits)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`, n, n, n*8, n*8)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/><path fill="#000000" d="`, n, n)
	for y, row := range s.bits {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			x0 := x
			for x < n && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x0, y, x-x0, x-x0)
		}
	}
	b.WriteString(`"/></svg>`)
	b.WriteByte('\n')
	return b.Bytes()
}

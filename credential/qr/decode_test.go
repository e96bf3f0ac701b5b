package qr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const shcExamples = "../../testdata/shc/examples"

func mustDecode(t *testing.T, name string, data []byte) string {
	t.Helper()
	texts, err := Decode(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(texts) == 0 {
		t.Fatalf("%s: no text", name)
	}
	return texts[0]
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	type tc struct {
		name string
		text string
		shc  bool
	}
	var cases []tc
	for _, n := range []int{20, 600, 1400, 2390} {
		cases = append(cases, tc{fmt.Sprintf("shc-%d", n), shcText(r, n), true})
	}
	for _, n := range []int{120, 700, 1200, 1800} {
		cases = append(cases, tc{fmt.Sprintf("sdjwt-%d", n), sdjwtText(r, n), false})
	}
	cases = append(cases, tc{"utf8", "Zoë · 予防接種 ✓", false})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s *Symbol
			var err error
			if c.shc {
				s, err = EncodeSHC(c.text)
			} else {
				s, err = Encode(c.text, M)
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.PNG(4)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustDecode(t, "png", p); got != c.text {
				t.Errorf("png: got %q, want %q", short(got), short(c.text))
			}
			if got := mustDecode(t, "svg", s.SVG()); got != c.text {
				t.Errorf("svg: got %q, want %q", short(got), short(c.text))
			}
			got, err := DecodeImage(s.ImageScaled(3))
			if err != nil || got != c.text {
				t.Errorf("DecodeImage: %q, %v", short(got), err)
			}
		})
	}
}

func TestDecodeFormats(t *testing.T) {
	s, err := Encode("shc:/5676295953265460346029254077280433602870", L)
	if err != nil {
		t.Fatal(err)
	}
	img := s.ImageScaled(5)
	var jp, gf bytes.Buffer
	if err := jpeg.Encode(&jp, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gf, img, nil); err != nil {
		t.Fatal(err)
	}
	// an NRGBA image with a transparent background counts as white
	nr := image.NewNRGBA(img.Bounds())
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if g := color.GrayModel.Convert(img.At(x, y)).(color.Gray); g.Y < 128 {
				nr.Set(x, y, color.NRGBA{20, 20, 60, 255})
			}
		}
	}
	var tp bytes.Buffer
	if err := png.Encode(&tp, nr); err != nil {
		t.Fatal(err)
	}
	// a sub-image whose bounds do not start at the origin
	big := image.NewGray(image.Rect(0, 0, b.Dx()+100, b.Dy()+60))
	for i := range big.Pix {
		big.Pix[i] = 90
	}
	sub := big.SubImage(image.Rect(50, 30, 50+b.Dx(), 30+b.Dy())).(*image.Gray)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			sub.SetGray(50+x, 30+y, color.GrayModel.Convert(img.At(x, y)).(color.Gray))
		}
	}
	if got, err := DecodeImage(sub); err != nil || got != s.Text() {
		t.Errorf("sub-image: %q, %v", got, err)
	}
	for name, data := range map[string][]byte{"jpeg": jp.Bytes(), "gif": gf.Bytes(), "transparent png": tp.Bytes()} {
		if got := mustDecode(t, name, data); got != s.Text() {
			t.Errorf("%s: got %q", name, got)
		}
	}
}

// TestSHCExamples decodes the SMART Health Cards specification's example QR
// codes, as PNG renders and as SVG.
func TestSHCExamples(t *testing.T) {
	svgs, _ := filepath.Glob(filepath.Join(shcExamples, "example-*-g-qr-code-*.svg"))
	pngs, _ := filepath.Glob(filepath.Join(shcExamples, "png", "example-*-g-qr-code-*.png"))
	if len(svgs) == 0 || len(pngs) == 0 {
		t.Fatalf("no examples in %s", shcExamples)
	}
	for _, p := range append(svgs, pngs...) {
		base := filepath.Base(p)
		// example-NN-g-qr-code-K.ext → example-NN-f-qr-code-numeric-value-K.txt
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		txt := strings.Replace(stem, "-g-qr-code-", "-f-qr-code-numeric-value-", 1) + ".txt"
		want, err := os.ReadFile(filepath.Join(shcExamples, txt))
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := Decode(data)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if len(texts) != 1 || texts[0] != strings.TrimSpace(string(want)) {
			t.Errorf("%s: got %q, want %q", base, texts, short(string(want)))
		}
	}
}

// TestDegraded decodes one committed image per hard degradation, made with
// testdata/tools/qrbench at the repository root (-n 1 -sizes 600,1200,1800 -seed 7; blurred and
// JPEG ones re-saved as JPEG to keep them small).
func TestDegraded(t *testing.T) {
	imgs, _ := filepath.Glob("testdata/degraded/*.*g")
	if len(imgs) < 8 {
		t.Fatalf("only %d degraded images", len(imgs))
	}
	for _, p := range imgs {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(p, filepath.Ext(p)) + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			if got := mustDecode(t, name, data); got != string(want) {
				t.Errorf("got %q, want %q", short(got), short(string(want)))
			}
		})
	}
}

// pngHeader builds the signature and IHDR chunk of a w×h 8-bit RGBA PNG.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestHostileInputs(t *testing.T) {
	// hangBound catches a decoder that does not stop (a bomb runs for ever
	// or for minutes); the ladder's own cap is 2 s, and a loaded 2-core
	// machine has taken 3.1 s for an SVG bomb, so it is not a speed goal:
	// those are benchmarks.
	const hangBound = 15 * time.Second
	s, _ := Encode("hostile", M)
	good, _ := s.PNG(4)

	t.Run("huge png header", func(t *testing.T) {
		start := time.Now()
		_, err := Decode(append(pngHeader(20000, 20000), make([]byte, 64)...))
		var te *ImageTooLargeError
		if !errors.As(err, &te) || te.Width != 20000 || te.Height != 20000 {
			t.Fatalf("got %v, want *ImageTooLargeError 20000×20000", err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("took %v", d)
		}
		_, err = Decode(pngHeader(10000, 6000)) // 60 MP, each side allowed
		if !errors.As(err, &te) {
			t.Errorf("60 MP: got %v", err)
		}
	})
	t.Run("huge DecodeImage", func(t *testing.T) {
		_, err := DecodeImage(image.NewGray(image.Rect(0, 0, 17000, 1)))
		var te *ImageTooLargeError
		if !errors.As(err, &te) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("truncated png", func(t *testing.T) {
		for _, n := range []int{8, 30, len(good) / 2, len(good) - 13} {
			_, err := Decode(good[:n])
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Format != "png" {
				t.Errorf("%d bytes: got %v, want *FormatError", n, err)
			}
		}
	})
	t.Run("random bytes", func(t *testing.T) {
		r := rand.New(rand.NewSource(6))
		for i := 0; i < 20; i++ {
			b := make([]byte, 1+r.Intn(2000))
			r.Read(b)
			_, err := Decode(b)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("got %v, want *FormatError", err)
			}
		}
		if _, err := Decode(nil); err == nil {
			t.Error("nil accepted")
		}
	})
	t.Run("huge svg", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">`)
		for b.Len() < MaxSVGBytes+1 {
			b.WriteString(`<rect x="1" y="1" width="98" height="98"/>`)
		}
		b.WriteString(`</svg>`)
		start := time.Now()
		_, err := Decode(b.Bytes())
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Format != "svg" {
			t.Errorf("got %v, want *FormatError", err)
		}
		// many full-canvas shapes under the byte limit: refused as too complex
		b.Reset()
		b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">`)
		for i := 0; i <= MaxSVGPaths; i++ {
			b.WriteString(`<path d="M0 0h99v99z"/>`)
		}
		b.WriteString(`</svg>`)
		if _, err := Decode(b.Bytes()); !errors.As(err, &fe) {
			t.Errorf("complex svg: got %v", err)
		}
		if d := time.Since(start); d > hangBound {
			t.Errorf("took %v", d)
		}
		if _, err := Decode([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0h1"/></svg>`)); !errors.As(err, &fe) {
			t.Errorf("svg without size: got %v", err)
		}
	})
	t.Run("svg bombs", func(t *testing.T) {
		const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">`
		for _, doc := range []string{
			head + `<circle r="1e9" cx="5" cy="5"/></svg>`,
			head + `<path d="M0 0 A1e9 1e9 0 0 0 1e9 1e9z"/></svg>`,
			head + `<path stroke="#000" stroke-width="1e6" d="M0 0L10 10"/></svg>`,
			head + `<path stroke="#000" stroke-dasharray="0.00001" d="M0 0L10 10L0 10L10 0"/></svg>`,
			head + `<path stroke="#000" stroke-dasharray="1e-9 1e-9" d="M0 0C1e5 1e5 -1e5 1e5 10 10"/></svg>`,
			head + `<path d="M0 0L1e300 1e300L0 1e300z"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1e-30 1e-30"><path d="M0 0L10 10L0 10"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 100000"><path d="M0 0L1 1"/></svg>`,
		} {
			start := time.Now()
			if _, err := Decode([]byte(doc)); err == nil {
				t.Errorf("%s: accepted", doc)
			}
			if d := time.Since(start); d > hangBound {
				t.Errorf("%s: took %v", doc, d)
			}
		}
	})
	t.Run("white image", func(t *testing.T) {
		img := image.NewGray(image.Rect(0, 0, 400, 300))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		if _, err := Decode(b.Bytes()); !errors.Is(err, ErrNoCode) {
			t.Errorf("got %v, want ErrNoCode", err)
		}
		if _, err := DecodeImage(image.NewGray(image.Rect(0, 0, 3, 3))); !errors.Is(err, ErrNoCode) {
			t.Errorf("tiny: got %v, want ErrNoCode", err)
		}
	})
	t.Run("noise image", func(t *testing.T) {
		r := rand.New(rand.NewSource(7))
		img := image.NewGray(image.Rect(0, 0, 640, 480))
		r.Read(img.Pix)
		start := time.Now()
		if _, err := DecodeImage(img); !errors.Is(err, ErrNoCode) {
			t.Errorf("got %v, want ErrNoCode", err)
		}
		t.Logf("noise: %v", time.Since(start))
	})
}

func FuzzDecode(f *testing.F) {
	s, _ := Encode("fuzz", L)
	p, _ := s.PNG(2)
	f.Add(p)
	f.Add(s.SVG())
	imgs, _ := filepath.Glob("testdata/degraded/*_tiny240.png")
	for _, name := range imgs {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add(pngHeader(20000, 20000))
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Add([]byte(`<svg viewBox="0 0 10 10"><rect width="5" height="5"/></svg>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		texts, err := Decode(data)
		if err == nil && len(texts) == 0 {
			t.Fatal("no error and no text")
		}
		if d := time.Since(start); d > 10*time.Second { // the ladder stops at 2 s
			t.Fatalf("took %v", d)
		}
	})
}

// TestLargeImage: a symbol in a 24-megapixel frame is read on a smaller copy.
func TestLargeImage(t *testing.T) {
	if testing.Short() {
		t.Skip("large allocation")
	}
	s, _ := EncodeSHC(shcText(rand.New(rand.NewSource(9)), 600))
	sym := toGray(s.ImageScaled(24))
	img := image.NewGray(image.Rect(0, 0, 6000, 4000))
	for i := range img.Pix {
		img.Pix[i] = 180
	}
	for y := 0; y < sym.h; y++ {
		copy(img.Pix[(y+700)*img.Stride+1500:], sym.pix[y*sym.w:(y+1)*sym.w])
	}
	got, err := DecodeImage(img)
	if err != nil || got != s.Text() {
		t.Errorf("got %q, %v", short(got), err)
	}
}

// TestTwoCodes: Decode returns every code in the image.
func TestTwoCodes(t *testing.T) {
	a, _ := Encode("first code", M)
	b, _ := Encode("second code, a little longer", M)
	ga, gb := toGray(a.ImageScaled(6)), toGray(b.ImageScaled(6))
	img := image.NewGray(image.Rect(0, 0, ga.w+gb.w+40, max(ga.h, gb.h)+40))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < ga.h; y++ {
		copy(img.Pix[(y+20)*img.Stride+10:], ga.pix[y*ga.w:(y+1)*ga.w])
	}
	for y := 0; y < gb.h; y++ {
		copy(img.Pix[(y+20)*img.Stride+30+ga.w:], gb.pix[y*gb.w:(y+1)*gb.w])
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	texts, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(texts, "|")
	if len(texts) != 2 || !strings.Contains(got, "first code") || !strings.Contains(got, "second code") {
		t.Errorf("got %q", texts)
	}
}

// TestDecodeFrame: a clean symbol in a frame reads; a frame without a code
// is given up within its budget (bounded by the cheap steps), where
// DecodeImage would run its whole ladder.
func TestDecodeFrame(t *testing.T) {
	sym, err := Encode("HC1:NCFOXN%TS3DH0YOJ58S", M)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeFrame(sym.ImageScaled(6), 200*time.Millisecond); err != nil || got != "HC1:NCFOXN%TS3DH0YOJ58S" {
		t.Fatalf("clean frame: %q %v", got, err)
	}
	noise := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range noise.Pix {
		noise.Pix[i] = uint8((i*7919 + i/640*104729) % 251)
	}
	if _, err := DecodeFrame(noise, 50*time.Millisecond); err != ErrNoCode {
		t.Fatalf("noise: %v", err)
	}
}

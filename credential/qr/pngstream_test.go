package qr

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand"
	"testing"
	"time"
)

// pngVariants encodes one picture in every layout image/png writes: grey 8
// and 16, truecolour 8 and 16, with alpha 8 and 16, and palettes of 2, 4,
// 16 and 256 colours (bit depths 1, 2, 4, 8).
func pngVariants(t testing.TB) map[string][]byte {
	const w, h = 37, 23
	r := rand.New(rand.NewSource(1))
	imgs := map[string]image.Image{}
	g8, g16 := image.NewGray(image.Rect(0, 0, w, h)), image.NewGray16(image.Rect(0, 0, w, h))
	rgb, rgba := image.NewRGBA(image.Rect(0, 0, w, h)), image.NewNRGBA(image.Rect(0, 0, w, h))
	rgb16, rgba16 := image.NewRGBA64(image.Rect(0, 0, w, h)), image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(r.Intn(256))
			g8.SetGray(x, y, color.Gray{v})
			g16.SetGray16(x, y, color.Gray16{uint16(r.Intn(65536))})
			rgb.SetRGBA(x, y, color.RGBA{v, uint8(r.Intn(256)), uint8(r.Intn(256)), 255})
			rgba.SetNRGBA(x, y, color.NRGBA{v, uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256))})
			rgb16.SetRGBA64(x, y, color.RGBA64{uint16(r.Intn(65536)), uint16(r.Intn(65536)), uint16(r.Intn(65536)), 65535})
			rgba16.SetNRGBA64(x, y, color.NRGBA64{uint16(r.Intn(65536)), uint16(r.Intn(65536)), uint16(r.Intn(65536)), uint16(r.Intn(65536))})
		}
	}
	imgs["gray8"], imgs["gray16"], imgs["rgb8"], imgs["rgba8"], imgs["rgb16"], imgs["rgba16"] = g8, g16, rgb, rgba, rgb16, rgba16
	for _, n := range []int{2, 4, 16, 256} {
		pal := make(color.Palette, n)
		for i := range pal {
			pal[i] = color.NRGBA{uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(255 - i%3*100)}
		}
		p := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for i := range p.Pix {
			p.Pix[i] = uint8(r.Intn(n))
		}
		imgs["pal"+string(rune('0'+len(pal)%10))+"-"+string(rune('a'+n%26))] = p
	}
	out := map[string][]byte{}
	for name, img := range imgs {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		out[name] = b.Bytes()
	}
	return out
}

// The streaming decoder gives the luminance the standard decoder's pixels
// give, for every layout, at full size and shrunk.
func TestPNGStreamMatchesStandard(t *testing.T) {
	for name, data := range pngVariants(t) {
		std, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, maxPixels := range []int{1 << 30, 200} {
			want := toGrayScaled(std, maxPixels)
			got, err := decodePNGGray(context.Background(), data, maxPixels)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if d := grayDiff(got, want); d > 1 {
				t.Errorf("%s at ≤ %d pixels: luminance off by up to %d", name, maxPixels, d)
			}
		}
	}
}

func grayDiff(a, b *gray) int {
	if a.w != b.w || a.h != b.h {
		return 1 << 20
	}
	d := 0
	for i := range a.pix {
		d = max(d, abs(int(a.pix[i])-int(b.pix[i])))
	}
	return d
}

func TestPNGStreamRefusesCorruptData(t *testing.T) {
	data := pngVariants(t)["rgb8"]
	for _, n := range []int{8, 20, 40, len(data) / 2, len(data) - 20} {
		if _, err := decodePNGGray(context.Background(), data[:n], 1<<30); err == nil {
			t.Errorf("%d of %d bytes accepted", n, len(data))
		}
	}
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 0xff
	if _, err := decodePNGGray(context.Background(), bad, 1<<30); err == nil {
		t.Error("a flipped byte accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := decodePNGGray(ctx, data, 1<<30); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

// streamedPNG writes a w×h RGBA PNG row by row, never holding the image:
// a QR symbol scaled to 45% of the height on a grey background.
func streamedPNG(t testing.TB, w, h int) ([]byte, string) {
	s, err := EncodeSHC(shcText(rand.New(rand.NewSource(9)), 600))
	if err != nil {
		t.Fatal(err)
	}
	sym := toGray(s.ImageScaled(1))
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, body []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(body)))
		c := append([]byte(typ), body...)
		out.Write(c)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	side := h * 45 / 100
	x0, y0 := (w-side)/2, (h-side)/2
	row := make([]byte, 1+4*w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := byte(170)
			if x >= x0 && x < x0+side && y >= y0 && y < y0+side {
				v = sym.at((x-x0)*sym.w/side, (y-y0)*sym.h/side)
			}
			row[1+4*x], row[2+4*x], row[3+4*x], row[4+4*x] = v, v, v, 255
		}
		zw.Write(row)
	}
	zw.Close()
	for b := z.Bytes(); len(b) > 0; {
		n := min(len(b), 1<<20)
		chunk("IDAT", b[:n])
		b = b[n:]
	}
	chunk("IEND", nil)
	return out.Bytes(), s.Text()
}

// A 24-megapixel RGBA PNG (92 MiB of pixels decoded whole, as image/png
// does) is read with a heap that stays a fraction of that: it is decoded
// row by row into a shrunk grey copy. BenchmarkLargePhoto measures 12 and
// 36 megapixels.
func TestLargePNGBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 24-megapixel PNG")
	}
	data, want := streamedPNG(t, 6000, 4000)
	var texts []string
	var err error
	start := time.Now()
	peak := peakHeap(func() { texts, err = Decode(data) })
	took := time.Since(start)
	if err != nil || texts[0] != want {
		t.Fatalf("not read: %v", err)
	}
	t.Logf("24 MP PNG (%d KiB): read in %v, peak heap %d MiB", len(data)>>10, took, peak>>20)
	if peak > 32<<20 {
		t.Errorf("peak heap %d MiB reading a 24 MP PNG, want under 32 MiB (its pixels alone are 92 MiB)", peak>>20)
	}
}

// A PNG header claiming 100000×100000 pixels is refused from its header,
// in well under a millisecond, without allocating pixels.
func TestHugeHeaderRefusedAtOnce(t *testing.T) {
	data := append(pngHeader(100000, 100000), make([]byte, 64)...)
	start := time.Now()
	for range 100 {
		_, err := Decode(data)
		var te *ImageTooLargeError
		if !errors.As(err, &te) || te.Width != 100000 {
			t.Fatalf("got %v, want *ImageTooLargeError", err)
		}
	}
	if d := time.Since(start) / 100; d > 5*time.Millisecond {
		t.Errorf("refusing took %v each", d)
	}
}

// The caller's budget stops a call: a context already done reads nothing,
// and one that ends during a hard image makes Decode return ErrBudget.
func TestDecodeBudget(t *testing.T) {
	s, _ := Encode("budget", M)
	p, _ := s.PNG(4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DecodeContext(ctx, p); !errors.Is(err, ErrBudget) {
		t.Fatalf("spent budget: got %v, want ErrBudget", err)
	}
	// Noise has no code: the ladder would run for its full two seconds.
	r := rand.New(rand.NewSource(7))
	img := image.NewGray(image.Rect(0, 0, 1200, 900))
	r.Read(img.Pix)
	var b bytes.Buffer
	png.Encode(&b, img)
	ctx, cancel = context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := DecodeContext(ctx, b.Bytes())
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("budget ending mid-image: got %v, want ErrBudget", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v with a 150 ms budget", d)
	}
}

func FuzzPNGStream(f *testing.F) {
	for _, data := range pngVariants(f) {
		f.Add(data)
	}
	f.Add(pngHeader(3, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		got, gerr := decodePNGGray(context.Background(), data, 1<<30)
		std, serr := png.Decode(bytes.NewReader(data))
		if serr != nil || errors.Is(gerr, errInterlaced) {
			return // the standard decoder checks more of the file (chunks after the pixels)
		}
		if gerr != nil {
			t.Fatalf("the standard decoder reads it, the streaming one says %v", gerr)
		}
		if d := grayDiff(got, toGray(std)); d > 1 {
			t.Fatalf("luminance off by %d", d)
		}
	})
}

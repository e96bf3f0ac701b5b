package qr

import (
	"bytes"
	"errors"
	"image/png"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// shcText returns a shc:/ text with n digits (n even), as an SHC encoder
// would make it: pairs 00..77.
func shcText(r *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString("shc:/")
	for i := 0; i < n/2; i++ {
		v := r.Intn(78)
		b.WriteByte('0' + byte(v/10))
		b.WriteByte('0' + byte(v%10))
	}
	return b.String()
}

// sdjwtText returns a base64url SD-JWT-like text of about n characters:
// a compact JWS, then disclosures separated by '~', ending with '~'.
func sdjwtText(r *rand.Rand, n int) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b strings.Builder
	for b.Len() < n-1 {
		switch {
		case b.Len() == 36 || b.Len() == n*2/3:
			b.WriteByte('.')
		case b.Len() > n*2/3+90 && r.Intn(60) == 0:
			b.WriteByte('~')
		default:
			b.WriteByte(a[r.Intn(len(a))])
		}
	}
	b.WriteByte('~')
	return b.String()
}

type segment struct {
	mode  string
	count int
}

// segments reads the symbol back module by module with gozxing's bit-matrix
// parser (format, version, unmasking, de-interleaving) and walks the data
// codewords' mode indicators itself.
func segments(t *testing.T, s *Symbol) []segment {
	t.Helper()
	n := s.Modules()
	bm, _ := gozxing.NewSquareBitMatrix(n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if s.Dark(x, y) {
				bm.Set(x, y)
			}
		}
	}
	p, err := decoder.NewBitMatrixParser(bm)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := p.ReadFormatInformation()
	if err != nil {
		t.Fatal(err)
	}
	ver, err := p.ReadVersion()
	if err != nil {
		t.Fatal(err)
	}
	if ver.GetVersionNumber() != s.Version() {
		t.Fatalf("version info says %d, symbol says %d", ver.GetVersionNumber(), s.Version())
	}
	raw, err := p.ReadCodewords()
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := decoder.DataBlock_GetDataBlocks(raw, ver, fi.GetErrorCorrectionLevel())
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, b := range blocks {
		data = append(data, b.GetCodewords()[:b.GetNumDataCodewords()]...)
	}
	v := s.Version()
	size := 0
	switch {
	case v >= 27:
		size = 2
	case v >= 10:
		size = 1
	}
	countBits := map[int][3]int{1: {10, 12, 14}, 2: {9, 11, 13}, 4: {8, 16, 16}}
	names := map[int]string{1: "numeric", 2: "alphanumeric", 4: "byte"}
	bits := common.NewBitSource(data)
	var segs []segment
	for bits.Available() >= 4 {
		mode, _ := bits.ReadBits(4)
		if mode == 0 {
			break
		}
		cb, ok := countBits[mode]
		if !ok {
			t.Fatalf("unexpected mode indicator %04b", mode)
		}
		count, _ := bits.ReadBits(cb[size])
		var skip int
		switch mode {
		case 1:
			skip = count / 3 * 10
			switch count % 3 {
			case 1:
				skip += 4
			case 2:
				skip += 7
			}
		case 2:
			skip = count/2*11 + count%2*6
		case 4:
			skip = count * 8
		}
		for skip > 0 {
			k := min(skip, 24)
			if _, err := bits.ReadBits(k); err != nil {
				t.Fatalf("segment runs past the data: %v", err)
			}
			skip -= k
		}
		segs = append(segs, segment{names[mode], count})
	}
	return segs
}

func TestEncodeSHCSegments(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, digits := range []int{40, 600, 1194, 1196, 2390} {
		text := shcText(r, digits)
		s, err := EncodeSHC(text)
		if err != nil {
			t.Fatalf("%d digits: %v", digits, err)
		}
		got := segments(t, s)
		want := []segment{{"byte", 5}, {"numeric", digits}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%d digits: segments %v, want %v", digits, got, want)
		}
		if s.Level() != L {
			t.Errorf("level %v, want L", s.Level())
		}
		t.Logf("%d digits: version %d", digits, s.Version())
	}
	// A chunk: the prefix with its chunk numbers is the byte segment.
	s, err := EncodeSHC("shc:/2/3/" + shcText(r, 1000)[5:])
	if err != nil {
		t.Fatal(err)
	}
	if got := segments(t, s); len(got) != 2 || got[0] != (segment{"byte", 9}) || got[1].mode != "numeric" {
		t.Errorf("chunk segments %v", got)
	}
}

func TestEncodeSHCVersionLimit(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	// 1195 JWS characters are 2390 digits: the most one V22 symbol carries.
	for _, digits := range []int{1194, 2390} {
		s, err := EncodeSHC(shcText(r, digits))
		if err != nil {
			t.Fatal(err)
		}
		if s.Version() > 22 {
			t.Errorf("%d digits: version %d, want ≤ 22", digits, s.Version())
		}
	}
	_, err := EncodeSHC(shcText(r, 2500))
	var se *SHCError
	if !errors.As(err, &se) {
		t.Errorf("2500 digits: got %v, want *SHCError", err)
	}
	for _, bad := range []string{"", "shc:", "SHC:/1234", "shc:/12a4", "shc:/123", "shc:/0/3/1234", "shc:/4/3/1234", "shc:/1//1234", "https://x"} {
		if _, err := EncodeSHC(bad); !errors.As(err, &se) {
			t.Errorf("EncodeSHC(%q) = %v, want *SHCError", bad, err)
		}
	}
}

// TestEncodeSDJWTSegments checks that base64url SD-JWT text is one byte
// segment. (go-qrcode would split off a digit run long enough to make the
// symbol smaller, e.g. a dozen digits; random base64url has none.)
func TestEncodeSDJWTSegments(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, n := range []int{300, 1000, 1800} {
		text := sdjwtText(r, n)
		s, err := Encode(text, L)
		if err != nil {
			t.Fatal(err)
		}
		segs := segments(t, s)
		if len(segs) != 1 || segs[0] != (segment{"byte", len(text)}) {
			t.Errorf("%d chars: segments %v, want one byte segment", n, segs)
		}
	}
}

func TestEncodeTooLarge(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	s, err := Encode(sdjwtText(r, 2900), L) // byte mode, version 40 holds 2953
	if err != nil {
		t.Fatal(err)
	}
	if s.Version() != 40 {
		t.Errorf("version %d, want 40", s.Version())
	}
	for _, tc := range []struct {
		n int
		l Level
	}{{3000, L}, {2400, M}, {1300, H}, {8000, L}} {
		_, err := Encode(sdjwtText(r, tc.n), tc.l)
		var te *TooLargeError
		if !errors.As(err, &te) || te.Len != tc.n || te.Level != tc.l {
			t.Errorf("Encode(%d chars, %v) = %v, want *TooLargeError", tc.n, tc.l, err)
		}
	}
	if _, err := Encode("", L); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty text: %v", err)
	}
	if _, err := Encode("x", Level(9)); err == nil {
		t.Error("bad level accepted")
	}
}

func TestQuietZone(t *testing.T) {
	s, err := Encode("quiet zone check", M)
	if err != nil {
		t.Fatal(err)
	}
	const ppm = 3
	data, err := s.PNG(ppm)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	g := toGray(img)
	side := (s.Modules() + 2*QuietZone) * ppm
	if g.w != side || g.h != side {
		t.Fatalf("png is %d×%d, want %d", g.w, g.h, side)
	}
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			inZone := x < QuietZone*ppm || y < QuietZone*ppm || x >= side-QuietZone*ppm || y >= side-QuietZone*ppm
			if inZone && g.at(x, y) != 255 {
				t.Fatalf("quiet zone pixel (%d,%d) = %d, want white", x, y, g.at(x, y))
			}
		}
	}
	// the top-left finder's corner module is black, just inside the zone
	if g.at(QuietZone*ppm, QuietZone*ppm) != 0 {
		t.Error("finder corner is not black")
	}
	im := toGray(s.Image())
	if im.w != s.Modules()+2*QuietZone || im.at(0, 0) != 255 || im.at(QuietZone, QuietZone) != 0 {
		t.Error("Image() lacks the quiet zone or is not black on white")
	}
	svg := string(s.SVG())
	n := s.Modules() + 2*QuietZone
	if !strings.Contains(svg, `fill="#ffffff"`) || !strings.Contains(svg, `viewBox="0 0 `+itoa(n)+" "+itoa(n)+`"`) {
		t.Error("SVG lacks its white background or quiet zone")
	}
	if strings.Contains(svg, "M0 ") || strings.Contains(svg, "M1 ") || strings.Contains(svg, "M2 ") || strings.Contains(svg, "M3 ") {
		t.Error("SVG draws inside the quiet zone")
	}
	if _, err := s.PNG(0); err == nil {
		t.Error("PNG(0) accepted")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

package qr

import (
	"image"
	"math/rand"
	"testing"
)

func TestDecodeOnePixelPerModule(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	for _, n := range []int{20, 600, 2390} {
		s, err := EncodeSHC(shcText(r, n))
		if err != nil {
			t.Fatal(err)
		}
		for _, ppm := range []int{1, 2} {
			got, err := DecodeImage(s.ImageScaled(ppm))
			if err != nil || got != s.Text() {
				t.Errorf("%d digits (V%d) at %d px/module: %v", n, s.Version(), ppm, err)
			}
		}
	}
	// inverted (light on dark), as screens in dark mode show it
	s, _ := Encode("inverted", M)
	g := s.ImageScaled(4).(*image.Gray)
	for i := range g.Pix {
		g.Pix[i] = 255 - g.Pix[i]
	}
	if got, err := DecodeImage(g); err != nil || got != "inverted" {
		t.Errorf("inverted: %q, %v", got, err)
	}
}

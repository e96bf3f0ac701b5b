package qr

import (
	"image"
	"math"
	"math/rand"
	"testing"
)

// warp renders s through a barrel (k > 0) or pincushion (k < 0) lens
// distortion onto a grey canvas (2×2 supersampled).
func warp(s *Symbol, side int, k float64) *image.Gray {
	src := toGray(s.ImageScaled(8))
	img := image.NewGray(image.Rect(0, 0, side, side))
	c := float64(side) / 2
	scale := float64(src.w) / (float64(side) * 0.85)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			var acc float64
			for sy := 0; sy < 2; sy++ {
				for sx := 0; sx < 2; sx++ {
					dx := (float64(x) + 0.25 + 0.5*float64(sx) - c) / c
					dy := (float64(y) + 0.25 + 0.5*float64(sy) - c) / c
					r2 := dx*dx + dy*dy
					f := 1 + k*r2
					u := dx*f*c*scale + float64(src.w)/2
					v := dy*f*c*scale + float64(src.h)/2
					val := 200.0
					if u >= 0 && v >= 0 && u < float64(src.w) && v < float64(src.h) {
						val = float64(src.pix[int(v)*src.w+int(u)])
					}
					acc += val
				}
			}
			img.Pix[y*img.Stride+x] = uint8(math.Round(acc / 4))
		}
	}
	return img
}

// TestLensDistortion reads symbols seen through barrel and pincushion lens
// distortion, which no single homography follows.
func TestLensDistortion(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for _, n := range []int{1200, 2390} {
		s, _ := EncodeSHC(shcText(r, n))
		for _, k := range []float64{0.04, 0.08, -0.06} {
			got, err := DecodeImage(warp(s, 700, k))
			if err != nil || got != s.Text() {
				t.Errorf("V%d, k=%.2f: %v", s.Version(), k, err)
			}
		}
	}
}

package qr

import (
	"math"
	"testing"
)

func TestFitHomography(t *testing.T) {
	h0 := homography{3.1, 0.4, 120, -0.3, 2.7, 80, 0.0009, -0.0004, 1}
	var src, dst []pt
	for _, p := range []pt{{3.5, 3.5}, {137.5, 3.5}, {3.5, 137.5}, {30.5, 6.5}, {56.5, 82.5}, {108.5, 134.5}, {134.5, 134.5}} {
		x, y := h0.apply(p.x, p.y)
		src = append(src, p)
		dst = append(dst, pt{x, y})
	}
	h, ok := fitHomography(src, dst)
	if !ok {
		t.Fatal("fit failed")
	}
	for _, p := range []pt{{0, 0}, {141, 141}, {70, 20}} {
		x0, y0 := h0.apply(p.x, p.y)
		x1, y1 := h.apply(p.x, p.y)
		if math.Hypot(x1-x0, y1-y0) > 1e-6 {
			t.Errorf("at %v: got (%g,%g), want (%g,%g)", p, x1, y1, x0, y0)
		}
	}
}

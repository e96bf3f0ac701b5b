package qr

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugOne(t *testing.T) {
	p := os.Getenv("QRDEBUG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	img, err := decodeImageBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	g := toGray(img)
	bm := zxHybrid(g)
	ff := finderTriples(bm, 3)
	ok := len(ff) > 0
	f := ff[0]
	fmt.Printf("finders %v %+v guess %d\n", ok, f, f.dimensionGuess())
	for _, d := range []int{f.dimensionGuess() - 4, f.dimensionGuess(), f.dimensionGuess() + 4} {
		s := &gridSampler{g: g, dim: d}
		s.locate(f, 0)
		c := s.finderContrast()
		fmt.Printf("dim %d version %d contrast %.1f\n", d, s.readVersion(), c)
		s2 := &gridSampler{g: g, dim: d}
		s2.locate(f, c)
		fmt.Printf("  anchors %d\n", len(s2.src))
		for i := range s2.src {
			x, y := s2.h.apply(s2.src[i].x, s2.src[i].y)
			fmt.Printf("   %v -> %.1f,%.1f fit %.1f,%.1f\n", s2.src[i], s2.dst[i].x, s2.dst[i].y, x, y)
		}
		vals := s2.grid()
		_, err := zxBits(toBits(normalise(vals, d, 5), d))
		fmt.Printf("  decode: %v\n", err)
	}
}

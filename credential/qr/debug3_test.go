package qr

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestDebugErrors(t *testing.T) {
	p := os.Getenv("QRDEBUG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	want, _ := os.ReadFile(strings.TrimSuffix(p, ".png") + ".txt")
	sym, err := Encode(string(want), L)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := decodeImageBytes(data)
	g := toGray(img)
	bm := zxHybrid(g)
	ff := finderTriples(bm, 3)
	if len(ff) == 0 {
		bm = localMean(g, max(8, min(g.w, g.h)/40), 2)
		ff = finderTriples(bm, 3)
	}
	if len(ff) == 0 {
		ff = finderTriples(zxHybrid(unsharp(g, 2, 2)), 3)
	}
	f := ff[0]
	d := sym.Modules()
	s := &gridSampler{g: g, dim: d, perspective: true}
	s.locate(f, 0)
	c := s.finderContrast()
	s2 := &gridSampler{g: g, dim: d, perspective: true}
	s2.locate(f, c)
	fmt.Printf("dim %d anchors %d contrast %.0f\n", d, len(s2.src), c)
	vals := s2.grid()
	fmt.Println("version read:", s.readVersion(), "guess", f.dimensionGuess())
	count := func(name string, norm []float64) {
		e := 0
		for y := 0; y < d; y++ {
			for x := 0; x < d; x++ {
				if (norm[y*d+x] < 0.5) != sym.Dark(x, y) {
					e++
				}
			}
		}
		_, err := zxBits(toBits(norm, d))
		fmt.Printf("%-12s errors %4d of %d (%.2f%%) decode %v\n", name, e, d*d, 100*float64(e)/float64(d*d), err == nil)
	}
	for _, r := range []int{3, 5, 8} {
		norm := normalise(vals, d, r)
		count(fmt.Sprintf("plain r%d", r), norm)
		for _, sg := range []float64{0.35, 0.45, 0.6, 0.75} {
			count(fmt.Sprintf("eq %.2f", sg), equalise(norm, d, sg))
			for _, it := range []int{5, 10, 20, 40} {
				count(fmt.Sprintf("cg %.2f %d", sg, it), deconvolve(norm, d, sg, it))
			}
		}
	}
}

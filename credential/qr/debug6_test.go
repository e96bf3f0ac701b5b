package qr

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestDebugSharpVariants(t *testing.T) {
	glob := os.Getenv("QRGLOB")
	if glob == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(glob)
	type variant struct {
		name string
		f    func(g *gray) int
	}
	count := func(g *gray, sigma, amount float64, local bool) int {
		u := unsharp(g, sigma, amount)
		bm := zxHybrid(u)
		if local {
			bm = localMean(u, max(8, min(g.w, g.h)/40), 2)
		}
		return len(finderTriples(bm, 1))
	}
	vs := []variant{}
	for _, sg := range []float64{2, 3} {
		for _, am := range []float64{4, 6, 10} {
			for _, loc := range []bool{false} {
				sg, am, loc := sg, am, loc
				vs = append(vs, variant{fmt.Sprintf("s%.1f a%.0f local=%v", sg, am, loc), func(g *gray) int { return count(g, sg, am, loc) }})
			}
		}
	}
	res := make([]int, len(vs))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		img, _ := decodeImageBytes(data)
		g := pad(toGray(img), 8)
		for i, v := range vs {
			res[i] += v.f(g)
		}
	}
	for i, v := range vs {
		fmt.Printf("%-25s %d/%d\n", v.name, res[i], len(files))
	}
}

package qr

import (
	"math"

	"github.com/makiuchi-d/gozxing"
)

// integral returns the summed-area table of g, (w+1)×(h+1).
func (g *gray) integral() []uint32 {
	w, h := g.w, g.h
	s := make([]uint32, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		var row uint32
		for x := 0; x < w; x++ {
			row += uint32(g.pix[y*w+x])
			s[(y+1)*(w+1)+x+1] = s[y*(w+1)+x+1] + row
		}
	}
	return s
}

// localMean binarizes g against the mean of a (2r+1)² window: a pixel is
// dark when it is more than bias below the mean.
func localMean(g *gray, r int, bias int) *gozxing.BitMatrix {
	w, h := g.w, g.h
	s := g.integral()
	bm, _ := gozxing.NewBitMatrix(w, h)
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			sum := s[y1*(w+1)+x1] - s[y0*(w+1)+x1] - s[y1*(w+1)+x0] + s[y0*(w+1)+x0]
			n := uint32((y1 - y0) * (x1 - x0))
			if int(g.pix[y*w+x])*int(n)+bias*int(n) < int(sum) {
				bm.Set(x, y)
			}
		}
	}
	return bm
}

// gaussKernel returns a normalised 1-D Gaussian kernel in 1/4096ths.
func gaussKernel(sigma float64) []int32 {
	r := int(math.Ceil(2.5 * sigma))
	k := make([]int32, 2*r+1)
	var f []float64
	var sum float64
	for i := -r; i <= r; i++ {
		v := math.Exp(-float64(i*i) / (2 * sigma * sigma))
		f = append(f, v)
		sum += v
	}
	var tot int32
	for i := range k {
		k[i] = int32(math.Round(f[i] / sum * 4096))
		tot += k[i]
	}
	k[r] += 4096 - tot
	return k
}

// blur returns g convolved with a Gaussian of sigma pixels (edges clamped).
func blur(g *gray, sigma float64) *gray {
	k := gaussKernel(sigma)
	r := len(k) / 2
	w, h := g.w, g.h
	tmp := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		row := g.pix[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			var a int32
			for i, kv := range k {
				xx := min(max(x+i-r, 0), w-1)
				a += kv * int32(row[xx])
			}
			tmp[y*w+x] = uint8((a + 2048) >> 12)
		}
	}
	out := newGray(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var a int32
			for i, kv := range k {
				yy := min(max(y+i-r, 0), h-1)
				a += kv * int32(tmp[yy*w+x])
			}
			out.pix[y*w+x] = uint8((a + 2048) >> 12)
		}
	}
	return out
}

// unsharp returns g + amount·(g − blur(g, sigma)), clamped.
func unsharp(g *gray, sigma, amount float64) *gray {
	b := blur(g, sigma)
	out := newGray(g.w, g.h)
	a := int(amount * 256)
	for i, p := range g.pix {
		v := int(p) + (a*(int(p)-int(b.pix[i])))>>8
		out.pix[i] = uint8(min(max(v, 0), 255))
	}
	return out
}

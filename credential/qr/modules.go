package qr

import (
	"math"

	"github.com/makiuchi-d/gozxing"
)

// From sampled module values to bits: local levels, deblurring, and the
// timing-pattern check.

// levels returns, for every module, the local dark and light levels over a
// (2r+1)² window in module space: each module is first classed dark or light
// against the mean of its own window, then the window means of each class
// are taken (summed-area tables keep it linear in the number of modules).
func levels(vals []float64, n, r int) (dark, light []float64) {
	w := n + 1
	box := func(sum []float64, x, y int) float64 {
		x0, y0 := max(0, x-r), max(0, y-r)
		x1, y1 := min(n, x+r+1), min(n, y+r+1)
		return sum[y1*w+x1] - sum[y0*w+x1] - sum[y1*w+x0] + sum[y0*w+x0]
	}
	table := func(f func(i int) float64) []float64 {
		t := make([]float64, w*w)
		for y := 0; y < n; y++ {
			var row float64
			for x := 0; x < n; x++ {
				row += f(y*n + x)
				t[(y+1)*w+x+1] = t[y*w+x+1] + row
			}
		}
		return t
	}
	ones := table(func(int) float64 { return 1 })
	sum := table(func(i int) float64 { return vals[i] })
	isDark := make([]bool, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			isDark[y*n+x] = vals[y*n+x] < box(sum, x, y)/box(ones, x, y)
		}
	}
	dn := table(func(i int) float64 {
		if isDark[i] {
			return 1
		}
		return 0
	})
	ds := table(func(i int) float64 {
		if isDark[i] {
			return vals[i]
		}
		return 0
	})
	dark = make([]float64, n*n)
	light = make([]float64, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			cnt, tot := box(ones, x, y), box(sum, x, y)
			nd, sd := box(dn, x, y), box(ds, x, y)
			m := tot / cnt
			d, l := m-1, m+1
			if nd > 0 && nd < cnt {
				d, l = sd/nd, (tot-sd)/(cnt-nd)
			}
			if l-d < 2 {
				d, l = m-1, m+1
			}
			dark[y*n+x], light[y*n+x] = d, l
		}
	}
	return dark, light
}

// normalise maps sampled values to 0 (dark) .. 1 (light) with local levels.
func normalise(vals []float64, n, r int) []float64 {
	dark, light := levels(vals, n, r)
	out := make([]float64, len(vals))
	for i, v := range vals {
		out[i] = (v - dark[i]) / (light[i] - dark[i])
	}
	return out
}

func toBits(norm []float64, n int) *gozxing.BitMatrix {
	bm, _ := gozxing.NewSquareBitMatrix(n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if norm[y*n+x] < 0.5 {
				bm.Set(x, y)
			}
		}
	}
	return bm
}

// blurWeights returns the centre, edge and corner weights of a Gaussian blur
// of sigma modules integrated over module squares.
func blurWeights(sigma float64) (w0, w1, w2 float64) {
	in := math.Erf(0.5 / (sigma * math.Sqrt2))
	side := (math.Erf(1.5/(sigma*math.Sqrt2)) - in) / 2
	w0, w1, w2 = in*in, in*side, side*side
	tot := w0 + 4*w1 + 4*w2
	return w0 / tot, w1 / tot, w2 / tot
}

// deconvolve solves K·b = norm in the least-squares sense by conjugate
// gradients (CGLS), where K is the 3×3 blur of blurWeights(sigma) and the
// modules outside the symbol are light (1). Stopping early regularises.
func deconvolve(norm []float64, n int, sigma float64, iters int) []float64 {
	w0, w1, w2 := blurWeights(sigma)
	conv := func(src, dst []float64, border float64) {
		get := func(x, y int) float64 {
			if x < 0 || y < 0 || x >= n || y >= n {
				return border
			}
			return src[y*n+x]
		}
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				e := get(x-1, y) + get(x+1, y) + get(x, y-1) + get(x, y+1)
				c := get(x-1, y-1) + get(x+1, y-1) + get(x-1, y+1) + get(x+1, y+1)
				dst[y*n+x] = w0*src[y*n+x] + w1*e + w2*c
			}
		}
	}
	N := n * n
	zero := make([]float64, N)
	rhs := make([]float64, N)
	conv(zero, rhs, 1) // the light border's contribution
	for i := range rhs {
		rhs[i] = norm[i] - rhs[i]
	}
	x := make([]float64, N)
	for i, v := range norm {
		x[i] = math.Min(1, math.Max(0, v))
	}
	r := make([]float64, N)
	conv(x, r, 0)
	for i := range r {
		r[i] = rhs[i] - r[i]
	}
	s := make([]float64, N)
	conv(r, s, 0)
	p := append([]float64(nil), s...)
	q := make([]float64, N)
	dot := func(a, b []float64) float64 {
		var t float64
		for i := range a {
			t += a[i] * b[i]
		}
		return t
	}
	gamma := dot(s, s)
	for it := 0; it < iters && gamma > 1e-12; it++ {
		conv(p, q, 0)
		qq := dot(q, q)
		if qq == 0 {
			break
		}
		alpha := gamma / qq
		for i := range x {
			x[i] += alpha * p[i]
			r[i] -= alpha * q[i]
		}
		conv(r, s, 0)
		g2 := dot(s, s)
		beta := g2 / gamma
		gamma = g2
		for i := range p {
			p[i] = s[i] + beta*p[i]
		}
	}
	return x
}

// timingScore correlates row 6 and column 6 between the finders with the
// timing pattern (dark on even modules): about 1 for a sharp symbol, still
// clearly positive for a blurred one, near 0 for a wrong guess.
func timingScore(norm []float64, n int) float64 {
	var sum float64
	cnt := 0
	for k := 8; k < n-8; k++ {
		sign := 1.0
		if k%2 == 1 {
			sign = -1
		}
		sum += sign * (1 - 2*norm[6*n+k])
		sum += sign * (1 - 2*norm[k*n+6])
		cnt += 2
	}
	if cnt == 0 {
		return 0
	}
	return sum / float64(cnt)
}

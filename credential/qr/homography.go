package qr

import (
	"math"
)

// Homographies between module space and the image.

type pt struct{ x, y float64 }

// homography maps module coordinates (u, v) to image coordinates.
type homography [9]float64

func (h *homography) apply(u, v float64) (float64, float64) {
	w := h[6]*u + h[7]*v + h[8]
	return (h[0]*u + h[1]*v + h[2]) / w, (h[3]*u + h[4]*v + h[5]) / w
}

// fitHomography fits h with src→dst (at least 4 pairs) by normalised least
// squares.
func fitHomography(src, dst []pt) (homography, bool) {
	var h homography
	n := len(src)
	if n < 4 || len(dst) != n {
		return h, false
	}
	norm := func(p []pt) (cx, cy, s float64) {
		for _, q := range p {
			cx += q.x
			cy += q.y
		}
		cx /= float64(n)
		cy /= float64(n)
		d := 0.0
		for _, q := range p {
			d += math.Hypot(q.x-cx, q.y-cy)
		}
		d /= float64(n)
		if d == 0 {
			return cx, cy, 0
		}
		return cx, cy, math.Sqrt2 / d
	}
	scx, scy, ss := norm(src)
	dcx, dcy, ds := norm(dst)
	if ss == 0 || ds == 0 {
		return h, false
	}
	var A [8][9]float64 // normal equations, augmented
	for i := 0; i < n; i++ {
		x, y := (src[i].x-scx)*ss, (src[i].y-scy)*ss
		u, v := (dst[i].x-dcx)*ds, (dst[i].y-dcy)*ds
		rows := [2][9]float64{
			{x, y, 1, 0, 0, 0, -u * x, -u * y, u},
			{0, 0, 0, x, y, 1, -v * x, -v * y, v},
		}
		for _, r := range rows {
			for a := 0; a < 8; a++ {
				for b := 0; b < 9; b++ {
					A[a][b] += r[a] * r[b]
				}
			}
		}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(A[r][c]) > math.Abs(A[p][c]) {
				p = r
			}
		}
		if math.Abs(A[p][c]) < 1e-12 {
			return h, false
		}
		A[c], A[p] = A[p], A[c]
		for r := 0; r < 8; r++ {
			if r != c {
				f := A[r][c] / A[c][c]
				for k := c; k < 9; k++ {
					A[r][k] -= f * A[c][k]
				}
			}
		}
	}
	var m [9]float64 // normalised src → normalised dst
	for i := 0; i < 8; i++ {
		m[i] = A[i][8] / A[i][i]
	}
	m[8] = 1
	// h = Tdst⁻¹ · m · Tsrc
	// Tsrc = [ss 0 -ss*scx; 0 ss -ss*scy; 0 0 1]; Tdst⁻¹ = [1/ds 0 dcx; 0 1/ds dcy; 0 0 1]
	t := [9]float64{ss, 0, -ss * scx, 0, ss, -ss * scy, 0, 0, 1}
	var mt [9]float64
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			mt[r*3+c] = m[r*3]*t[c] + m[r*3+1]*t[3+c] + m[r*3+2]*t[6+c]
		}
	}
	ti := [9]float64{1 / ds, 0, dcx, 0, 1 / ds, dcy, 0, 0, 1}
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			h[r*3+c] = ti[r*3]*mt[c] + ti[r*3+1]*mt[3+c] + ti[r*3+2]*mt[6+c]
		}
	}
	for _, v := range h {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return h, false
		}
	}
	return h, true
}

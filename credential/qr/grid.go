package qr

import (
	"math"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// This file holds our own grid sampler. gozxing's detector maps the symbol
// with one perspective transform fitted to three finder patterns and at most
// one alignment pattern, guesses the version from the distances between the
// finders, and samples one binarized pixel per module. On large symbols under
// perspective, rotation or blur that is not enough. Here the version comes
// from the version information blocks when it can, every alignment pattern is
// located on the grey image by template matching, a least-squares homography
// is fitted to all of them, and modules are sampled on the grey image and
// thresholded against their neighbours in module space.

// gridSampler maps one symbol candidate onto the grey image.
type gridSampler struct {
	g           *gray
	dim         int
	perspective bool // start from finderHomography with perspective
	correct     bool // fit a distortion correction after the homography
	terms       int  // of the distortion correction cx, cy; 0 = none
	cx, cy      [10]float64
	h           homography
	// anchors: module coordinates and their image positions.
	src, dst []pt
}

func (s *gridSampler) sample(u, v float64) float64 {
	x, y := s.mapPt(u, v)
	return s.g.bilinear(x, y)
}

// mapPt maps module coordinates to the image: the homography plus the
// smooth correction for lens distortion, if fitted.
func (s *gridSampler) mapPt(u, v float64) (float64, float64) {
	x, y := s.h.apply(u, v)
	if s.terms > 0 {
		var b [10]float64
		polyBasis(u/float64(s.dim)*2-1, v/float64(s.dim)*2-1, &b)
		for k := 0; k < s.terms; k++ {
			x += s.cx[k] * b[k]
			y += s.cy[k] * b[k]
		}
	}
	return x, y
}

func polyBasis(u, v float64, b *[10]float64) {
	*b = [10]float64{1, u, v, u * u, u * v, v * v, u * u * u, u * u * v, u * v * v, v * v * v}
}

// fitCorrection fits a quadratic (9 anchors or more) or cubic (16 or more)
// polynomial to what the homography leaves of the anchors' positions: lens
// distortion and a bent page are smooth, a homography cannot follow them.
func (s *gridSampler) fitCorrection() {
	s.terms = 0
	n := len(s.src)
	terms := 0
	switch {
	case n >= 16:
		terms = 10
	case n >= 9:
		terms = 6
	default:
		return
	}
	// Only when the homography leaves a clear misfit: on a flat symbol the
	// correction would only fit the anchors' noise.
	var ss float64
	for i := 0; i < n; i++ {
		x, y := s.h.apply(s.src[i].x, s.src[i].y)
		ex, _ := s.jacobian(s.src[i].x, s.src[i].y)
		r := math.Hypot(s.dst[i].x-x, s.dst[i].y-y) / math.Max(math.Hypot(ex.x, ex.y), 0.5)
		ss += r * r
	}
	if math.Sqrt(ss/float64(n)) < 0.25 {
		return
	}
	var A [10][12]float64 // normal equations for x and y together
	for i := 0; i < n; i++ {
		var b [10]float64
		polyBasis(s.src[i].x/float64(s.dim)*2-1, s.src[i].y/float64(s.dim)*2-1, &b)
		x, y := s.h.apply(s.src[i].x, s.src[i].y)
		rx, ry := s.dst[i].x-x, s.dst[i].y-y
		for p := 0; p < terms; p++ {
			for q := 0; q < terms; q++ {
				A[p][q] += b[p] * b[q]
			}
			A[p][10] += b[p] * rx
			A[p][11] += b[p] * ry
		}
	}
	for p := 0; p < terms; p++ {
		A[p][p] += 1e-6 // keep it solvable
	}
	for c := 0; c < terms; c++ {
		piv := c
		for r := c + 1; r < terms; r++ {
			if math.Abs(A[r][c]) > math.Abs(A[piv][c]) {
				piv = r
			}
		}
		if math.Abs(A[piv][c]) < 1e-12 {
			return
		}
		A[c], A[piv] = A[piv], A[c]
		for r := 0; r < terms; r++ {
			if r != c {
				f := A[r][c] / A[c][c]
				for k := c; k < 12; k++ {
					A[r][k] -= f * A[c][k]
				}
			}
		}
	}
	for p := 0; p < terms; p++ {
		s.cx[p] = A[p][10] / A[p][p]
		s.cy[p] = A[p][11] / A[p][p]
	}
	s.terms = terms
}

// readVersion reads both version information blocks; 0 if neither decodes.
func (s *gridSampler) readVersion() int {
	d := s.dim
	// threshold between the finder's dark ring and its light separator
	var dark, light float64
	for i := 0; i < 7; i++ {
		dark += s.sample(float64(d-7)+0.5, float64(i)+0.5) + s.sample(float64(i)+0.5, float64(d-7)+0.5)
		light += s.sample(float64(d-8)+0.5, float64(i)+0.5) + s.sample(float64(i)+0.5, float64(d-8)+0.5)
	}
	t := (dark + light) / 28
	var b1, b2 uint32
	for k := 17; k >= 0; k-- {
		x, y := float64(d-11+k%3)+0.5, float64(k/3)+0.5
		b1 <<= 1
		if s.sample(x, y) < t {
			b1 |= 1
		}
		b2 <<= 1
		if s.sample(y, x) < t {
			b2 |= 1
		}
	}
	if v := decodeVersionBits(b1); v != 0 {
		return v
	}
	return decodeVersionBits(b2)
}

// alignment template: offsets (in modules) of dark and light samples.
var alignDark, alignLight []pt

func init() {
	for j := -2; j <= 2; j++ {
		for i := -2; i <= 2; i++ {
			r := max(abs(i), abs(j))
			p := pt{float64(i), float64(j)}
			if r == 1 {
				alignLight = append(alignLight, p)
			} else {
				alignDark = append(alignDark, p)
			}
		}
	}
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// alignScore: mean light minus mean dark of the alignment template centred
// at image point p, with module basis vectors ex, ey.
func (s *gridSampler) alignScore(p, ex, ey pt) float64 {
	var d, l float64
	for _, q := range alignDark {
		d += s.g.bilinear(p.x+q.x*ex.x+q.y*ey.x, p.y+q.x*ex.y+q.y*ey.y)
	}
	for _, q := range alignLight {
		l += s.g.bilinear(p.x+q.x*ex.x+q.y*ey.x, p.y+q.x*ex.y+q.y*ey.y)
	}
	return l/float64(len(alignLight)) - d/float64(len(alignDark))
}

// findAlignment searches around the predicted image point p, in a local
// frame of module vectors ex, ey, for the best-matching alignment pattern.
func (s *gridSampler) findAlignment(p, ex, ey pt, radius, minScore float64) (pt, bool) {
	at := func(du, dv float64) pt {
		return pt{p.x + du*ex.x + dv*ey.x, p.y + du*ex.y + dv*ey.y}
	}
	best, bu, bv := -1e9, 0.0, 0.0
	const step = 0.5
	for dv := -radius; dv <= radius; dv += step {
		for du := -radius; du <= radius; du += step {
			if sc := s.alignScore(at(du, dv), ex, ey); sc > best {
				best, bu, bv = sc, du, dv
			}
		}
	}
	for _, fine := range []float64{0.125, 0.0625} {
		cu, cv := bu, bv
		for dv := -3 * fine; dv <= 3*fine; dv += fine {
			for du := -3 * fine; du <= 3*fine; du += fine {
				if sc := s.alignScore(at(cu+du, cv+dv), ex, ey); sc > best {
					best, bu, bv = sc, cu+du, cv+dv
				}
			}
		}
	}
	if best < minScore {
		return pt{}, false
	}
	return at(bu, bv), true
}

func (s *gridSampler) refit() bool {
	h, ok := fitHomography(s.src, s.dst)
	if ok {
		s.h = h
	}
	return ok
}

// jacobian returns the image vectors of one module step in u and v at (u, v).
func (s *gridSampler) jacobian(u, v float64) (pt, pt) {
	x0, y0 := s.h.apply(u, v)
	x1, y1 := s.h.apply(u+1, v)
	x2, y2 := s.h.apply(u, v+1)
	return pt{x1 - x0, y1 - y0}, pt{x2 - x0, y2 - y0}
}

// locate fits the homography for dimension s.dim: first from the finders
// alone, then from every alignment pattern found, each predicted from its
// already-found neighbours in the alignment grid.
func (s *gridSampler) locate(f finders, contrast float64) bool {
	d := float64(s.dim)
	s.src = []pt{{3.5, 3.5}, {d - 3.5, 3.5}, {3.5, d - 3.5}}
	s.dst = []pt{f.tl, f.tr, f.bl}
	h, ok := finderHomography(f, d, s.perspective)
	if !ok {
		return false
	}
	s.h = h
	if contrast <= 0 {
		return true
	}
	ver, err := decoder.Version_GetProvisionalVersionForDimension(s.dim)
	if err != nil {
		return false
	}
	c := ver.GetAlignmentPatternCenters()
	n := len(c)
	if n == 0 {
		return true
	}
	P := make([]pt, n*n)
	K := make([]bool, n*n)
	for _, q := range [][2]int{{0, 0}, {n - 1, 0}, {0, n - 1}} {
		x, y := s.h.apply(float64(c[q[0]])+0.5, float64(c[q[1]])+0.5)
		P[q[1]*n+q[0]] = pt{x, y}
		K[q[1]*n+q[0]] = true
	}
	known := func(i, j int) bool { return i >= 0 && j >= 0 && i < n && j < n && K[j*n+i] }
	get := func(i, j int) pt { return P[j*n+i] }
	minScore := contrast * 0.25
	for sum := 1; sum <= 2*(n-1); sum++ {
		for j := max(0, sum-(n-1)); j <= min(sum, n-1); j++ {
			i := sum - j
			if K[j*n+i] {
				continue
			}
			u, v := float64(c[i])+0.5, float64(c[j])+0.5
			var p pt
			radius := 4.0
			switch {
			case known(i-1, j) && known(i, j-1) && known(i-1, j-1):
				a, b, e := get(i-1, j), get(i, j-1), get(i-1, j-1)
				p = pt{a.x + b.x - e.x, a.y + b.y - e.y}
				radius = 2
			default:
				// On the first row and column: from the homography of
				// everything found so far, which the finders at both ends
				// keep true under perspective (a straight extrapolation
				// would not: spacing grows towards the camera).
				if len(s.src) >= 5 {
					s.refit()
				}
				x, y := s.h.apply(u, v)
				p = pt{x, y}
			}
			ex, ey := s.jacobian(u, v)
			if known(i-1, j) {
				a := get(i-1, j)
				k := 1 / float64(c[i]-c[i-1])
				ex = pt{(p.x - a.x) * k, (p.y - a.y) * k}
			}
			if known(i, j-1) {
				a := get(i, j-1)
				k := 1 / float64(c[j]-c[j-1])
				ey = pt{(p.x - a.x) * k, (p.y - a.y) * k}
			}
			q, ok := s.findAlignment(p, ex, ey, radius, minScore)
			if !ok {
				continue
			}
			P[j*n+i], K[j*n+i] = q, true
			s.src = append(s.src, pt{u, v})
			s.dst = append(s.dst, q)
		}
	}
	if len(s.src) < 5 {
		return true // keep the finder-only guess
	}
	// Drop outliers one at a time, worst first, refitting each time: a few
	// false matches can drag a least-squares fit far enough that a blanket
	// threshold would throw the good anchors out with them. First against
	// the homography alone with a loose bound (a lens bends the grid), then
	// against the homography plus the distortion correction.
	s.refit()
	s.dropWorst(1.0)
	if s.correct {
		s.fitCorrection()
		s.dropWorst(0.5)
	}
	return true
}

// dropWorst removes the alignment anchor farthest from the fitted mapping
// and refits, until every anchor is within limit modules of it or five
// anchors are left. The finders stay.
func (s *gridSampler) dropWorst(limit float64) {
	for len(s.src) > 5 {
		worst, wr := -1, limit
		for i := 3; i < len(s.src); i++ {
			x, y := s.mapPt(s.src[i].x, s.src[i].y)
			ex, _ := s.jacobian(s.src[i].x, s.src[i].y)
			r := math.Hypot(x-s.dst[i].x, y-s.dst[i].y) / math.Max(math.Hypot(ex.x, ex.y), 0.5)
			if r > wr {
				worst, wr = i, r
			}
		}
		if worst < 0 {
			return
		}
		s.src = append(s.src[:worst], s.src[worst+1:]...)
		s.dst = append(s.dst[:worst], s.dst[worst+1:]...)
		s.refit()
		if s.terms > 0 {
			s.fitCorrection()
		}
	}
}

// grid samples the module centres.
func (s *gridSampler) grid() []float64 {
	n := s.dim
	vals := make([]float64, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			vals[y*n+x] = s.sample(float64(x)+0.5, float64(y)+0.5)
		}
	}
	return vals
}

// finderContrast estimates light minus dark on the three finders' outer
// dark ring and inner light ring.
func (s *gridSampler) finderContrast() float64 {
	d := float64(s.dim)
	var dark, light float64
	for _, o := range []pt{{0, 0}, {d - 7, 0}, {0, d - 7}} {
		for i := 1; i < 6; i++ {
			f := float64(i) + 0.5
			dark += s.sample(o.x+0.5, o.y+f) + s.sample(o.x+6.5, o.y+f)
			light += s.sample(o.x+1.5, o.y+f) + s.sample(o.x+5.5, o.y+f)
		}
	}
	return (light - dark) / 30
}

// decodeGrid tries our own sampler on the finders f found in an image.
func decodeGrid(st *ladderState, f finders) (string, bool) {
	g := st.g
	d0 := f.dimensionGuess()
	var dims []int
	for _, off := range []int{0, 4, -4, 8, -8} {
		if d := d0 + off; d >= 21 && d <= 177 {
			dims = append(dims, d)
		}
	}
	// The version information sits next to the top-right finder, so it
	// reads the same under any nearby size guess: when it decodes, it
	// settles the size.
	votes := map[int]int{}
	best := 0
	for _, d := range dims {
		if d < 45 {
			continue
		}
		s := &gridSampler{g: g, dim: d, perspective: true}
		if !s.locate(f, 0) {
			continue
		}
		if v := s.readVersion(); v != 0 {
			votes[17+4*v]++
			if best == 0 || votes[17+4*v] > votes[best] {
				best = 17 + 4*v
			}
		}
	}
	if best != 0 {
		rest := []int{best}
		for _, d := range dims {
			if d != best {
				rest = append(rest, d)
			}
		}
		dims = rest
	}
	for _, d := range dims {
		if !st.spend() {
			return "", false
		}
		s := &gridSampler{g: g, dim: d, perspective: true}
		if !s.locate(f, 0) {
			continue
		}
		s.correct = true
		c := max(s.finderContrast(), 4)
		s.locate(f, c)
		norm := normalise(s.grid(), d, 5)
		if t, err := zxBits(toBits(norm, d)); err == nil {
			return t, true
		}
		// Deconvolution is the costly part: only try it when the timing
		// patterns show this is a symbol's grid (read symbols score 0.16 and
		// up on the qrbench set, wrong guesses about 0 ± 0.1).
		if timingScore(norm, d) < 0.1 {
			continue
		}
		for _, sigma := range []float64{0.45, 0.55, 0.65, 0.35} {
			if t, err := zxBits(toBits(deconvolve(norm, d, sigma, 20), d)); err == nil {
				return t, true
			}
		}
	}
	return "", false
}

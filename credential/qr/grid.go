package qr

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
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

// bilinear samples g at (x, y) (pixel centres at +0.5); outside is white.
func (g *gray) bilinear(x, y float64) float64 {
	x -= 0.5
	y -= 0.5
	if !(x >= 0 && y >= 0 && x < float64(g.w-1) && y < float64(g.h-1)) {
		if x > -1 && y > -1 && x < float64(g.w) && y < float64(g.h) {
			xi := min(max(int(x+0.5), 0), g.w-1)
			yi := min(max(int(y+0.5), 0), g.h-1)
			return float64(g.pix[yi*g.w+xi])
		}
		return 255
	}
	xi, yi := int(x), int(y)
	fx, fy := x-float64(xi), y-float64(yi)
	i := yi*g.w + xi
	a, b := float64(g.pix[i]), float64(g.pix[i+1])
	c, d := float64(g.pix[i+g.w]), float64(g.pix[i+g.w+1])
	return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
}

// finders holds three finder pattern centres and module sizes.
type finders struct {
	tl, tr, bl pt
	ms         [3]float64 // tl, tr, bl
}

// scanFinders looks for finder patterns on every other row of bm. Unlike
// gozxing's Find it does not stop once three patterns agree: in a large
// symbol the data holds look-alikes that can agree too.
func scanFinders(bm *gozxing.BitMatrix) *detector.FinderPatternFinder {
	ff := detector.NewFinderPatternFinder(bm, nil)
	w, h := bm.GetWidth(), bm.GetHeight()
	var runs [5]int
	for y := 1; y < h; y += 2 {
		// runs holds the last five run lengths, the oldest first; the
		// pattern must start with a dark run.
		n := 0
		x := 0
		for x < w {
			dark := bm.Get(x, y)
			x0 := x
			for x < w && bm.Get(x, y) == dark {
				x++
			}
			copy(runs[:], runs[1:])
			runs[4] = x - x0
			n++
			if dark && n >= 5 {
				sc := runs[:]
				if detector.FinderPatternFinder_foundPatternCross(sc) {
					c := append([]int(nil), sc...)
					ff.HandlePossibleCenter(c, y, x)
				}
			}
		}
	}
	return ff
}

// scanned is a binarized image and the finder pattern candidates in it.
type scanned struct {
	bm    *gozxing.BitMatrix
	cands []finderCand
}

// scan looks for finder pattern candidates in bm.
func scan(bm *gozxing.BitMatrix) (sc *scanned) {
	if bm == nil {
		return nil
	}
	defer func() {
		if recover() != nil {
			sc = nil
		}
	}()
	sc = &scanned{bm: bm}
	for _, c := range scanFinders(bm).GetPossibleCenters() {
		sc.cands = append(sc.cands, finderCand{pt{c.GetX(), c.GetY()}, c.GetEstimatedModuleSize(), c.GetCount()})
	}
	return sc
}

type finderCand struct {
	p     pt
	ms    float64
	count int
}

// finderTriples locates finder pattern candidates in a binarized image and
// returns up to max plausible (top-left, top-right, bottom-left) triples,
// best first. gozxing picks the triple with the smallest absolute
// distortion, which favours small false triangles inside large symbols;
// here the distortion is relative to the triangle's size.
func finderTriples(sc *scanned, limit int) (out []finders) {
	if sc == nil {
		return nil
	}
	cands := append([]finderCand(nil), sc.cands...)
	sort.Slice(cands, func(a, b int) bool { return cands[a].count > cands[b].count })
	if len(cands) > 24 {
		cands = cands[:24]
	}
	type scored struct {
		f     finders
		score float64
	}
	var all []scored
	for i := 0; i < len(cands); i++ {
		for j := i + 1; j < len(cands); j++ {
			for k := j + 1; k < len(cands); k++ {
				t := [3]finderCand{cands[i], cands[j], cands[k]}
				msMin := math.Min(t[0].ms, math.Min(t[1].ms, t[2].ms))
				msMax := math.Max(t[0].ms, math.Max(t[1].ms, t[2].ms))
				if msMax > 1.6*msMin {
					continue
				}
				// the right angle is opposite the longest side
				d01, d12, d02 := dist(t[0].p, t[1].p), dist(t[1].p, t[2].p), dist(t[0].p, t[2].p)
				var a, b, c finderCand
				var hyp float64
				switch {
				case d12 >= d01 && d12 >= d02:
					a, b, c, hyp = t[0], t[1], t[2], d12
				case d02 >= d01 && d02 >= d12:
					a, b, c, hyp = t[1], t[0], t[2], d02
				default:
					a, b, c, hyp = t[2], t[0], t[1], d01
				}
				la, lb := dist(a.p, b.p), dist(a.p, c.p)
				if hyp/msMax < 14*math.Sqrt2 || la/lb > 1.7 || lb/la > 1.7 {
					continue
				}
				h2 := hyp * hyp
				rel := (math.Abs(h2-2*la*la) + math.Abs(h2-2*lb*lb)) / h2
				if rel > 0.9 {
					continue
				}
				score := rel + 0.3*(msMax/msMin-1)
				for _, x := range t {
					if x.count < 2 {
						score += 0.15
					}
				}
				// orientation: top-right is clockwise from bottom-left (y down)
				if (b.p.x-a.p.x)*(c.p.y-a.p.y)-(b.p.y-a.p.y)*(c.p.x-a.p.x) < 0 {
					b, c = c, b
				}
				all = append(all, scored{finders{tl: a.p, tr: b.p, bl: c.p, ms: [3]float64{a.ms, b.ms, c.ms}}, score})
			}
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].score < all[b].score })
	for i := 0; i < len(all) && i < limit; i++ {
		out = append(out, all[i].f)
	}
	return out
}

func dist(a, b pt) float64 { return math.Hypot(a.x-b.x, a.y-b.y) }

// dimensionGuess estimates the number of modules on a side from the finder
// distances, snapped to 17+4v.
func (f finders) dimensionGuess() int {
	// Module sizes come from horizontal and vertical runs across the
	// finders, which a rotation by θ lengthens by 1/cos θ (|θ| ≤ 45°).
	th := math.Atan2(f.tr.y-f.tl.y, f.tr.x-f.tl.x)
	th = math.Mod(math.Abs(th), math.Pi/2)
	if th > math.Pi/4 {
		th = math.Pi/2 - th
	}
	c := math.Cos(th)
	a := dist(f.tl, f.tr) / ((f.ms[0] + f.ms[1]) / 2 * c)
	b := dist(f.tl, f.bl) / ((f.ms[0] + f.ms[2]) / 2 * c)
	d := (a+b)/2 + 7
	v := int(math.Round((d - 17) / 4))
	return 17 + 4*min(max(v, 1), 40)
}

var versionCodes [41]uint32 // BCH(18,6) version information, 7..40

func init() {
	for v := 7; v <= 40; v++ {
		c := uint32(v) << 12
		r := c
		for i := 17; i >= 12; i-- {
			if r&(1<<i) != 0 {
				r ^= 0x1F25 << (i - 12)
			}
		}
		versionCodes[v] = c | r
	}
}

func decodeVersionBits(b uint32) int {
	best, bestD := 0, 4
	for v := 7; v <= 40; v++ {
		d := popcount(b ^ versionCodes[v])
		if d < bestD {
			best, bestD = v, d
		}
	}
	return best
}

func popcount(x uint32) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// finderHomography maps module space onto the image from the three finders
// alone. Without perspective it is the affine map through their centres.
// With perspective, the finders' module sizes say how much nearer the
// camera each one is: a projective map scales lengths by 1/w², where w is
// its denominator, so w(top-right)/w(top-left) = √(ms(tl)/ms(tr)), and the
// same down the left edge. Those two ratios fix the denominator; the three
// centres fix the rest.
func finderHomography(f finders, d float64, perspective bool) (homography, bool) {
	u := [3]pt{{3.5, 3.5}, {d - 3.5, 3.5}, {3.5, d - 3.5}}
	img := [3]pt{f.tl, f.tr, f.bl}
	var g, hh float64
	if perspective {
		qt := math.Sqrt(f.ms[0] / f.ms[1])
		ql := math.Sqrt(f.ms[0] / f.ms[2])
		if qt < 0.6 || qt > 1.6 || ql < 0.6 || ql > 1.6 {
			return homography{}, false
		}
		// 1 + g(d-3.5) + 3.5h = qt(1 + 3.5g + 3.5h)
		// 1 + 3.5g + h(d-3.5) = ql(1 + 3.5g + 3.5h)
		a11, a12, b1 := (d-3.5)-3.5*qt, 3.5-3.5*qt, qt-1
		a21, a22, b2 := 3.5-3.5*ql, (d-3.5)-3.5*ql, ql-1
		det := a11*a22 - a12*a21
		if math.Abs(det) < 1e-9 {
			return homography{}, false
		}
		g = (b1*a22 - a12*b2) / det
		hh = (a11*b2 - a21*b1) / det
	}
	// Solve A·(u, v, 1) = w·(x, y) for the 2×3 matrix A, row by row.
	var m [3][3]float64
	for i := range u {
		m[i] = [3]float64{u[i].x, u[i].y, 1}
	}
	solve := func(r [3]float64) ([3]float64, bool) {
		// Cramer's rule on the 3×3 system m·a = r
		det3 := func(a [3][3]float64) float64 {
			return a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) - a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) + a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
		}
		D := det3(m)
		if math.Abs(D) < 1e-9 {
			return [3]float64{}, false
		}
		var out [3]float64
		for c := 0; c < 3; c++ {
			mc := m
			for i := 0; i < 3; i++ {
				mc[i][c] = r[i]
			}
			out[c] = det3(mc) / D
		}
		return out, true
	}
	var rx, ry [3]float64
	for i := range u {
		w := 1 + g*u[i].x + hh*u[i].y
		rx[i], ry[i] = img[i].x*w, img[i].y*w
	}
	ax, ok1 := solve(rx)
	ay, ok2 := solve(ry)
	if !ok1 || !ok2 {
		return homography{}, false
	}
	return homography{ax[0], ax[1], ax[2], ay[0], ay[1], ay[2], g, hh, 1}, true
}

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
		s.correct = correctDistortion
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

var correctDistortion = true

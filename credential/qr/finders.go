package qr

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Finder patterns: finding them, choosing triples, reading the version and
// a first mapping of the symbol from them.

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

// finderScore is the mean of the light rings minus the mean of the dark
// ones of a finder pattern centred at p, with module vectors ex, ey.
func finderScore(g *gray, p, ex, ey pt) float64 {
	var d, l float64
	var nd, nl int
	for j := -4; j <= 4; j++ {
		for i := -4; i <= 4; i++ {
			v := g.bilinear(p.x+float64(i)*ex.x+float64(j)*ey.x, p.y+float64(i)*ex.y+float64(j)*ey.y)
			switch max(abs(i), abs(j)) {
			case 0, 1, 3:
				d += v
				nd++
			default:
				l += v
				nl++
			}
		}
	}
	return l/float64(nl) - d/float64(nd)
}

// pairTriples completes pairs of finder candidates with the third finder
// the scan missed, typically one the frame cuts through: for a pair on a
// diagonal it lies on either side of its midpoint, for a pair on a side at
// a right angle from either end. Each guess is refined by matching a finder
// template on the grey image (where any of it is visible), must match about
// as well as the pair's own finders, and is ranked by how well the timing
// patterns it implies alternate.
func pairTriples(g *gray, sc *scanned, limit int) (out []finders) {
	if sc == nil || len(sc.cands) < 2 {
		return nil
	}
	cands := append([]finderCand(nil), sc.cands...)
	sort.Slice(cands, func(a, b int) bool { return cands[a].count > cands[b].count })
	if len(cands) > 4 {
		cands = cands[:4]
	}
	type guess struct {
		f     finders
		score float64 // finder template score relative to the pair's
	}
	var guesses []guess
	rot := func(v pt) pt { return pt{-v.y, v.x} }
	for i := 0; i < len(cands); i++ {
		for j := i + 1; j < len(cands); j++ {
			a, b := cands[i], cands[j]
			ms := (a.ms + b.ms) / 2
			if math.Max(a.ms, b.ms) > 1.35*math.Min(a.ms, b.ms) || dist(a.p, b.p) < 14*ms {
				continue
			}
			ab := pt{b.p.x - a.p.x, b.p.y - a.p.y}
			m := pt{(a.p.x + b.p.x) / 2, (a.p.y + b.p.y) / 2}
			r := rot(ab)
			// The pair's own finder contrast, whether ab runs along the
			// module axes (a side) or at 45° to them (a diagonal).
			ref := 0.0
			for _, ang := range []float64{0, math.Pi / 4} {
				c, sn := math.Cos(ang), math.Sin(ang)
				l := math.Hypot(ab.x, ab.y)
				ex := pt{(ab.x*c - ab.y*sn) / l * ms, (ab.x*sn + ab.y*c) / l * ms}
				ey := rot(ex)
				ref = math.Max(ref, (finderScore(g, a.p, ex, ey)+finderScore(g, b.p, ex, ey))/2)
			}
			if ref <= 0 {
				continue
			}
			type hyp struct{ corner, o1, o2, c pt }
			var hyps []hyp
			for _, s := range []float64{1, -1} {
				c := pt{m.x + s*r.x/2, m.y + s*r.y/2}
				hyps = append(hyps, hyp{c, a.p, b.p, c})
				c = pt{a.p.x + s*r.x, a.p.y + s*r.y}
				hyps = append(hyps, hyp{a.p, b.p, c, c})
				c = pt{b.p.x + s*r.x, b.p.y + s*r.y}
				hyps = append(hyps, hyp{b.p, a.p, c, c})
			}
			for _, h := range hyps {
				in := math.Min(math.Min(h.c.x, float64(g.w)-h.c.x), math.Min(h.c.y, float64(g.h)-h.c.y)) / ms
				if in < -2 {
					continue // wholly outside: a corner of the symbol is missing
				}
				tl, tr, bl := h.corner, h.o1, h.o2
				if (tr.x-tl.x)*(bl.y-tl.y)-(tr.y-tl.y)*(bl.x-tl.x) < 0 {
					tr, bl = bl, tr
				}
				ex := pt{tr.x - tl.x, tr.y - tl.y}
				ey := pt{bl.x - tl.x, bl.y - tl.y}
				ex = pt{ex.x / math.Hypot(ex.x, ex.y) * ms, ex.y / math.Hypot(ex.x, ex.y) * ms}
				ey = pt{ey.x / math.Hypot(ey.x, ey.y) * ms, ey.y / math.Hypot(ey.x, ey.y) * ms}
				best, bp := -1e9, h.c
				for dv := -1.5; dv <= 1.5; dv += 0.25 {
					for du := -1.5; du <= 1.5; du += 0.25 {
						p := pt{h.c.x + du*ex.x + dv*ey.x, h.c.y + du*ex.y + dv*ey.y}
						if sc := finderScore(g, p, ex, ey); sc > best {
							best, bp = sc, p
						}
					}
				}
				if best < 0.3*ref {
					continue
				}
				f := finders{tl: tl, tr: tr, bl: bl, ms: [3]float64{ms, ms, ms}}
				switch h.c {
				case f.tl:
					f.tl = bp
				case f.tr:
					f.tr = bp
				default:
					f.bl = bp
				}
				tim := timingAgreement(g, f)
				if tim < 0.7 {
					continue
				}
				guesses = append(guesses, guess{f, tim})
			}
		}
	}
	sort.SliceStable(guesses, func(a, b int) bool { return guesses[a].score > guesses[b].score })
	for i := 0; i < len(guesses) && i < limit; i++ {
		out = append(out, guesses[i].f)
	}
	return out
}

// timingAgreement checks the timing patterns a finder triple implies: the
// fraction of modules on row and column 6 between the finders that
// alternate dark and light as they must, for the best of three size guesses
// (about 1 for a real symbol, 0.5 for a guess landing in the data).
func timingAgreement(g *gray, f finders) float64 {
	best := 0.0
	d0 := f.dimensionGuess()
	for _, d := range []int{d0 - 4, d0, d0 + 4} {
		if d < 21 {
			continue
		}
		h, ok := finderHomography(f, float64(d), true)
		if !ok {
			continue
		}
		var vals []float64
		var sum float64
		for k := 8; k < d-8; k++ {
			for _, uv := range [2]pt{{float64(k) + 0.5, 6.5}, {6.5, float64(k) + 0.5}} {
				x, y := h.apply(uv.x, uv.y)
				v := g.bilinear(x, y)
				vals = append(vals, v)
				sum += v
			}
		}
		if len(vals) == 0 {
			continue
		}
		m := sum / float64(len(vals))
		agree := 0
		for i, v := range vals {
			k := 8 + i/2
			if (v < m) == (k%2 == 0) {
				agree++
			}
		}
		best = math.Max(best, float64(agree)/float64(len(vals)))
	}
	return best
}

package qr

import (
	"context"
	"errors"
	"time"

	"github.com/makiuchi-d/gozxing"
	multidetector "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

var (
	hintsFast = map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
	}
	hintsHard = map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
		gozxing.DecodeHintType_TRY_HARDER:    true,
	}
)

// traceStep, when set (by tests and tuning tools), is told which ladder step
// read the code.
var traceStep func(step string)

// zxBits decodes a sampled module grid (dark = set) with gozxing's decoder.
func zxBits(bits *gozxing.BitMatrix) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", &internalError{r}
		}
	}()
	res, err := decoder.NewDecoder().Decode(bits, hintsFast)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// zxDetect runs gozxing's detector and decoder on a binarized image.
func zxDetect(bm *gozxing.BitMatrix, hard bool) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", &internalError{r}
		}
	}()
	hints := hintsFast
	if hard {
		hints = hintsHard
	}
	det, err := detector.NewDetector(bm).Detect(hints)
	if err != nil {
		return "", err
	}
	return zxBits(det.GetBits())
}

func (g *gray) source() gozxing.LuminanceSource {
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.pix, g.w, g.h, 0, 0, g.w, g.h, false)
	if err != nil {
		panic(err) // dimensions come from g itself
	}
	return src
}

func zxHybrid(g *gray) (bm *gozxing.BitMatrix) {
	defer func() {
		if recover() != nil {
			bm = nil
		}
	}()
	bm, _ = gozxing.NewHybridBinarizer(g.source()).GetBlackMatrix()
	return bm
}

func zxGlobal(g *gray) (bm *gozxing.BitMatrix) {
	defer func() {
		if recover() != nil {
			bm = nil
		}
	}()
	bm, _ = gozxing.NewGlobalHistgramBinarizer(g.source()).GetBlackMatrix()
	return bm
}

type step struct {
	name string
	run  func(*ladderState) (string, bool)
}

// Work caps per image: grid attempts (one symbol size tried on one finder
// triple) and wall time. Clean images never get near them; they bound the
// time spent on images without a code.
const (
	maxGridAttempts     = 24
	maxGridStepAttempts = 6
	maxLadderTime       = 2 * time.Second
	maxWorkPixels       = 16 << 20 // keeps 32-bit integral images exact
)

// ladderState carries the work shared between steps of one image.
type ladderState struct {
	orig      *gray // before padding
	g         *gray
	hybrid    *scanned
	attempts  int // in all steps
	stepTries int // in the current step
	deadline  time.Time
}

// spend accounts for one grid attempt and reports whether it may go ahead.
func (st *ladderState) spend() bool {
	if st.exhausted() {
		return false
	}
	st.attempts++
	st.stepTries++
	return true
}

func (st *ladderState) exhausted() bool {
	return st.attempts >= maxGridAttempts || st.stepTries >= maxGridStepAttempts || time.Now().After(st.deadline)
}

func (st *ladderState) hyb() *scanned {
	if st.hybrid == nil {
		st.hybrid = scan(zxHybrid(st.g))
	}
	return st.hybrid
}

// maxZXCandidates bounds the finder candidates an image may have for
// gozxing's detectors to run on it: they choose among them in cubic time,
// which an image full of finder-like patterns turns into seconds.
const maxZXCandidates = 40

func detectStep(sc *scanned, hard bool) (string, bool) {
	if sc == nil || len(sc.cands) < 3 || len(sc.cands) > maxZXCandidates {
		return "", false
	}
	t, err := zxDetect(sc.bm, hard)
	return t, err == nil
}

var ladder = []step{
	{"hybrid", func(st *ladderState) (string, bool) { return detectStep(st.hyb(), false) }},
	{"hybrid-hard", func(st *ladderState) (string, bool) { return detectStep(st.hyb(), true) }},
	{"grid-hybrid", func(st *ladderState) (string, bool) { return gridStep(st, st.hyb()) }},
	{"local", func(st *ladderState) (string, bool) {
		r := max(8, min(st.g.w, st.g.h)/40)
		sc := scan(localMean(st.g, r, 2))
		if t, ok := detectStep(sc, false); ok {
			return t, true
		}
		return gridStep(st, sc)
	}},
	{"sharp", func(st *ladderState) (string, bool) {
		return gridStep(st, scan(zxHybrid(unsharp(st.g, 2, 8))))
	}},
	{"global", func(st *ladderState) (string, bool) { return detectStep(scan(zxGlobal(st.g)), true) }},
	{"double", func(st *ladderState) (string, bool) {
		// very small modules: find the finders at twice the resolution
		if max(st.orig.w, st.orig.h) > 640 {
			return "", false
		}
		g := pad(double(st.orig), 16)
		sub := &ladderState{g: g, deadline: st.deadline, attempts: st.attempts}
		if t, ok := gridStep(sub, scan(zxHybrid(g))); ok {
			return t, true
		}
		sub.stepTries = 0
		return gridStep(sub, scan(zxHybrid(unsharp(g, 2, 4))))
	}},
	{"inverted", func(st *ladderState) (string, bool) {
		// light modules on a dark background, as screens in dark mode show them
		inv := newGray(st.orig.w, st.orig.h)
		for i, p := range st.orig.pix {
			inv.pix[i] = 255 - p
		}
		g := pad(inv, 8)
		sc := scan(zxHybrid(g))
		if t, ok := detectStep(sc, true); ok {
			return t, true
		}
		return gridStep(&ladderState{g: g, deadline: st.deadline, attempts: st.attempts}, sc)
	}},
}

func gridStep(st *ladderState, sc *scanned) (string, bool) {
	if sc == nil || st.exhausted() {
		return "", false
	}
	for _, f := range finderTriples(sc, 3) {
		if t, ok := decodeGrid(st, f); ok {
			return t, true
		}
	}
	for _, f := range pairTriples(st.g, sc, 2) {
		if t, ok := decodeGrid(st, f); ok {
			return t, true
		}
	}
	return "", false
}

// decodeImg reads the image src gives in grey at a given size: a photo
// over workPixels is shrunk first (its modules stay several pixels wide,
// and the ladder's cost and memory follow the shrunk size); if that gives
// no code and time remains, one cheap read at a finer scale (up to
// fallbackPixels) looks for a code too small for the shrunk copy. The
// ladder and that last try stop at the ladder's own limit (about two
// seconds) or when ctx is done, whichever is first.
func decodeImg(ctx context.Context, pixels int, src func(ctx context.Context, maxPixels int) (*gray, error), multi bool) (texts []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			texts, err = nil, &internalError{r}
		}
	}()
	g, err := src(ctx, workPixels)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(maxLadderTime)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	texts, err = decodeLadder(ctx, g, multi, deadline)
	if err == nil || pixels <= workPixels || !time.Now().Before(deadline) || ctx.Err() != nil {
		return texts, err
	}
	g = nil
	fctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	fine, ferr := src(fctx, fallbackPixels)
	if ferr != nil {
		return nil, err
	}
	if t, ok := detectStep(scan(zxHybrid(fine)), false); ok {
		return []string{t}, nil
	}
	return nil, err
}

// budgetErr turns a failure under a spent caller budget into ErrBudget.
func budgetErr(ctx context.Context, err error) error {
	if errors.Is(err, ErrNoCode) && ctx.Err() != nil {
		return ErrBudget
	}
	return err
}

// decodeLadder runs the ladder on g until deadline or ctx is done. With
// multi, its first step looks for every code gozxing's multi-symbol
// detector can find.
func decodeLadder(ctx context.Context, g *gray, multi bool, deadline time.Time) (texts []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			texts, err = nil, &internalError{r}
		}
	}()
	if g.w < 21 || g.h < 21 {
		return nil, ErrNoCode
	}
	for g.w*g.h > maxWorkPixels {
		g = half(g)
	}
	st := &ladderState{orig: g, g: pad(g, 8), deadline: deadline}
	if multi {
		if texts := detectMulti(st.hyb()); len(texts) > 0 {
			if traceStep != nil {
				traceStep("multi")
			}
			return texts, nil
		}
	}
	for _, s := range ladder {
		if time.Now().After(st.deadline) || ctx.Err() != nil {
			break
		}
		st.stepTries = 0
		if t, ok := s.run(st); ok {
			if traceStep != nil {
				traceStep(s.name)
			}
			return []string{t}, nil
		}
	}
	return nil, ErrNoCode
}

// detectMulti decodes every symbol gozxing's multi detector finds in bm, in
// the order found, without duplicates.
func detectMulti(sc *scanned) (texts []string) {
	if sc == nil || len(sc.cands) < 3 || len(sc.cands) > maxZXCandidates {
		return nil
	}
	defer func() {
		if recover() != nil {
			texts = nil
		}
	}()
	results, err := multidetector.NewMultiDetector(sc.bm).DetectMulti(hintsFast)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range results {
		if t, err := zxBits(r.GetBits()); err == nil && !seen[t] {
			seen[t] = true
			texts = append(texts, t)
		}
	}
	return texts
}

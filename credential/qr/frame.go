package qr

import (
	"image"
	"time"
)

// frameSteps are the ladder's cheap first steps: gozxing on a hybrid
// binarization, easy then hard, then our grid sampler on its finders.
var frameSteps = []string{"hybrid", "hybrid-hard", "grid-hybrid"}

// DecodeFrame reads a QR code in one frame of a camera's video, quickly:
// only the first steps of the ladder, within budget (at most a few grid
// attempts). A camera sends another frame a moment later, so a frame that
// would need the whole ladder (up to seconds) is better skipped than
// waited for; DecodeImage is for a single photo.
func DecodeFrame(img image.Image, budget time.Duration) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", &internalError{r}
		}
	}()
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return "", err
	}
	g := toGray(img)
	if g.w < 21 || g.h < 21 {
		return "", ErrNoCode
	}
	for g.w*g.h > maxWorkPixels {
		g = half(g)
	}
	st := &ladderState{orig: g, g: pad(g, 8), deadline: time.Now().Add(budget)}
	for _, s := range ladder {
		if !frameStep(s.name) {
			continue
		}
		if time.Now().After(st.deadline) {
			break
		}
		st.stepTries = 0
		if t, ok := s.run(st); ok {
			return t, nil
		}
	}
	return "", ErrNoCode
}

func frameStep(name string) bool {
	for _, n := range frameSteps {
		if n == name {
			return true
		}
	}
	return false
}

package ui

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/station"
)

// phoneShot is a photo-like picture of a QR code: the symbol at about 40%
// of a 1600×1200 frame's height on a grey desk, shifted off centre, with
// sensor noise, as JPEG (quality 85) like a phone's.
func phoneShot(b *testing.B, text string) []byte {
	b.Helper()
	sym, err := qr.EncodeSHC(text)
	if err != nil {
		b.Fatal(err)
	}
	const w, h = 1600, 1200
	n := sym.Modules() + 2*qr.QuietZone
	ppm := (h * 4 / 10) / n
	x0, y0 := w/2-n*ppm/2+137, h/2-n*ppm/2-61
	img := image.NewGray(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(7, 7))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 150 + rng.IntN(24) - 12
			if mx, my := (x-x0)/ppm, (y-y0)/ppm; x >= x0 && y >= y0 && mx < n && my < n {
				v = 225 + rng.IntN(20) - 10
				if sym.Dark(mx-qr.QuietZone, my-qr.QuietZone) {
					v = 35 + rng.IntN(20) - 10
				}
			}
			img.Pix[y*img.Stride+x] = uint8(v)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkPhotoToVerdict: a phone photo of a SMART Health Card opened or
// dropped (UI.verifyFiles) to the verdict screen built, then cleared,
// against verifier.Verify of the same photo alone (QR decoding and
// verification), interleaved (ratiobench). The goal is ≤ 100 ms on one
// core (-cpu 1).
func BenchmarkPhotoToVerdict(b *testing.B) {
	h := newHarness(b, station.DefaultSettings())
	photo := phoneShot(b, h.card("Amira", "Haddad", "2016-04-12"))
	in := []verifier.Input{{Name: "photo.jpg", Data: photo}}
	v := &verifier.Verifier{Trust: h.u.trust.Store, At: testNow}
	b.ReportMetric(float64(len(photo)), "photo-bytes")
	ratiobench.Run(b, func() error {
		h.u.verifyFiles(in)
		if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
			return errors.New("no VALID verdict")
		}
		h.u.clearVerdict()
		return nil
	}, func() error {
		if rs := v.Verify(in); !rs[0].Valid {
			return fmt.Errorf("baseline: %v", rs[0].Reasons)
		}
		return nil
	})
}

// BenchmarkPasteToVerdict: a pasted shc:/ text (UI.Paste) to the verdict
// screen built, then cleared, against verifier.Verify of the same text
// (ratiobench). The goal is ≤ 50 ms.
func BenchmarkPasteToVerdict(b *testing.B) {
	h := newHarness(b, station.DefaultSettings())
	code := h.card("Amira", "Haddad", "2016-04-12")
	v := &verifier.Verifier{Trust: h.u.trust.Store, At: testNow}
	in := []verifier.Input{{Name: "paste", Data: []byte(code)}}
	ratiobench.Run(b, func() error {
		h.u.Paste(code + "\n")
		if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
			return errors.New("no VALID verdict")
		}
		h.u.clearVerdict()
		return nil
	}, func() error {
		if rs := v.Verify(in); !rs[0].Valid {
			return errors.New("baseline: not valid")
		}
		return nil
	})
}

package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTuneWorkPixels reads the degraded test photos placed in 12 and 36
// megapixel frames at several sizes, with each candidate value of
// workPixels, and prints how many were read and the CPU time. It is the
// evidence for workPixels; it skips unless QRTUNE is set.
func TestTuneWorkPixels(t *testing.T) {
	if os.Getenv("QRTUNE") == "" {
		t.Skip("QRTUNE not set")
	}
	paths, _ := filepath.Glob("testdata/degraded/*.*g")
	type sample struct {
		g    *gray
		want string
	}
	var samples []sample
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		want, _ := os.ReadFile(strings.TrimSuffix(p, filepath.Ext(p)) + ".txt")
		var img image.Image
		var err error
		if strings.HasSuffix(p, ".png") {
			img, err = png.Decode(bytes.NewReader(data))
		} else {
			img, err = jpeg.Decode(bytes.NewReader(data))
		}
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, sample{toGray(img), string(want)})
	}
	old := workPixels
	defer func() { workPixels = old }()
	for _, frame := range []struct{ w, h int }{{4000, 3000}, {7200, 5000}} {
		for _, frac := range []int{45, 25, 15} {
			// build the frames once
			var frames []*image.Gray
			for _, s := range samples {
				img := image.NewGray(image.Rect(0, 0, frame.w, frame.h))
				for i := range img.Pix {
					img.Pix[i] = 170
				}
				side := frame.h * frac / 100
				x0, y0 := (frame.w-side)/2, (frame.h-side)/2
				for y := 0; y < side; y++ {
					for x := 0; x < side; x++ {
						img.Pix[(y0+y)*img.Stride+x0+x] = uint8(s.g.bilinear(float64(x)*float64(s.g.w)/float64(side), float64(y)*float64(s.g.h)/float64(side)))
					}
				}
				frames = append(frames, img)
			}
			for _, wp := range []int{2_000_000, 3_000_000, 4_000_000, 6_000_000} {
				workPixels = wp
				ok := 0
				c0 := cpuTime()
				w0 := time.Now()
				for i, img := range frames {
					if got, err := DecodeImage(img); err == nil && got == samples[i].want {
						ok++
					}
				}
				fmt.Printf("frame %dx%d code %d%% of height, workPixels %.0f MP: %d/%d read, cpu %v, wall %v\n",
					frame.w, frame.h, frac, float64(wp)/1e6, ok, len(frames), (cpuTime() - c0).Round(time.Millisecond), time.Since(w0).Round(time.Millisecond))
			}
		}
	}
}

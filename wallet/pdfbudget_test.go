package wallet

import (
	"bytes"
	"image"
	"image/png"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// The images of one PDF share a time budget: a printout full of images
// without a code (noise, on which the QR ladder spends its full two seconds
// each) cannot hold the import for seconds per image, and the error says
// the rest were not read.
func TestPDFImagesShareABudget(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var pngs [][]byte
	for range 4 {
		img := image.NewGray(image.Rect(0, 0, 900, 900))
		r.Read(img.Pix)
		var b bytes.Buffer
		png.Encode(&b, img)
		pngs = append(pngs, b.Bytes())
	}
	pdf := printout(t, pngs...)
	old := pdfImageBudget
	pdfImageBudget = 300 * time.Millisecond
	defer func() { pdfImageBudget = old }()
	start := time.Now()
	_, err := extract("noise.pdf", pdf)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "not read") {
		t.Fatalf("got %v, want an error saying some images were not read", err)
	}
	// Most of this is pdfcpu reading the 3 MB PDF; without the budget the
	// ladder alone would add up to 2 s per noise image.
	if took > 5*time.Second {
		t.Errorf("4 noise images took %v with a 300 ms budget", took)
	}
	t.Logf("%v: %v", took, err)
}

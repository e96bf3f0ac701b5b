package qr

import (
	"image/png"
	"os"
	"testing"
)

func TestDebugSVG(t *testing.T) {
	p := os.Getenv("QRSVG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	img, err := rasteriseSVG(data)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create("/tmp/svg.png")
	png.Encode(f, img)
	f.Close()
}

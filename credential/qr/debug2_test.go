package qr

import (
	"fmt"
	"os"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

func TestDebugCands(t *testing.T) {
	p := os.Getenv("QRDEBUG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	img, _ := decodeImageBytes(data)
	g := toGray(img)
	if os.Getenv("PAD") != "" {
		g = pad(g, 8)
	}
	for name, bm := range map[string]*gozxing.BitMatrix{
		"hybrid": zxHybrid(g),
		"local":  localMean(g, max(8, min(g.w, g.h)/40), 2),
		"sharp":  zxHybrid(unsharp(g, 2, 2)),
	} {
		ff := scanFinders(bm)
		fmt.Println(name)
		for _, c := range ff.GetPossibleCenters() {
			fmt.Printf("  %.1f,%.1f ms %.2f n %d\n", c.GetX(), c.GetY(), c.GetEstimatedModuleSize(), c.GetCount())
		}
	}
}

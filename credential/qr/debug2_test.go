package qr

import (
	"fmt"
	"os"
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

func TestDebugCands(t *testing.T) {
	p := os.Getenv("QRDEBUG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	img, _ := decodeImageBytes(data)
	g := toGray(img)
	if os.Getenv("SHARP") != "" {
		g = unsharp(g, 2, 2)
	}
	bm := zxHybrid(g)
	ff := detector.NewFinderPatternFinder(bm, nil)
	_, err := ff.Find(hintsHard)
	fmt.Println(err)
	for _, c := range ff.GetPossibleCenters() {
		fmt.Printf("%.1f,%.1f ms %.2f n %d\n", c.GetX(), c.GetY(), c.GetEstimatedModuleSize(), c.GetCount())
	}
}

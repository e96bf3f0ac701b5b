package qr

import (
	"fmt"
	"os"
	"time"
	"testing"
)

func TestDebugLadder(t *testing.T) {
	p := os.Getenv("QRDEBUG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	img, _ := decodeImageBytes(data)
	g := pad(toGray(img), 8)
	st := &ladderState{g: g, deadline: timeFar()}
	for _, s := range ladder {
		st.stepTries = 0
		_, ok := s.run(st)
		fmt.Printf("%-12s ok=%v attempts=%d\n", s.name, ok, st.stepTries)
		if s.name == "sharp" || s.name == "local" || s.name == "grid-hybrid" {
			var bm = zxHybrid(st.g)
			switch s.name {
			case "local":
				bm = localMean(st.g, max(8, min(st.g.w, st.g.h)/40), 2)
			case "sharp":
				bm = zxHybrid(unsharp(st.g, 2, 2))
			}
			for _, f := range finderTriples(bm, 3) {
				fmt.Printf("   triple %+v guess %d\n", f, f.dimensionGuess())
			}
		}
	}
}

func timeFar() time.Time { return time.Now().Add(time.Hour) }

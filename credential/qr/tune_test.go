package qr

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTuneLadder reports, for the qrbench images named by QRBENCH_DIR (and
// QRBENCH_ONLY, a substring of the ids), which ladder step read each one.
// It is a tuning aid and skips unless QRBENCH_DIR is set.
func TestTuneLadder(t *testing.T) {
	dir := os.Getenv("QRBENCH_DIR")
	if dir == "" {
		t.Skip("QRBENCH_DIR not set")
	}
	only := os.Getenv("QRBENCH_ONLY")
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	steps := map[string]int{}
	var last string
	traceStep = func(s string) { last = s }
	defer func() { traceStep = nil }()
	sc := bufio.NewScanner(f)
	sc.Scan()
	n, ok := 0, 0
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if !strings.Contains(c[0], only) {
			continue
		}
		data, _ := os.ReadFile(filepath.Join(dir, c[0]+".png"))
		want, _ := os.ReadFile(filepath.Join(dir, c[0]+".txt"))
		last = ""
		texts, err := Decode(data)
		n++
		good := err == nil && texts[0] == string(want)
		if good {
			ok++
			steps[last]++
		} else {
			steps["FAIL"]++
			if os.Getenv("QRBENCH_V") != "" {
				fmt.Printf("FAIL %s v%s %s\n", c[0], c[4], c[8])
			}
		}
	}
	fmt.Printf("%d/%d %v\n", ok, n, steps)
}

// TestTuneModuleErrors samples the qrbench image QRDEBUG (a .png beside its
// .txt) at the true symbol size and counts the module errors of each
// thresholding and deconvolution variant against the re-encoded symbol. It
// is a tuning aid and skips unless QRDEBUG is set.
func TestTuneModuleErrors(t *testing.T) {
	p := os.Getenv("QRDEBUG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	want, _ := os.ReadFile(strings.TrimSuffix(p, ".png") + ".txt")
	sym, err := Encode(string(want), L)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := decodeImageBytes(data)
	g := toGray(img)
	ff := finderTriples(scan(zxHybrid(g)), 3)
	if len(ff) == 0 {
		ff = finderTriples(scan(localMean(g, max(8, min(g.w, g.h)/40), 2)), 3)
	}
	if len(ff) == 0 {
		ff = finderTriples(scan(zxHybrid(unsharp(g, 2, 8))), 3)
	}
	if len(ff) == 0 {
		t.Fatal("no finder triple")
	}
	f := ff[0]
	d := sym.Modules()
	persp := os.Getenv("QRDEBUG_AFFINE") == ""
	s := &gridSampler{g: g, dim: d, perspective: persp}
	s.locate(f, 0)
	c := s.finderContrast()
	s2 := &gridSampler{g: g, dim: d, perspective: persp, correct: true}
	s2.locate(f, c)
	fmt.Printf("dim %d anchors %d contrast %.0f finders %+v\n", d, len(s2.src), c, f)
	if os.Getenv("QRDEBUG_V") != "" {
		for i := range s2.src {
			x, y := s2.mapPt(s2.src[i].x, s2.src[i].y)
			fmt.Printf("   %v -> %.1f,%.1f fit %.1f,%.1f\n", s2.src[i], s2.dst[i].x, s2.dst[i].y, x, y)
		}
	}
	vals := s2.grid()
	fmt.Println("version read:", s.readVersion(), "guess", f.dimensionGuess())
	count := func(name string, norm []float64) {
		e := 0
		for y := 0; y < d; y++ {
			for x := 0; x < d; x++ {
				if (norm[y*d+x] < 0.5) != sym.Dark(x, y) {
					e++
				}
			}
		}
		_, err := zxBits(toBits(norm, d))
		fmt.Printf("%-12s errors %4d of %d (%.2f%%) decode %v\n", name, e, d*d, 100*float64(e)/float64(d*d), err == nil)
	}
	for _, r := range []int{5} {
		norm := normalise(vals, d, r)
		count(fmt.Sprintf("plain r%d", r), norm)
		for _, sg := range []float64{0.45, 0.6} {
			for _, it := range []int{5, 10, 20, 40} {
				count(fmt.Sprintf("cg %.2f %d", sg, it), deconvolve(norm, d, sg, it))
			}
		}
	}
}

// TestTuneFinders lists the finder candidates and triples each binarization
// gives for the image QRDEBUG, and what the pair completion guesses. It is a
// tuning aid and skips unless QRDEBUG is set.
func TestTuneFinders(t *testing.T) {
	p := os.Getenv("QRDEBUG")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	img, _ := decodeImageBytes(data)
	g := pad(toGray(img), 8)
	for _, name := range []string{"hybrid", "local", "sharp"} {
		var sc *scanned
		switch name {
		case "hybrid":
			sc = scan(zxHybrid(g))
		case "local":
			sc = scan(localMean(g, max(8, min(g.w, g.h)/40), 2))
		case "sharp":
			sc = scan(zxHybrid(unsharp(g, 2, 8)))
		}
		fmt.Println(name)
		for _, c := range sc.cands {
			fmt.Printf("  %.1f,%.1f ms %.2f n %d\n", c.p.x, c.p.y, c.ms, c.count)
		}
		for _, f := range finderTriples(sc, 3) {
			fmt.Printf("  triple %+v guess %d\n", f, f.dimensionGuess())
		}
	}
	sc := scan(zxHybrid(g))
	fmt.Println("pair completions")
	for _, f := range pairTriples(g, sc, 6) {
		st := &ladderState{g: g, deadline: timeFar()}
		_, ok := decodeGrid(st, f)
		fmt.Printf("guess %+v guess-dim %d ok=%v\n", f, f.dimensionGuess(), ok)
	}
}

func timeFar() time.Time { return time.Now().Add(time.Hour) }

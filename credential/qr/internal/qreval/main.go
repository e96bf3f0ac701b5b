// Command qreval measures qr.Decode on a qrbench image set
// (testdata/tools/qrbench at the repository root) and prints Markdown tables: the success rate
// overall and per degradation in the format of the qrbench README, with the
// median (and 90th percentile / maximum) milliseconds per image; the same per
// mode and payload size; and the cells the decoder has targets for (clean,
// jpeg40, rot5-30 and lowcontrast for shc:/ symbols up to version 22 and for
// 1800-character byte symbols). Images are decoded one at a time, from the
// PNG bytes, so the times include PNG decoding.
//
//	go run ./credential/qr/internal/qreval -dir /tmp/qrbench [-only SUBSTRING] [-v]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/qr"
)

type sample struct {
	id, mode, size, deg string
	version             string
}

type cell struct {
	n, ok int
	ms    []float64
}

func (c *cell) add(ok bool, ms float64) {
	c.n++
	if ok {
		c.ok++
	}
	c.ms = append(c.ms, ms)
}

func (c *cell) rate() string {
	if c == nil || c.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(c.ok)/float64(c.n))
}

func (c *cell) median() float64 {
	if c == nil || len(c.ms) == 0 {
		return 0
	}
	s := append([]float64(nil), c.ms...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (c *cell) quantile(q float64) float64 {
	if c == nil || len(c.ms) == 0 {
		return 0
	}
	s := append([]float64(nil), c.ms...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func main() {
	dir := flag.String("dir", "/tmp/qrbench", "qrbench output folder (with manifest.tsv)")
	filter := flag.String("only", "", "only image ids containing this substring")
	verbose := flag.Bool("v", false, "list the images that failed")
	flag.Parse()

	f, err := os.Open(filepath.Join(*dir, "manifest.tsv"))
	if err != nil {
		log.Fatal(err)
	}
	var samples []sample
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 6 || !strings.Contains(c[0], *filter) {
			continue
		}
		samples = append(samples, sample{id: c[0], mode: c[1], size: c[2], deg: c[3], version: c[4]})
	}
	f.Close()
	if len(samples) == 0 {
		log.Fatal("no samples")
	}

	all := &cell{}
	byDeg := map[string]*cell{}
	byModeSize := map[string]*cell{}    // mode/size
	byModeSizeDeg := map[string]*cell{} // mode/size/deg
	var degs, modeSizes []string
	get := func(m map[string]*cell, k string, order *[]string) *cell {
		c := m[k]
		if c == nil {
			c = &cell{}
			m[k] = c
			if order != nil {
				*order = append(*order, k)
			}
		}
		return c
	}
	start := time.Now()
	for _, s := range samples {
		img, err := os.ReadFile(filepath.Join(*dir, s.id+".png"))
		if err != nil {
			log.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(*dir, s.id+".txt"))
		if err != nil {
			log.Fatal(err)
		}
		t0 := time.Now()
		texts, err := qr.Decode(img)
		ms := float64(time.Since(t0).Microseconds()) / 1000
		ok := err == nil && len(texts) > 0 && texts[0] == strings.TrimSpace(string(want))
		if !ok && *verbose {
			fmt.Fprintf(os.Stderr, "FAIL %s (v%s) %.0fms %v\n", s.id, s.version, ms, err)
		}
		all.add(ok, ms)
		get(byDeg, s.deg, &degs).add(ok, ms)
		get(byModeSize, s.mode+"/"+s.size, &modeSizes).add(ok, ms)
		get(byModeSizeDeg, s.mode+"/"+s.size+"/"+s.deg, nil).add(ok, ms)
	}

	fmt.Printf("%d images in %v\n\n", all.n, time.Since(start).Round(time.Millisecond))
	fmt.Print("| decoder | all |")
	for _, d := range degs {
		fmt.Printf(" %s |", d)
	}
	fmt.Print("\n|---|---|")
	for range degs {
		fmt.Print("---|")
	}
	fmt.Printf("\n| immunopass qr | %s / %.0f |", all.rate(), all.median())
	for _, d := range degs {
		fmt.Printf(" %s |", byDeg[d].rate())
	}
	fmt.Print("\n| median ms | |")
	for _, d := range degs {
		fmt.Printf(" %.0f |", byDeg[d].median())
	}
	fmt.Print("\n| p90 / max ms | |")
	for _, d := range degs {
		fmt.Printf(" %.0f / %.0f |", byDeg[d].quantile(0.9), byDeg[d].quantile(1))
	}
	fmt.Println()

	fmt.Print("\n| mode/size | all | median ms |")
	for _, d := range degs {
		fmt.Printf(" %s |", d)
	}
	fmt.Print("\n|---|---|---|")
	for range degs {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, ms := range modeSizes {
		c := byModeSize[ms]
		fmt.Printf("| %s | %s | %.0f |", ms, c.rate(), c.median())
		for _, d := range degs {
			fmt.Printf(" %s |", byModeSizeDeg[ms+"/"+d].rate())
		}
		fmt.Println()
	}

	// The target cells: clean, jpeg40, rot5-30, lowcontrast for shc:/ up to
	// V22 (numeric 600 and 1200) and for 1800-character byte symbols.
	fmt.Print("\n| target cell | clean | jpeg40 | rot5-30 | lowcontrast |\n|---|---|---|---|---|\n")
	for _, ms := range []string{"numeric/600", "numeric/1200", "byte/1800"} {
		if byModeSize[ms] == nil {
			continue
		}
		fmt.Printf("| %s |", ms)
		for _, d := range []string{"clean", "jpeg40", "rot5-30", "lowcontrast"} {
			fmt.Printf(" %s |", byModeSizeDeg[ms+"/"+d].rate())
		}
		fmt.Println()
	}
}

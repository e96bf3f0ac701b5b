package qr

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

package main

import (
	"bytes"
	"strings"
	"testing"
)

// The bar (stderr is a terminal) is redrawn in place and ends its line;
// plain lines are whole lines. The plain form is also run by
// testdata/script/batch.txtar.
func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true}
	p.start(4)
	p.add(2, 4, 0)
	p.add(2, 4, 4) // the last group is always drawn
	p.proofs(8, 8)
	p.stop()
	out := b.String()
	for _, want := range []string{"\r\033[K[###############---------------] 2/4 records · 4 credentials", "\r\033[K[##############################] 4/4 records · 8 credentials", "inclusion proofs 8/8"} {
		if !strings.Contains(out, want) {
			t.Fatalf("bar output %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("bar output %q: want one final newline", out)
	}

	b.Reset()
	p = &progress{w: &b}
	p.start(3)
	p.add(2, 2, 1)
	p.add(1, 1, 3)
	p.stop()
	if lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "issued 2/3 records (2 credentials, 1 anchored, ") || !strings.HasPrefix(lines[1], "issued 3/3 records (3 credentials, 3 anchored, ") || strings.Contains(b.String(), "\r") {
		t.Fatalf("plain output %q", b.String())
	}
}

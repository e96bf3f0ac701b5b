package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress reports a long batch on stderr: a bar redrawn in place when
// stderr is a terminal, otherwise one plain line per group, which log files
// and CI keep readably.
type progress struct {
	w                        io.Writer
	tty                      bool
	total                    int
	records, creds, anchored int
	began, drawn             time.Time
	open                     bool // a bar is on the line
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, began: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) start(total int) { p.total = total }

// add counts a group done.
func (p *progress) add(records, creds, anchored int) {
	p.records += records
	p.creds += creds
	p.anchored = anchored
	rate := float64(p.creds) / max(time.Since(p.began).Seconds(), 1e-3)
	if !p.tty {
		fmt.Fprintf(p.w, "issued %d/%d records (%s, %d anchored, %.0f credentials/s)\n", p.records, p.total, plural(p.creds, "credential", "credentials"), p.anchored, rate)
		return
	}
	if time.Since(p.drawn) < 100*time.Millisecond && p.records < p.total {
		return
	}
	p.drawn = time.Now()
	p.bar(float64(p.records)/float64(max(p.total, 1)), fmt.Sprintf("%d/%d records · %d credentials · %.0f/s", p.records, p.total, p.creds, rate))
}

// proofs reports proofs written out of total.
func (p *progress) proofs(done, total int) {
	if !p.tty {
		fmt.Fprintf(p.w, "inclusion proofs: %d/%d\n", done, total)
		return
	}
	p.bar(float64(done)/float64(max(total, 1)), fmt.Sprintf("inclusion proofs %d/%d", done, total))
}

func (p *progress) bar(frac float64, text string) {
	const width = 30
	n := int(frac*width + 0.5)
	n = min(max(n, 0), width)
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %s", strings.Repeat("#", n), strings.Repeat("-", width-n), text)
	p.open = true
}

// stop ends the bar's line.
func (p *progress) stop() {
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

package scan

import (
	"strings"
	"time"
)

// A keyboard-wedge scanner types a whole code in one fast burst (a few
// milliseconds a character) and ends it with Enter; a person types far
// slower. Burst turns the characters a capture field receives into codes.

// Burst limits. MaxCode bounds what one burst may hold (the largest QR code
// holds 7,089 digits; a chunked card comes as several bursts).
const (
	MaxCode = 8 << 10
	// Gap is the longest pause inside one scanner burst: a pause longer
	// than this ends the burst (some scanners send no Enter).
	Gap = 80 * time.Millisecond
	// minScannerRate: a burst of at least minScannerLen characters whose
	// mean gap is under this came from a scanner, not from hands.
	minScannerRate = 35 * time.Millisecond
	minScannerLen  = 8
)

// Code is one burst: its text, repaired for the keyboard layout, and how it
// came.
type Code struct {
	Text    string
	Raw     string  // as received
	Layout  *Layout // the layout it was typed through; nil if unrecognised
	Scanner bool    // typed at scanner speed
	Cut     bool    // longer than MaxCode: the rest was dropped
}

// Burst collects typed characters into codes. The zero value is ready; it
// is not safe for concurrent use (a capture field feeds it from the UI
// thread).
type Burst struct {
	buf   strings.Builder
	n     int
	first time.Time
	last  time.Time
	cut   bool
}

// Type feeds one character typed at at. It returns a code when the
// character ends one: Enter (or a carriage return), or a character after a
// pause longer than Gap, which then starts the next burst.
func (b *Burst) Type(r rune, at time.Time) (Code, bool) {
	if r == '\n' || r == '\r' {
		return b.end()
	}
	var out Code
	var done bool
	if b.n > 0 && at.Sub(b.last) > Gap {
		out, done = b.end()
	}
	if b.n == 0 {
		b.first = at
	}
	b.last = at
	if b.buf.Len()+4 > MaxCode {
		b.cut = true
	} else {
		b.buf.WriteRune(r)
	}
	b.n++
	return out, done
}

// Idle ends the burst in progress when nothing was typed for longer than
// Gap by now (a scanner that sends no Enter); the UI calls it from a timer.
func (b *Burst) Idle(now time.Time) (Code, bool) {
	if b.n > 0 && now.Sub(b.last) > Gap {
		return b.end()
	}
	return Code{}, false
}

// Paste takes text pasted or dropped as a whole: one code a line.
func Paste(text string) []Code {
	var out []Code
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		c := Code{Raw: line}
		if len(line) > MaxCode {
			line, c.Cut = line[:MaxCode], true
		}
		c.Text, c.Layout = Repair(line)
		out = append(out, c)
	}
	return out
}

func (b *Burst) end() (Code, bool) {
	if b.n == 0 {
		return Code{}, false
	}
	raw := b.buf.String()
	c := Code{Raw: raw, Cut: b.cut}
	c.Scanner = b.n >= minScannerLen && b.last.Sub(b.first) < time.Duration(b.n-1)*minScannerRate
	c.Text, c.Layout = Repair(raw)
	b.buf.Reset()
	b.n, b.cut = 0, false
	if strings.TrimSpace(raw) == "" {
		return Code{}, false
	}
	return c, true
}

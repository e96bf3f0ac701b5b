package scan

import (
	"fmt"
	"time"

	"github.com/immunopass/immunopass/credential/shc"
)

// A SMART Health Card too large for one QR code comes as chunks
// "shc:/C/N/…" that the officer scans one after the other, in any order.
// Collector holds them until the set is complete.

// Partial is how long an incomplete set of chunks is kept after its last
// chunk: a set not finished by then is dropped (the next person's card
// must never be mixed with it).
const Partial = 2 * time.Minute

// Progress says where a collection stands after a code.
type Progress struct {
	// Ready holds the texts to verify together when the code completes
	// something: the code itself, or every chunk of a card in index order.
	Ready []string
	Have  int // chunks held of the card being collected
	Total int // its number of chunks; 0 when not collecting
	// Restarted: a chunk of another card arrived, so the chunks held
	// before were dropped.
	Restarted bool
}

// Message is Progress in words, for the scan screen.
func (p Progress) Message() string {
	switch {
	case p.Total == 0:
		return ""
	case p.Restarted:
		return fmt.Sprintf("%d of %d read (a chunk of another card: started again)", p.Have, p.Total)
	default:
		return fmt.Sprintf("%d of %d read", p.Have, p.Total)
	}
}

// Collector gathers the chunks of one card. The zero value is ready; it is
// not safe for concurrent use.
type Collector struct {
	total  int
	chunks map[int]string
	last   time.Time
}

// Add takes one code read at at.
func (c *Collector) Add(text string, at time.Time) Progress {
	c.Expire(at)
	ch, err := shc.ParseQR(text)
	if err != nil || ch.Total <= 1 {
		// Not a chunk (or a broken one): verify it as it is, and let the
		// verifier say what is wrong with it.
		return Progress{Ready: []string{text}, Have: len(c.chunks), Total: c.total}
	}
	restarted := false
	if c.total != 0 && (ch.Total != c.total || (c.chunks[ch.Index] != "" && c.chunks[ch.Index] != text)) {
		c.Reset()
		restarted = true
	}
	if c.total == 0 {
		c.total, c.chunks = ch.Total, map[int]string{}
	}
	c.chunks[ch.Index] = text
	c.last = at
	p := Progress{Have: len(c.chunks), Total: c.total, Restarted: restarted}
	if len(c.chunks) == c.total {
		for i := 1; i <= c.total; i++ {
			p.Ready = append(p.Ready, c.chunks[i])
		}
		c.Reset()
	}
	return p
}

// Expire drops an incomplete set whose last chunk is older than Partial.
func (c *Collector) Expire(now time.Time) bool {
	if c.total != 0 && now.Sub(c.last) > Partial {
		c.Reset()
		return true
	}
	return false
}

// Reset drops every chunk held.
func (c *Collector) Reset() { c.total, c.chunks = 0, nil }

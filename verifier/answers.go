package verifier

import (
	"container/heap"
	"fmt"
	"sync"
	"time"
)

// DefaultAnswerLimit is how many answered challenges an [Answers] guard
// remembers at once when NewAnswers is given no limit. An entry lives about
// two freshness windows (a couple of minutes); no verifier desk sees that
// many answers in that time.
const DefaultAnswerLimit = 1 << 16

// Answers is the one-answer-per-challenge guard of a verifier that makes
// challenges: the first valid answer to a nonce is accepted, every later one
// (a replay of the same KB-JWT, or a second answer) is refused with
// challenge-mismatch. It is safe for concurrent use, holds at most its limit
// of nonces, and forgets a nonce once an answer to it could no longer pass
// the freshness window anyway. A verifier app holds one per process; the
// CLI, which keeps no state between runs, holds one per call.
//
// When it is full of nonces that are all still answerable it refuses new
// answers (fails closed) rather than forget one that could be replayed.
type Answers struct {
	mu    sync.Mutex
	limit int
	seen  map[string]time.Time // nonce key → forget after
	order forgetHeap
}

// NewAnswers returns an empty guard holding at most limit nonces
// (DefaultAnswerLimit if limit <= 0).
func NewAnswers(limit int) *Answers {
	if limit <= 0 {
		limit = DefaultAnswerLimit
	}
	return &Answers{limit: limit, seen: map[string]time.Time{}}
}

// AnsweredError reports a challenge whose nonce was already answered: a
// replayed or second answer. It maps to challenge-mismatch.
type AnsweredError struct {
	Nonce string
	Full  bool // the guard was full, not the nonce answered
}

func (e *AnsweredError) Error() string {
	if e.Full {
		return "challenge not accepted: this verifier holds too many recent answers to remember another; show a new challenge in a minute"
	}
	return fmt.Sprintf("challenge already answered (nonce %s): an answer is accepted once; show a new challenge and scan the new answer", quoteShort(e.Nonce))
}

// Use records the answer to the challenge aud/nonce at now, to be
// remembered until forgetAfter. It returns an *AnsweredError if that nonce
// was already answered (and not yet forgotten) or if the guard is full.
func (a *Answers) Use(aud, nonce string, forgetAfter, now time.Time) error {
	key := aud + "\x00" + nonce
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.order) > 0 && a.order[0].until.Before(now) {
		e := heap.Pop(&a.order).(forgetEntry)
		if a.seen[e.key].Equal(e.until) {
			delete(a.seen, e.key)
		}
	}
	if until, ok := a.seen[key]; ok && !until.Before(now) {
		return &AnsweredError{Nonce: nonce}
	}
	if len(a.seen) >= a.limit {
		return &AnsweredError{Nonce: nonce, Full: true}
	}
	a.seen[key] = forgetAfter
	heap.Push(&a.order, forgetEntry{key: key, until: forgetAfter})
	return nil
}

// Len reports how many nonces the guard remembers.
func (a *Answers) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seen)
}

type forgetEntry struct {
	key   string
	until time.Time
}

// forgetHeap orders entries by the instant they may be forgotten.
type forgetHeap []forgetEntry

func (h forgetHeap) Len() int           { return len(h) }
func (h forgetHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h forgetHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *forgetHeap) Push(x any)        { *h = append(*h, x.(forgetEntry)) }
func (h *forgetHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

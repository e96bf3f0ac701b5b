package store_test

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/immunopass/immunopass/wallet/store"
)

// fakeClock runs timers when Advance passes their deadline.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		var due *fakeTimer
		for i, t := range c.timers {
			if !t.stopped && !t.at.After(end) {
				due = t
				c.timers = append(c.timers[:i], c.timers[i+1:]...)
				break
			}
		}
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.now = due.at
		due.stopped = true
		c.mu.Unlock()
		due.f()
	}
}

func TestAutoLock(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := store.NewMem(pass)
	locks := 0
	a := store.NewAutoLock(5*time.Minute, clock, func() { locks++; s.Lock() })
	defer a.Stop()

	clock.Advance(4 * time.Minute)
	a.Touch()
	clock.Advance(4 * time.Minute) // 8 min since start, 4 since the touch
	if locks != 0 {
		t.Fatalf("locked %d times within the idle period after a touch", locks)
	}
	clock.Advance(time.Minute) // exactly 5 since the touch
	if locks != 1 {
		t.Fatalf("locks = %d after 5 idle minutes, want 1", locks)
	}
	if _, err := get(t, s, "k", "i"); err != store.ErrLocked {
		t.Fatalf("store after auto-lock: %v", err)
	}
	clock.Advance(time.Hour)
	if locks != 1 {
		t.Fatalf("locked again without a touch: %d", locks)
	}
	// Unlocking and using it arms the lock again.
	s.Unlock(pass)
	a.Touch()
	for range 10 {
		clock.Advance(time.Minute)
		a.Touch()
	}
	if locks != 1 {
		t.Fatalf("locked while in use: %d", locks)
	}
	clock.Advance(5 * time.Minute)
	if locks != 2 {
		t.Fatalf("locks = %d, want 2", locks)
	}
	a.Touch()
	a.Stop()
	clock.Advance(time.Hour)
	if locks != 2 {
		t.Fatalf("locked after Stop: %d", locks)
	}
}

func TestAutoLockSystemClock(t *testing.T) {
	done := make(chan struct{})
	a := store.NewAutoLock(time.Millisecond, nil, func() { close(done) })
	defer a.Stop()
	<-done
}

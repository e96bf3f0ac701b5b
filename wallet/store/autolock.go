package store

import (
	"sync"
	"time"
)

// Clock is the time AutoLock runs on; SystemClock in the app, a fake one in
// tests.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once, d from now, unless the returned stop function
	// is called first.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// AutoLock calls lock once Idle has passed without a Touch. The wallet
// calls Touch on every use; after lock has run, the next Touch (after the
// user unlocked) arms it again.
type AutoLock struct {
	idle  time.Duration
	clock Clock
	lock  func()

	mu      sync.Mutex
	last    time.Time
	stop    func() bool // the armed timer, nil when none
	stopped bool
}

// NewAutoLock arms an AutoLock that calls lock (typically a Store's Lock,
// plus whatever the UI does) after idle without Touch. A nil clock means
// SystemClock.
func NewAutoLock(idle time.Duration, clock Clock, lock func()) *AutoLock {
	if clock == nil {
		clock = SystemClock
	}
	a := &AutoLock{idle: idle, clock: clock, lock: lock}
	a.Touch()
	return a
}

// Touch records activity now and arms the timer if it is not armed.
func (a *AutoLock) Touch() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return
	}
	a.last = a.clock.Now()
	if a.stop == nil {
		a.stop = a.clock.AfterFunc(a.idle, a.fire)
	}
}

// fire runs when the timer expires: it locks if nothing touched since, and
// otherwise waits for the rest of the idle period from the last Touch.
// Rearming this way, rather than on every Touch, keeps Touch cheap.
func (a *AutoLock) fire() {
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return
	}
	left := a.idle - a.clock.Now().Sub(a.last)
	if left > 0 {
		a.stop = a.clock.AfterFunc(left, a.fire)
		a.mu.Unlock()
		return
	}
	a.stop = nil
	a.mu.Unlock()
	a.lock()
}

// Stop disarms the AutoLock for good (on Close).
func (a *AutoLock) Stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped = true
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
}

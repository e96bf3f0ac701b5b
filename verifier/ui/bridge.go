package ui

import "fyne.io/fyne/v2"

// The same bridge as wallet/ui/bridge.go (written again here: the two UI
// packages do not import each other).

// async is the one bridge between background work and the UI thread: work
// runs on its own goroutine (decoding a QR image, verifying, fetching the
// bundle), then done runs on Fyne's thread through fyne.Do with work's
// result. Nothing outside this file calls fyne.Do.
func async[T any](work func() (T, error), done func(T, error)) {
	if inline {
		v, err := work()
		done(v, err)
		return
	}
	go func() {
		v, err := work()
		fyne.Do(func() { done(v, err) })
	}()
}

// inline makes async run work and done on the caller's goroutine, and
// onUI run at once: the headless tests set it, so that each step has
// finished when the call returns.
var inline bool

// onUI runs fn on Fyne's thread from a timer or another goroutine.
func onUI(fn func()) {
	if inline {
		fn()
		return
	}
	fyne.Do(fn)
}

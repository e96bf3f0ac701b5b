package ui

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"github.com/immunopass/immunopass/verifier/station"
)

// Sound: Fyne has no audio, so the verdict tones (station.ToneFor, rendered
// as WAV by station.WAV) are handed to a player. The real one pipes the
// WAV into the system's command-line player (PulseAudio's or PipeWire's
// paplay, ALSA's aplay); a machine with neither, or no sound device, stays
// silent: a tone never holds up or blocks a verdict.

// soundPlayer plays a WAV file's bytes.
type soundPlayer interface {
	Play(wav []byte) error
}

// errNoPlayer: no command-line player was found.
var errNoPlayer = errors.New("no sound player found (paplay or aplay)")

// systemPlayer plays through the first command-line player found.
type systemPlayer struct{}

// players are tried in order; each reads a WAV from standard input.
var players = [][]string{{"paplay"}, {"aplay", "-q", "-"}}

func (systemPlayer) Play(wav []byte) error {
	for _, p := range players {
		path, err := exec.LookPath(p[0])
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, p[1:]...)
		cmd.Stdin = bytes.NewReader(wav)
		return cmd.Run()
	}
	return errNoPlayer
}

// soundFailed is logged once: a station without a sound device would
// otherwise log a line per verdict.
var soundFailed atomic.Bool

// playTone plays the verdict's tone when the setting is on, off the UI
// thread; a failure is logged once and is never shown as an error.
func (u *UI) playTone(v station.Verdict) {
	if !u.set.Sound || u.sound == nil {
		return
	}
	wav, p := station.WAV(station.ToneFor(v)), u.sound
	play := func() {
		if err := p.Play(wav); err != nil && soundFailed.CompareAndSwap(false, true) {
			fyne.LogError("verdict sound (the verdict is shown without it)", err)
		}
	}
	if inline {
		play()
		return
	}
	go play()
}

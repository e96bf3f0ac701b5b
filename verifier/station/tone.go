package station

import (
	"encoding/binary"
	"math"
	"time"
)

// Note is one part of a verdict tone: a sine at Freq hertz for Dur, or
// silence when Freq is 0.
type Note struct {
	Freq float64
	Dur  time.Duration
}

// The verdict tones, told apart by ear without looking: VALID rises (two
// short high notes), NOT VALID is a low double buzz, CHECK MANUALLY one
// middle note held longer. The web app plays the same notes (WebAudio).
var (
	PassTone   = []Note{{Freq: 880, Dur: 110 * time.Millisecond}, {Freq: 1320, Dur: 170 * time.Millisecond}}
	FailTone   = []Note{{Freq: 220, Dur: 230 * time.Millisecond}, {Freq: 0, Dur: 70 * time.Millisecond}, {Freq: 220, Dur: 230 * time.Millisecond}}
	ManualTone = []Note{{Freq: 587, Dur: 380 * time.Millisecond}}
)

// ToneFor is the tone of a verdict.
func ToneFor(v Verdict) []Note {
	switch v {
	case VerdictValid:
		return PassTone
	case VerdictInvalid:
		return FailTone
	}
	return ManualTone
}

// SampleRate is the rate of the WAV files WAV writes.
const SampleRate = 22050

// fade is how long each note fades in and out, so that it does not click.
const fade = 8 * time.Millisecond

// WAV renders notes as a mono 16-bit PCM WAV file at SampleRate, at about
// half of full scale. It does no I/O: a player plays the bytes.
func WAV(notes []Note) []byte {
	var pcm []int16
	for _, n := range notes {
		count := int(n.Dur.Seconds() * SampleRate)
		ramp := int(fade.Seconds() * SampleRate)
		for i := 0; i < count; i++ {
			if n.Freq <= 0 {
				pcm = append(pcm, 0)
				continue
			}
			env := 1.0
			if i < ramp {
				env = float64(i) / float64(ramp)
			} else if count-1-i < ramp {
				env = float64(count-1-i) / float64(ramp)
			}
			v := 0.5 * env * math.Sin(2*math.Pi*n.Freq*float64(i)/SampleRate)
			pcm = append(pcm, int16(v*math.MaxInt16))
		}
	}
	data := 2 * len(pcm)
	b := make([]byte, 0, 44+data)
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(36+data))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)           // fmt chunk size
	b = binary.LittleEndian.AppendUint16(b, 1)            // PCM
	b = binary.LittleEndian.AppendUint16(b, 1)            // mono
	b = binary.LittleEndian.AppendUint32(b, SampleRate)   // samples a second
	b = binary.LittleEndian.AppendUint32(b, SampleRate*2) // bytes a second
	b = binary.LittleEndian.AppendUint16(b, 2)            // block align
	b = binary.LittleEndian.AppendUint16(b, 16)           // bits a sample
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(data))
	for _, s := range pcm {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

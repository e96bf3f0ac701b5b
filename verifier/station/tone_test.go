package station

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
	"time"
)

// pitch estimates the frequency of samples from their zero crossings.
func pitch(s []int16) float64 {
	cross := 0
	for i := 1; i < len(s); i++ {
		if (s[i-1] < 0) != (s[i] < 0) {
			cross++
		}
	}
	return float64(cross) / 2 / (float64(len(s)) / SampleRate)
}

func TestToneWAV(t *testing.T) {
	for _, v := range []Verdict{VerdictValid, VerdictInvalid, VerdictManual} {
		notes := ToneFor(v)
		b := WAV(notes)
		if string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[36:40]) != "data" {
			t.Fatalf("verdict %d: not a WAV header: %q", v, b[:44])
		}
		if rate := binary.LittleEndian.Uint32(b[24:28]); rate != SampleRate {
			t.Fatalf("sample rate %d", rate)
		}
		n := int(binary.LittleEndian.Uint32(b[40:44]))
		if n != len(b)-44 || int(binary.LittleEndian.Uint32(b[4:8])) != len(b)-8 {
			t.Fatalf("chunk sizes %d, %d for %d bytes", n, binary.LittleEndian.Uint32(b[4:8]), len(b))
		}
		pcm := make([]int16, n/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(b[44+2*i:]))
		}
		// Each note has its length and its pitch (within 3 %), and
		// silence is silent.
		at := 0
		for _, note := range notes {
			k := int(note.Dur.Seconds() * SampleRate)
			part := pcm[at : at+k]
			at += k
			if note.Freq == 0 {
				if slices.ContainsFunc(part, func(x int16) bool { return x != 0 }) {
					t.Errorf("verdict %d: the pause is not silent", v)
				}
				continue
			}
			if got := pitch(part); math.Abs(got-note.Freq) > 0.03*note.Freq {
				t.Errorf("verdict %d: a %v Hz note measures %.0f Hz", v, note.Freq, got)
			}
			if part[0] != 0 || part[len(part)-1] != 0 {
				t.Errorf("verdict %d: the %v Hz note does not fade in and out (%d … %d)", v, note.Freq, part[0], part[len(part)-1])
			}
		}
		if at != len(pcm) {
			t.Errorf("verdict %d: %d samples, the notes make %d", v, len(pcm), at)
		}
	}
}

// The three tones must be told apart by ear: different pitches, and the
// pass tone short.
func TestTonesDistinct(t *testing.T) {
	total := func(ns []Note) (d time.Duration) {
		for _, n := range ns {
			d += n.Dur
		}
		return d
	}
	pitches := func(ns []Note) (out []float64) {
		for _, n := range ns {
			if n.Freq > 0 {
				out = append(out, n.Freq)
			}
		}
		return out
	}
	pass, fail, manual := pitches(PassTone), pitches(FailTone), pitches(ManualTone)
	if slices.Min(pass) <= slices.Max(manual) || slices.Max(fail) >= slices.Min(manual) {
		t.Errorf("pitches overlap: pass %v, manual %v, fail %v", pass, manual, fail)
	}
	if pass[len(pass)-1] <= pass[0] {
		t.Errorf("the pass tone does not rise: %v", pass)
	}
	if len(FailTone) < 3 || FailTone[1].Freq != 0 {
		t.Errorf("the fail tone is not two buzzes with a pause: %v", FailTone)
	}
	for _, ns := range [][]Note{PassTone, FailTone, ManualTone} {
		if d := total(ns); d < 200*time.Millisecond || d > 600*time.Millisecond {
			t.Errorf("tone %v lasts %v: long enough to hear, short enough not to hold up the next scan", ns, d)
		}
	}
}

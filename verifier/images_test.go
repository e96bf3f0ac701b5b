package verifier

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// pngClaiming is the signature and IHDR of a w×h RGBA PNG, no pixels.
func pngClaiming(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	b.Write(make([]byte, 64))
	return b.Bytes()
}

// A PNG whose header claims 100000×100000 pixels is too-large, refused from
// its header at once.
func TestImageTooLarge(t *testing.T) {
	v := &Verifier{}
	start := time.Now()
	r := v.Verify([]Input{{Name: "huge.png", Data: pngClaiming(100000, 100000)}})
	took := time.Since(start)
	if len(r) != 1 || r[0].Valid || r[0].Reasons[0] != TooLarge {
		t.Fatalf("results %+v", r)
	}
	if msg := strings.Join(r[0].Messages, "; "); !strings.Contains(msg, "100000×100000") {
		t.Errorf("message %q does not name the size", msg)
	}
	if took > 50*time.Millisecond {
		t.Errorf("refusing took %v", took)
	}
}

// One call's images share a time budget: hostile images (noise, on which
// the ladder would spend its full two seconds each) cannot make a call cost
// two seconds per input. Those left when the budget is spent are
// qr-decode-error, saying why.
func TestImageBudgetPerCall(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	img := image.NewGray(image.Rect(0, 0, 1200, 900))
	r.Read(img.Pix)
	var b bytes.Buffer
	png.Encode(&b, img)
	var inputs []Input
	for i := range 6 {
		inputs = append(inputs, Input{Name: "noise" + string(rune('0'+i)) + ".png", Data: b.Bytes()})
	}
	v := &Verifier{ImageBudget: 300 * time.Millisecond}
	start := time.Now()
	res := v.Verify(inputs)
	took := time.Since(start)
	if len(res) != 6 {
		t.Fatalf("%d results", len(res))
	}
	for _, r := range res {
		if r.Valid || r.Reasons[0] != QRDecodeError {
			t.Errorf("%s: %v", r.Input, r.Reasons)
		}
	}
	if msg := strings.Join(res[5].Messages, "; "); !strings.Contains(msg, "time allowed") {
		t.Errorf("last input's message %q does not say the time ran out", msg)
	}
	if took > 3*time.Second {
		t.Errorf("6 hostile images took %v with a 300 ms budget", took)
	}
}

package web

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/immunopass/immunopass/credential/qr"
)

// y4m makes a YUV4MPEG2 video (4:2:0) for Chromium's fake camera: a QR
// symbol of text on a grey desk, drifting a few pixels each frame (motion)
// with sensor noise; text "" makes a video of the desk alone, with a
// pattern that is no QR code.
func y4m(text string, w, h, frames int) ([]byte, error) {
	var dark func(x, y int) bool
	side := 0
	if text != "" {
		var sym *qr.Symbol
		var err error
		if len(text) > 5 && text[:5] == "shc:/" {
			sym, err = qr.EncodeSHC(text)
		} else {
			sym, err = qr.Encode(text, qr.M)
		}
		if err != nil {
			return nil, err
		}
		n := sym.Modules() + 2*qr.QuietZone
		ppm := (h * 8 / 10) / n
		if ppm < 2 {
			return nil, fmt.Errorf("a %d-module symbol does not fit %d px", n, h)
		}
		side = n * ppm
		dark = func(x, y int) bool { return sym.Dark(x/ppm-qr.QuietZone, y/ppm-qr.QuietZone) }
	}
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	fmt.Fprintf(&b, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for f := 0; f < frames; f++ {
		b.WriteString("FRAME\n")
		ox := (w-side)/2 + (f%7 - 3) // drift
		oy := (h-side)/2 + (f%5 - 2)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := 150 // the desk
				if text == "" {
					if (x/23+y/17)%3 == 0 {
						v = 60
					}
				} else if x >= ox && y >= oy && x < ox+side && y < oy+side {
					v = 235
					if dark(x-ox, y-oy) {
						v = 30
					}
				}
				v += r.IntN(21) - 10
				b.WriteByte(byte(min(255, max(0, v))))
			}
		}
		// Grey chroma: U and V planes at a quarter size.
		b.Write(bytes.Repeat([]byte{128}, 2*((w+1)/2)*((h+1)/2)))
	}
	return b.Bytes(), nil
}

package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// largePhoto makes a w×h colour photo holding the qrbench phone photo of a
// V22 symbol scaled to fill about 45% of its height (as a phone photo of a
// card at arm's length), on a slightly noisy grey background.
func largePhoto(t testing.TB, w, h int) (img *image.NRGBA, want string) {
	data, err := os.ReadFile("testdata/degraded/numeric_1200_phone.jpg")
	if err != nil {
		t.Fatal(err)
	}
	txt, err := os.ReadFile("testdata/degraded/numeric_1200_phone.txt")
	if err != nil {
		t.Fatal(err)
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	g := toGray(src)
	side := h * 45 / 100
	img = image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewSource(36))
	x0, y0 := (w-side)/2, (h-side)/2
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			v := 165 + r.Intn(9)
			if x >= x0 && x < x0+side && y >= y0 && y < y0+side {
				v = int(g.bilinear(float64(x-x0)*float64(g.w)/float64(side), float64(y-y0)*float64(g.h)/float64(side)))
			}
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8(v), uint8(v), uint8(min(255, v+6)), 255
		}
	}
	return img, string(txt)
}

var largeCache sync.Map // name → []byte

// largeFile encodes largePhoto as PNG or JPEG, once per process.
func largeFile(t testing.TB, format string, w, h int) ([]byte, string) {
	key := format + string(rune(w)) + string(rune(h))
	_, want := largePhotoText(t)
	if b, ok := largeCache.Load(key); ok {
		return b.([]byte), want
	}
	img, _ := largePhoto(t, w, h)
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		t.Fatal(err)
	}
	largeCache.Store(key, buf.Bytes())
	return buf.Bytes(), want
}

func largePhotoText(t testing.TB) (struct{}, string) {
	txt, err := os.ReadFile("testdata/degraded/numeric_1200_phone.txt")
	if err != nil {
		t.Fatal(err)
	}
	return struct{}{}, string(txt)
}

// peakHeap runs f and reports the largest heap in use while it ran, above
// what was in use before, sampled every millisecond.
func peakHeap(f func()) (peak uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > max.Load() {
				max.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	if p := max.Load(); p > base {
		return p - base
	}
	return 0
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLargePhoto decodes 12 and 36 megapixel photos (PNG and JPEG)
// and reports the peak heap above the baseline per decode.
func BenchmarkLargePhoto(b *testing.B) {
	for _, bc := range []struct {
		name   string
		format string
		w, h   int
	}{
		{"12MP-jpeg", "jpeg", 4000, 3000},
		{"12MP-png", "png", 4000, 3000},
		{"36MP-jpeg", "jpeg", 7200, 5000},
		{"36MP-png", "png", 7200, 5000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			data, want := largeFile(b, bc.format, bc.w, bc.h)
			var peak uint64
			var cpu time.Duration
			for b.Loop() {
				var texts []string
				var err error
				c0 := cpuTime()
				p := peakHeap(func() { texts, err = Decode(data) })
				cpu += cpuTime() - c0
				peak = max(peak, p)
				if err != nil || texts[0] != want {
					b.Fatalf("not read: %v", err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			// CPU time (user + system) tells more than wall time on a
			// machine shared with other work.
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

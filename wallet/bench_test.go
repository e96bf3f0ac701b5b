package wallet

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/wallet/store"
)

// BenchmarkOpenList opens and unlocks a wallet file holding 1,000
// credentials across 5 profiles (argon2id at store.DefaultParams) and lists
// every profile's credentials. Goal: ≤ 1 s.
func BenchmarkOpenList(b *testing.B) {
	path := filepath.Join(b.TempDir(), "w.db")
	pass := []byte("bench passphrase")
	w, err := Create(path, pass, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	c := newClinic(b)
	_ = w.AddTrust("directory.json", c.snapshot)
	var ids []string
	for i := range 5 {
		p, err := w.AddProfile(Profile{Given: fmt.Sprintf("Person%d", i), Family: "Haddad", BirthDate: mustDate("2016-04-12")})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	cands, err := w.Import("card", []byte(c.shc(b, demoRecord(b))))
	if err != nil {
		b.Fatal(err)
	}
	proto, _ := w.Keep(cands[0], ids[0])
	err = w.update(func(t tx) error {
		for i := range 1000 {
			cr := proto
			cr.ID = fmt.Sprintf("%064x", i)
			cr.ProfileID = ids[i%5]
			if err := putCred(t, &cr); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	_ = w.Lock()
	b.Run("open+list", func(b *testing.B) {
		for b.Loop() {
			openList(b, path, pass)
		}
	})
	// The list alone, on an open wallet: the rest is argon2id.
	w, _ = Open(path, pass, Options{})
	defer w.Lock()
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			ps, _ := w.Profiles()
			for _, p := range ps {
				if _, err := w.Credentials(p.ID); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func openList(b *testing.B, path string, pass []byte) {
	{
		w, err := Open(path, pass, Options{})
		if err != nil {
			b.Fatal(err)
		}
		ps, _ := w.Profiles()
		n := 0
		for _, p := range ps {
			cs, err := w.Credentials(p.ID)
			if err != nil {
				b.Fatal(err)
			}
			n += len(cs)
		}
		if n != 1001 {
			b.Fatalf("%d credentials", n)
		}
		_ = w.Lock()
	}
}

// photo renders a QR symbol the way a phone photo of a printout looks:
// rotated 7°, on a grey page, slightly out of focus, JPEG at quality 70.
func photo(b testing.TB, text string) []byte {
	sym, err := qr.EncodeSHC(text)
	if err != nil {
		b.Fatal(err)
	}
	src := sym.ImageScaled(5)
	sb := src.Bounds()
	const W, H = 1200, 1200
	dst := image.NewGray(image.Rect(0, 0, W, H))
	th := 7 * math.Pi / 180
	cx, cy := float64(sb.Dx())/2, float64(sb.Dy())/2
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range H {
		for x := range W {
			dx, dy := float64(x)-W/2, float64(y)-H/2
			sx := math.Cos(th)*dx + math.Sin(th)*dy + cx
			sy := -math.Sin(th)*dx + math.Cos(th)*dy + cy
			v := 200.0 // grey paper
			if sx >= 0 && sy >= 0 && sx < float64(sb.Dx()) && sy < float64(sb.Dy()) {
				v = float64(color.GrayModel.Convert(src.At(int(sx), int(sy))).(color.Gray).Y)*0.75 + 30
			}
			v += rng.NormFloat64() * 12
			dst.SetGray(x, y, color.Gray{uint8(max(0, min(255, v)))})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 70}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkImportPhoto imports a photo of a SMART Health Card QR code:
// decode, verify, and keep in a wallet file (fsync). Goal: ≤ 200 ms.
func BenchmarkImportPhoto(b *testing.B) {
	c := newClinic(b)
	jws := c.shc(b, demoRecord(b))
	text, _ := shc.EncodeQR(jws)
	img := photo(b, text)
	path := filepath.Join(b.TempDir(), "w.db")
	w, err := Create(path, []byte("pass"), Options{Now: func() time.Time { return testNow }, Params: store.TestParams})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Lock()
	_ = w.AddTrust("directory.json", c.snapshot)
	p, _ := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12")})
	b.ReportMetric(float64(len(img)), "photo-bytes")
	b.ResetTimer()
	for b.Loop() {
		cands, err := w.Import("photo.jpg", img)
		if err != nil {
			b.Fatal(err)
		}
		if cands[0].Status != StatusVerified {
			b.Fatalf("%s %v", cands[0].Status, cands[0].Reasons)
		}
		if _, err := w.Keep(cands[0], p.ID); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = w.RemoveCredential(cands[0].ID)
		b.StartTimer()
	}
}

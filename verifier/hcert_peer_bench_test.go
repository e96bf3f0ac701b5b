package verifier

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/trust"
)

// BenchmarkHCERTPeerVector: the HCERT that @pathcheck/dcc-sdk signed
// (credential/hcert/testdata/interop/vectors/dccsdk-p256.txt) → verdict, so
// that scripts/bench.sh can time the SDK's own verification of the very
// same certificate side by side (run.sh bench).
func BenchmarkHCERTPeerVector(b *testing.B) {
	const dir = "../credential/hcert/testdata/interop/vectors/"
	text, err := os.ReadFile(dir + "dccsdk-p256.txt")
	if err != nil {
		b.Fatal(err)
	}
	pem, err := os.ReadFile(dir + "dccsdk-p256.pem")
	if err != nil {
		b.Fatal(err)
	}
	store := trust.New()
	if err := store.Load("dsc.pem", pem); err != nil {
		b.Fatal(err)
	}
	v := &Verifier{Trust: store, At: time.Date(2021, 7, 2, 0, 0, 0, 0, time.UTC)}
	in := []Input{{Name: "hc1.txt", Data: text}}
	if r := v.Verify(in)[0]; !r.Valid {
		b.Fatal(r.Reasons, r.Messages)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := v.Verify(in)[0]; !r.Valid {
			b.Fatal(r.Reasons)
		}
	}
}

// BenchmarkHCERTPhotos: photos of an HCERT → verdict, for the images that
// qrbench makes of the dcc-sdk vector (IMMUNOPASS_HCERT_PHOTOS names the
// folder; scripts/bench.sh makes it: 11 degradations from clean to a phone
// photo of a screen). It reports the median and 90th percentile time per
// photo, and how many gave a VALID verdict.
func BenchmarkHCERTPhotos(b *testing.B) {
	dir := os.Getenv("IMMUNOPASS_HCERT_PHOTOS")
	if dir == "" {
		b.Skip("IMMUNOPASS_HCERT_PHOTOS is not set (scripts/bench.sh sets it)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(files) == 0 {
		b.Fatalf("no photos in %s", dir)
	}
	const vec = "../credential/hcert/testdata/interop/vectors/"
	pem, err := os.ReadFile(vec + "dccsdk-p256.pem")
	if err != nil {
		b.Fatal(err)
	}
	store := trust.New()
	if err := store.Load("dsc.pem", pem); err != nil {
		b.Fatal(err)
	}
	v := &Verifier{Trust: store, At: time.Date(2021, 7, 2, 0, 0, 0, 0, time.UTC)}
	imgs := make([][]byte, len(files))
	for i, f := range files {
		if imgs[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	var times []time.Duration
	valid := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k, img := range imgs {
			t0 := time.Now()
			r := v.Verify([]Input{{Name: filepath.Base(files[k]), Data: img}})[0]
			times = append(times, time.Since(t0))
			if r.Valid && i == 0 {
				valid++
			}
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
	b.ReportMetric(100*float64(valid)/float64(len(imgs)), "%valid")
}

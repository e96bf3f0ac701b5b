package verifier

import (
	"os"
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

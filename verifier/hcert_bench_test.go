package verifier

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"math/big"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
)

// BenchmarkHCERTVerdict interleaves, in one loop, HC1: text → verdict
// through the whole pipeline and a bare ES256 verify of the same
// signature (the floor), and reports both and their ratio (goal ≤ 1.3).
func BenchmarkHCERTVerdict(b *testing.B) {
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{})
	if err != nil {
		b.Fatal(err)
	}
	text, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{Issuer: "FR", KID: trust.DSCKID(der), IssuedAt: hcIat, Expires: hcExp})
	if err != nil {
		b.Fatal(err)
	}
	store := trust.New()
	if err := store.Load("dsc.der", der); err != nil {
		b.Fatal(err)
	}
	v := &Verifier{Trust: store, At: hcAt}
	in := []Input{{Name: "hc1.txt", Data: []byte(text)}}
	if r := v.Verify(in)[0]; !r.Valid {
		b.Fatal(r.Reasons, r.Messages)
	}
	s, _ := hcert.Decode(text)
	tbs, _ := s.ToBeSigned()
	pub := key.Public().(*ecdsa.PublicKey)
	h := sha256.Sum256(tbs)
	var rr, ss = new(big.Int).SetBytes(s.Signature[:32]), new(big.Int).SetBytes(s.Signature[32:])
	if !ecdsa.Verify(pub, h[:], rr, ss) {
		b.Fatal("baseline does not verify")
	}
	var tFull, tBase time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		h := sha256.Sum256(tbs)
		if !ecdsa.Verify(pub, h[:], rr, ss) {
			b.Fatal("baseline")
		}
		t1 := time.Now()
		if r := v.Verify(in)[0]; !r.Valid {
			b.Fatal(r.Reasons)
		}
		tBase += t1.Sub(t0)
		tFull += time.Since(t1)
	}
	b.ReportMetric(float64(tFull.Nanoseconds())/float64(b.N), "verdict-ns/op")
	b.ReportMetric(float64(tBase.Nanoseconds())/float64(b.N), "es256-ns/op")
	b.ReportMetric(float64(tFull)/float64(tBase), "ratio")
}

// BenchmarkHCERTImage: a clean PNG of an HCERT (credential/qr encoder, 4 px
// a module) → verdict.
func BenchmarkHCERTImage(b *testing.B) {
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{})
	if err != nil {
		b.Fatal(err)
	}
	text, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{Issuer: "FR", KID: trust.DSCKID(der), IssuedAt: hcIat, Expires: hcExp})
	if err != nil {
		b.Fatal(err)
	}
	sym, err := qr.Encode(text, qr.L)
	if err != nil {
		b.Fatal(err)
	}
	png, err := sym.PNG(4)
	if err != nil {
		b.Fatal(err)
	}
	store := trust.New()
	if err := store.Load("dsc.der", der); err != nil {
		b.Fatal(err)
	}
	v := &Verifier{Trust: store, At: hcAt}
	in := []Input{{Name: "hc1.png", Data: png}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := v.Verify(in)[0]; !r.Valid {
			b.Fatal(r.Reasons, r.Messages)
		}
	}
}

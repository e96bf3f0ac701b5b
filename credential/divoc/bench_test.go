package divoc_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"os"
	"testing"

	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/divoc/divoctest"
	"github.com/immunopass/immunopass/internal/ratiobench"
)

// BenchmarkVerify: the peer-signed RSA vector, from the QR payload (ZIP) to
// a verdict — unpack, parse, canonicalise proof options and document, PSS
// verify, check that the shown fields are signed — interleaved with a bare
// RSA-PSS verification of the same signature (the ratio is the JSON-LD
// cost). Compare with the peer: run.sh bench (jsonld-signatures 6).
func BenchmarkVerify(b *testing.B) {
	ks := peerKeys(b)
	key := ks["rsa"].public(b)
	data, err := os.ReadFile(peerDir + "/vectors/rsa-signed.json")
	if err != nil {
		b.Fatal(err)
	}
	payload := divoctest.Zip([]string{"certificate.json"}, [][]byte{data})
	verify := func() error {
		cert, err := divoc.Unpack(payload)
		if err != nil {
			return err
		}
		c, err := divoc.Parse(cert)
		if err != nil {
			return err
		}
		_, err = divoc.Verify(c, []divoc.Key{key})
		return err
	}
	pub := key.Public.(*rsa.PublicKey)
	sum := sha256.Sum256([]byte("bench"))
	priv := ks["rsa"].private(b).(*rsa.PrivateKey)
	sig, _ := rsa.SignPSS(rand.Reader, priv, crypto.SHA256, sum[:], nil)
	bare := func() error {
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	b.Run("payload-to-verdict", func(b *testing.B) {
		for range b.N {
			if err := verify(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("interleaved", func(b *testing.B) { ratiobench.Run(b, verify, bare) })
}

package issuer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/issuer"
	"github.com/immunopass/immunopass/issuer/fakeregistry"
)

// A clinic accredited in a registry issues a card: its digest is queued
// before the card is released, then anchored, and the inclusion proof is
// written next to the card.
func ExampleOutbox_Flush() {
	dir, _ := os.MkdirTemp("", "issuer-example")
	defer os.RemoveAll(dir)
	kfile, _ := keyfile.New(time.Now())
	kf := &issuer.KeyFile{KeyFile: kfile}
	const iss = "https://registry.example/issuers/alnoor"

	fake := fakeregistry.New() // the registry, on loopback
	fake.AddIssuer(iss, kf.Key.Public())
	base, _ := fake.Start("")
	defer fake.Stop()

	reg, _ := issuer.NewRegistry(base, kf.Key, iss)
	st, _ := issuer.OpenState(filepath.Join(dir, "state"))
	cards, _ := kf.IssueSHC(assets.DemoRecord(), issuer.Request{Issuer: iss})
	card := filepath.Join(dir, "card.jws")
	it := &issuer.Item{Kind: issuer.KindAnchor, Digest: issuer.DigestHex(cards[0].JWS), What: "card", Proof: card + ".proof"}
	if err := st.Outbox.Add(it); err != nil { // durable before release
		panic(err)
	}
	os.WriteFile(card, []byte(cards[0].JWS), 0o644) // release

	res, err := st.Outbox.Flush(context.Background(), reg, issuer.FlushOptions{Wait: []string{it.Name()}})
	if err != nil {
		panic(err)
	}
	proof, _ := os.ReadFile(card + ".proof")
	fmt.Printf("anchored %d, proofs %d, left %d\n", res.Anchored, res.Proved, len(res.Left))
	fmt.Printf("%.30s\n", proof)
	// Output:
	// anchored 1, proofs 1, left 0
	// c2sp.org/tlog-proof@v1
	// index 0
}

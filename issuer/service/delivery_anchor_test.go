package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/issuer"
)

// TestDeliveryDeferredWhileAnchoring: with a registry that is down, an
// entry's anchoring is pending, so a wallet's credential request is
// deferred (a transaction id); once the registry is back and the entry is
// anchored, the deferred request gets the credential, and the delivered
// credential is anchored too.
func TestDeliveryDeferredWhileAnchoring(t *testing.T) {
	dir, base, reg := accreditedClinic(t)
	addr := strings.TrimPrefix(base, "http://")
	reg.Stop() // down from the start: the entry stays pending
	s, err := Open(dir, testPass, Options{Registry: base})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := s.Delivery(DeliverySettings{}) // Pending: the service's anchoring state
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Issue("nurse1", demoSubmission(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := d.CreateOffer("nurse1", e.ID)
	tok, _, err := d.Redeem(g.Offer.PreAuthorizedCode, g.PIN)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := d.NewNonce()
	keys := holders(t, 1)
	res, err := d.Issue(tok, []string{n}, keys)
	if err != nil || res.TransactionID == "" {
		t.Fatalf("while anchoring is pending: %v %+v", err, res)
	}
	if _, pending, err := d.Deferred(tok, res.TransactionID); err != nil || !pending {
		t.Fatalf("still pending: %v %v", pending, err)
	}
	if _, err := reg.Start(addr); err != nil {
		t.Fatal(err)
	}
	defer reg.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.AnchorNow(context.Background())
		if state, _, _ := s.AnchorState(e); state == AnchorAnchored {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("entry not anchored after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	creds, pending, err := d.Deferred(tok, res.TransactionID)
	if err != nil || pending || len(creds) != 1 || !cnfMatches(t, creds[0], keys[0]) {
		t.Fatalf("after anchoring: %v %v %d", err, pending, len(creds))
	}
	// The delivered credential is anchored like the others.
	deadline = time.Now().Add(10 * time.Second)
	for {
		s.AnchorNow(context.Background())
		en, _ := s.Entry(e.ID)
		_, idx, _ := s.AnchorState(en)
		if _, ok := idx[issuer.DigestHex(creds[0])]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delivered credential was not anchored after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

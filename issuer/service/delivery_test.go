package service

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/internal/strictjson"
)

func issueDemo(t *testing.T, s *Service) *Entry {
	t.Helper()
	rec, bundle, err := ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Issue("nurse1", Submission{Record: rec, Bundle: bundle})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func holders(t *testing.T, n int) []*jose.Key {
	var out []*jose.Key
	for range n {
		k, err := jose.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k.Public())
	}
	return out
}

func TestDeliveryFlow(t *testing.T) {
	s, c, _ := newService(t)
	d, err := s.Delivery(DeliverySettings{})
	if err != nil {
		t.Fatal(err)
	}
	e := issueDemo(t, s)
	g, err := d.CreateOffer("nurse1", e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.PIN) != 6 || strings.Trim(g.PIN, "0123456789") != "" || g.Offer.CredentialIssuer != "https://clinic.example" {
		t.Fatalf("grant %+v", g)
	}
	code := g.Offer.PreAuthorizedCode
	wrong := "000000"
	if g.PIN == wrong {
		wrong = "111111"
	}
	if _, _, err := d.Redeem(code, wrong); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if _, _, err := d.Redeem(code, ""); !errors.Is(err, ErrPINMissing) {
		t.Fatalf("no PIN: %v", err)
	}
	if _, _, err := d.Redeem("nope", g.PIN); !errors.Is(err, ErrOfferUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
	tok, ttl, err := d.Redeem(code, g.PIN)
	if err != nil || ttl != 5*time.Minute {
		t.Fatalf("redeem: %v", err)
	}
	if _, _, err := d.Redeem(code, g.PIN); !errors.Is(err, ErrOfferUsed) {
		t.Fatalf("second redeem: %v", err)
	}
	n, _ := d.NewNonce()
	keys := holders(t, 3)
	if _, err := d.Issue(tok, []string{"made-up"}, keys); !errors.Is(err, ErrBadNonce) {
		t.Fatalf("made-up nonce: %v", err)
	}
	res, err := d.Issue(tok, []string{n}, keys)
	if err != nil || len(res.Credentials) != 3 {
		t.Fatalf("issue: %v %+v", err, res)
	}
	if _, err := d.Issue(tok, []string{n}, keys); !errors.Is(err, ErrBadAccessToken) {
		t.Fatalf("token used twice: %v", err)
	}
	// Each is bound to its own key, with its own status index, and the
	// ledger entry holds them (revoking it revokes them).
	seen := map[string]bool{}
	for i, cred := range res.Credentials {
		if !cnfMatches(t, cred, keys[i]) {
			t.Errorf("credential %d not bound to its key", i)
		}
		seen[cred] = true
	}
	got, _ := s.Entry(e.ID)
	if len(got.SDJWT) != 3 || got.SDJWT[0].Index == got.SDJWT[1].Index {
		t.Fatalf("ledger entry: %+v", got.SDJWT)
	}
	if _, err := s.Revoke("admin", e.ID, "test"); err != nil {
		t.Fatal(err)
	}
	for _, sd := range got.SDJWT {
		if v, _ := s.status.Get(sd.Index); v != 1 {
			t.Errorf("index %d not revoked", sd.Index)
		}
	}
	if _, err := d.CreateOffer("nurse1", e.ID); !errors.Is(err, ErrNotDeliverable) {
		t.Errorf("offer of a revoked entry: %v", err)
	}
	// The audit log holds the offer, the redemption and the issue.
	log, _ := s.Audit(0, 0)
	var actions []string
	for _, a := range log {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"oid4vci.offer", "oid4vci.redeem", "oid4vci.issue"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit log has no %s: %v", want, actions)
		}
	}
	if _, err := VerifyAudit(log); err != nil {
		t.Error(err)
	}
	_ = c
}

func cnfMatches(t *testing.T, cred string, k *jose.Key) bool {
	t.Helper()
	h, err := sdjwt.Decode(cred)
	if err != nil {
		t.Fatal(err)
	}
	cnf, _ := h.Claims.Get("cnf")
	o, ok := cnf.(strictjson.Object)
	if !ok {
		return false
	}
	jwk, _ := o.Get("jwk")
	raw, _ := json.Marshal(strictjson.Plain(jwk))
	got, err := jose.ParseJWK(raw)
	return err == nil && got.Equal(k)
}

func TestDeliveryExpiryBurnAndRestart(t *testing.T) {
	s, c, dir := newService(t)
	d, _ := s.Delivery(DeliverySettings{OfferTTL: 2 * time.Minute})
	e := issueDemo(t, s)
	g1, _ := d.CreateOffer("nurse1", e.ID)
	g2, _ := d.CreateOffer("nurse1", e.ID)
	g3, _ := d.CreateOffer("nurse1", e.ID)
	// Five wrong PINs burn an offer, even across a restart.
	for i := range MaxPINTries {
		_, _, err := d.Redeem(g2.Offer.PreAuthorizedCode, "99999"+string(rune('0'+i)))
		if i < MaxPINTries-1 && !errors.Is(err, ErrWrongPIN) && g2.PIN != "99999"+string(rune('0'+i)) {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	s.Close()
	s2, err := Open(dir, testPass, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	d2, _ := s2.Delivery(DeliverySettings{OfferTTL: 2 * time.Minute})
	if _, _, err := d2.Redeem(g2.Offer.PreAuthorizedCode, g2.PIN); !errors.Is(err, ErrOfferBurned) {
		t.Fatalf("burned offer: %v", err)
	}
	// The other offer survived the restart.
	if _, _, err := d2.Redeem(g1.Offer.PreAuthorizedCode, g1.PIN); err != nil {
		t.Fatalf("offer after restart: %v", err)
	}
	c.add(2 * time.Minute)
	if _, _, err := d2.Redeem(g3.Offer.PreAuthorizedCode, g3.PIN); !errors.Is(err, ErrOfferExpired) {
		t.Fatalf("expired offer: %v", err)
	}
	c.add(25 * time.Hour)
	if err := d2.Prune(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d2.Redeem(g3.Offer.PreAuthorizedCode, g3.PIN); !errors.Is(err, ErrOfferUnknown) {
		t.Fatalf("pruned offer: %v", err)
	}
	// CreateOffer prunes too (at most hourly): an offer goes a day after it
	// expired.
	g4, _ := d2.CreateOffer("nurse1", e.ID)
	c.add(26 * time.Hour)
	if _, _, err := d2.Redeem(g4.Offer.PreAuthorizedCode, g4.PIN); !errors.Is(err, ErrOfferExpired) {
		t.Fatalf("old offer before pruning: %v", err)
	}
	if _, err := d2.CreateOffer("nurse1", e.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d2.Redeem(g4.Offer.PreAuthorizedCode, g4.PIN); !errors.Is(err, ErrOfferUnknown) {
		t.Fatalf("offer not pruned by CreateOffer: %v", err)
	}
}

func TestDeliveryDeferred(t *testing.T) {
	s, _, _ := newService(t)
	pending := true
	d, _ := s.Delivery(DeliverySettings{Pending: func(*Entry) bool { return pending }})
	e := issueDemo(t, s)
	g, _ := d.CreateOffer("nurse1", e.ID)
	tok, _, err := d.Redeem(g.Offer.PreAuthorizedCode, g.PIN)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := d.NewNonce()
	res, err := d.Issue(tok, []string{n}, holders(t, 2))
	if err != nil || res.TransactionID == "" || len(res.Credentials) != 0 {
		t.Fatalf("deferred issue: %v %+v", err, res)
	}
	if _, p, err := d.Deferred(tok, res.TransactionID); err != nil || !p {
		t.Fatalf("still pending: %v %v", p, err)
	}
	if _, _, err := d.Deferred("another token", res.TransactionID); !errors.Is(err, ErrBadAccessToken) {
		t.Fatalf("deferred with another token: %v", err)
	}
	pending = false
	creds, p, err := d.Deferred(tok, res.TransactionID)
	if err != nil || p || len(creds) != 2 {
		t.Fatalf("after anchoring: %v %v %d", err, p, len(creds))
	}
	if _, _, err := d.Deferred(tok, res.TransactionID); !errors.Is(err, ErrBadTransaction) {
		t.Fatalf("transaction id reused: %v", err)
	}
	if _, _, err := d.Deferred(tok, "made-up"); !errors.Is(err, ErrBadTransaction) {
		t.Fatalf("unknown transaction id: %v", err)
	}
}

// TestDeliveryOnceUnderRace: the same offer redeemed, and the same token
// used, by 8 goroutines at once: exactly one of each succeeds.
func TestDeliveryOnceUnderRace(t *testing.T) {
	s, _, _ := newService(t)
	d, _ := s.Delivery(DeliverySettings{})
	e := issueDemo(t, s)
	g, _ := d.CreateOffer("nurse1", e.ID)
	var mu sync.Mutex
	var tokens []string
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, _, err := d.Redeem(g.Offer.PreAuthorizedCode, g.PIN)
			if err == nil {
				mu.Lock()
				tokens = append(tokens, tok)
				mu.Unlock()
			} else if !errors.Is(err, ErrOfferUsed) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(tokens) != 1 {
		t.Fatalf("%d redemptions succeeded, want 1", len(tokens))
	}
	issued := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, _ := d.NewNonce()
			_, err := d.Issue(tokens[0], []string{n}, holders(t, 1))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				issued++
			} else if !errors.Is(err, ErrBadAccessToken) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if en, _ := s.Entry(e.ID); issued != 1 || len(en.SDJWT) != 1 {
		t.Fatalf("%d credential requests succeeded (%d SD-JWT VCs in the entry), want 1", issued, len(en.SDJWT))
	}
}

// TestDeliveryRetryAfterServerFailure: when signing fails on the clinic's
// side (here the entry's card is damaged), the access token still works.
func TestDeliveryRetryAfterServerFailure(t *testing.T) {
	s, _, _ := newService(t)
	d, _ := s.Delivery(DeliverySettings{})
	e := issueDemo(t, s)
	g, _ := d.CreateOffer("nurse1", e.ID)
	tok, _, err := d.Redeem(g.Offer.PreAuthorizedCode, g.PIN)
	if err != nil {
		t.Fatal(err)
	}
	setSHC := func(v string) {
		en, _ := s.Entry(e.ID)
		en.SHC = v
		if err := s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bucketLedger), e.ID, en) }); err != nil {
			t.Fatal(err)
		}
	}
	good := e.SHC
	setSHC("damaged")
	n, _ := d.NewNonce()
	if _, err := d.Issue(tok, []string{n}, holders(t, 1)); err == nil || errors.Is(err, ErrBadAccessToken) {
		t.Fatalf("damaged card: %v", err)
	}
	setSHC(good)
	n, _ = d.NewNonce()
	if res, err := d.Issue(tok, []string{n}, holders(t, 1)); err != nil || len(res.Credentials) != 1 {
		t.Fatalf("retry: %v", err)
	}
}

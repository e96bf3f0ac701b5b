package service

import (
	"errors"
	"testing"
	"time"
)

// TestCampaignOffers: a campaign's offers are made in one go, one per
// valid entry (a revoked one gets none), each with its own code and PIN,
// an audit entry each; they still work after the desk's 10 minutes (for
// CampaignOfferTTL) and then expire.
func TestCampaignOffers(t *testing.T) {
	s, c, _ := newService(t)
	d, err := s.Delivery(DeliverySettings{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := s.IssueMany("nurse1", "campaign c3", 0, campaignSubs(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke("admin", entries[1].ID, "duplicate row"); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Audit(0, 0)
	gs, err := d.CreateCampaignOffers("nurse1", []string{entries[0].ID, entries[1].ID, entries[2].ID, "no-such-entry"})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 4 || gs[0] == nil || gs[1] != nil || gs[2] == nil || gs[3] != nil {
		t.Fatalf("grants %v: want offers for the valid entries only", gs)
	}
	if gs[0].Offer.PreAuthorizedCode == gs[2].Offer.PreAuthorizedCode {
		t.Fatal("two entries share a code")
	}
	after, _ := s.Audit(0, 0)
	if len(after)-len(before) != 2 {
		t.Errorf("%d audit entries for 2 offers", len(after)-len(before))
	}
	if _, err := VerifyAudit(after); err != nil {
		t.Fatal(err)
	}
	c.add(2 * time.Hour) // a desk offer would be long gone
	if _, _, err := d.Redeem(gs[0].Offer.PreAuthorizedCode, gs[0].PIN); err != nil {
		t.Fatalf("campaign offer after 2 hours: %v", err)
	}
	c.add(15 * 24 * time.Hour)
	if _, _, err := d.Redeem(gs[2].Offer.PreAuthorizedCode, gs[2].PIN); !errors.Is(err, ErrOfferExpired) {
		t.Fatalf("campaign offer after 15 days: %v, want expired", err)
	}
}

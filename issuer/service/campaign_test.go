package service

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/issuer"
)

func campaignSubs(t *testing.T, n int) []Submission {
	t.Helper()
	rec, bundle, err := ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	subs := make([]Submission, n)
	for i := range subs {
		subs[i] = Submission{Record: rec, Bundle: bundle}
	}
	return subs
}

// TestIssueMany: a group is signed and committed with an audit entry each
// (the chain intact); a bad record, a holder key or too big a group stores
// nothing.
func TestIssueMany(t *testing.T) {
	s, _, _ := newService(t)
	entries, err := s.IssueMany("nurse1", "campaign c1", 0, campaignSubs(t, 40))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 40 {
		t.Fatalf("%d entries", len(entries))
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.ID] || seen[e.RID] {
			t.Fatal("an id or rid repeats")
		}
		seen[e.ID], seen[e.RID] = true, true
		stored, err := s.Entry(e.ID)
		if err != nil || stored.SHC != e.SHC || stored.Status != StatusValid || stored.By != "nurse1" {
			t.Fatalf("stored %+v, %v", stored, err)
		}
		if _, err := shc.Parse(e.SHC); err != nil {
			t.Fatal(err)
		}
	}
	audit, err := s.Audit(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyAudit(audit); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range audit {
		if a.Action == "record.issue" && strings.HasSuffix(a.Detail, "; campaign c1") {
			n++
		}
	}
	if n != 40 {
		t.Errorf("%d audit entries name the campaign, want 40", n)
	}

	bad := campaignSubs(t, 3)
	badRec := *bad[2].Record
	badRec.Immunizations = append([]vax.Immunization(nil), badRec.Immunizations...)
	badRec.Immunizations[0].Date = vax.Date{Year: 2099, Month: 1, Day: 1}
	bad[2].Record = &badRec
	_, err = s.IssueMany("nurse1", "", 100, bad)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "record 103") {
		t.Errorf("bad record: %v", err)
	}
	withKey := campaignSubs(t, 1)
	withKey[0].Holders = []string{"did:key:z"}
	if _, err := s.IssueMany("nurse1", "", 0, withKey); !errors.As(err, &ie) {
		t.Errorf("holder key: %v", err)
	}
	if _, err := s.IssueMany("nurse1", "", 0, campaignSubs(t, MaxIssueMany+1)); !errors.As(err, &ie) {
		t.Errorf("too many: %v", err)
	}
	if all, _ := s.Entries(0); len(all) != 40 {
		t.Fatalf("%d entries after refused groups, want 40", len(all))
	}
}

// TestIssueManyAnchored: with a registry, a campaign group is queued for
// anchoring with the ledger (pending in the answer) and every card ends up
// anchored under the index the registry gave it.
func TestIssueManyAnchored(t *testing.T) {
	dir, base, reg := accreditedClinic(t)
	s, err := Open(dir, testPass, Options{Registry: base})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, err := s.IssueMany("nurse1", "campaign c2", 0, campaignSubs(t, 25))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Anchoring != AnchorPending || e.KID != s.KID() {
			t.Fatalf("entry %s: anchoring %q kid %q, want pending and %q", e.ID, e.Anchoring, e.KID, s.KID())
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, e := range entries {
		for {
			state, idx, err := s.AnchorState(e)
			if err != nil {
				t.Fatal(err)
			}
			if state == AnchorAnchored {
				i, ok := reg.Index(issuer.DigestHex(e.SHC))
				if !ok || idx[issuer.DigestHex(e.SHC)] != i {
					t.Fatalf("entry %s: registry index %d (%v), service %v", e.ID, i, ok, idx)
				}
				break
			}
			if time.Now().After(deadline) {
				st, _ := s.Anchoring()
				t.Fatalf("entry %s still %s (%+v)", e.ID, state, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

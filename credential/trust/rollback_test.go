package trust

import (
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/status"
)

// TestNewestBundleWins loads an old bundle (entry 5 valid, key not yet
// compromised) and a newer one of the same registry (entry 5 revoked, key
// compromised) in both orders: the newer one wins each time, and a note
// names the ignored file.
func TestNewestBundleWins(t *testing.T) {
	f := newFixture(t)
	uri := "https://registry.example/v1/status/clinic/1"
	newB, _, _, bad := hostedBundle(t, f)
	newB.Version = 8
	oldB, _, _, _ := hostedBundle(t, f)
	oldB.Version = 7
	oldB.Issuers[0].Keys = newB.Issuers[0].Keys
	oldB.Issuers[0].Keys = append([]BundleKey(nil), oldB.Issuers[0].Keys...)
	oldB.Issuers[0].Keys[2].CompromisedAt, oldB.Issuers[0].Keys[2].CompromisedLogSize = time.Time{}, 0
	clean, _ := status.New(2, status.MinSize)
	oldB.StatusLists[0].Lst = clean.Encode()
	oldB.StatusLists[0].Iat = t0.Add(-time.Hour).Unix()
	newData, oldData := f.sign(t, newB), f.sign(t, oldB)
	for _, order := range [][2]string{{"new", "old"}, {"old", "new"}} {
		s := New()
		// A snapshot loaded in between must survive the rebuild.
		for _, which := range order {
			data := map[string][]byte{"new": newData, "old": oldData}[which]
			if _, err := s.LoadBundle(which+".bundle", data, f.policy, t0); err != nil {
				t.Fatal(err)
			}
			if err := s.Load("snap.json", []byte(`{"issuerInfo":[{"issuer":{"iss":"https://snap.example","name":"Snap"},"keys":[`+string(mustKey(t).Public().JWK())+`]}]}`)); err != nil {
				t.Fatal(err)
			}
		}
		v, err := s.StatusFor(hostedIss, t0).Status(uri, 5)
		if err != nil || v != status.Revoked {
			t.Errorf("order %v: entry 5 = %v, %v; want revoked (the older bundle won)", order, v, err)
		}
		if err := s.CheckUse(hostedIss, bad.Public().KID(), t0.Add(-time.Hour), nil); err == nil {
			t.Errorf("order %v: the compromised key is usable (the older bundle won)", order)
		}
		if got := len(s.Bundles()); got != 1 || s.Bundles()[0].Version != 8 {
			t.Errorf("order %v: %d bundles kept", order, got)
		}
		if s.Issuer("https://snap.example") == nil {
			t.Errorf("order %v: the snapshot's issuer was lost", order)
		}
		notes := strings.Join(s.Notes(), "\n")
		if !strings.Contains(notes, "trust bundle old.bundle (registry \"https://registry.example\" version 7) ignored: new.bundle holds version 8") {
			t.Errorf("order %v: notes %q", order, notes)
		}
	}
}

// TestNewestStatusListWins loads two status tokens for one URI in both
// orders: the one issued later wins.
func TestNewestStatusListWins(t *testing.T) {
	f := newFixture(t)
	b, _, _, _ := hostedBundle(t, f)
	b.StatusLists = nil
	bundle := f.sign(t, b)
	uri := "https://registry.example/v1/status/clinic/2"
	clean, _ := status.New(1, status.MinSize)
	revoked, _ := status.New(1, status.MinSize)
	revoked.Set(7, status.Revoked)
	oldTok, err := clean.Token(f.key, uri, t0.Add(-time.Hour), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	newTok, err := revoked.Token(f.key, uri, t0, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	toks := map[string]string{"new.jwt": newTok, "old.jwt": oldTok}
	for _, order := range [][2]string{{"new.jwt", "old.jwt"}, {"old.jwt", "new.jwt"}} {
		s := New()
		if _, err := s.LoadBundle("b", bundle, f.policy, t0); err != nil {
			t.Fatal(err)
		}
		for _, n := range order {
			if err := s.LoadStatus(n, []byte(toks[n])); err != nil {
				t.Fatal(err)
			}
		}
		if v, err := s.StatusFor(hostedIss, t0).Status(uri, 7); err != nil || v != status.Revoked {
			t.Errorf("order %v: entry 7 = %v, %v; want revoked", order, v, err)
		}
		if notes := strings.Join(s.Notes(), "\n"); !strings.Contains(notes, "from old.jwt (issued 2026-11-20T08:00:00Z) ignored: new.jwt holds a newer one") {
			t.Errorf("order %v: notes %q", order, notes)
		}
	}
}

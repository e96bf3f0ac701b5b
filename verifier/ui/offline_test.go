package ui

import (
	"testing"
	"time"

	"github.com/immunopass/immunopass/internal/offlinetest"
	"github.com/immunopass/immunopass/verifier/station"
)

// TestOfflineDesktop runs the desktop flow (scan, rule answer, Ask with a
// wallet's answer) in a process with no network (unshare -n).
func TestOfflineDesktop(t *testing.T) {
	offlinetest.Run(t, "TestOfflineDesktopChild")
}

func TestOfflineDesktopChild(t *testing.T) {
	if !offlinetest.Child() {
		t.Skip("run by TestOfflineDesktop in a network namespace of its own")
	}
	offlinetest.RequireNoNetwork(t)
	set := station.DefaultSettings()
	set.Context = "yellow-fever"
	h := newHarness(t, set)
	h.scan(h.yfCard("2019-05-14"))
	h.shows("VALID", "Karim Haddad", "Yellow fever vaccination (IHR, Annex 7): meets the rules")
	h.scan(h.yfCard(testNow.AddDate(0, 0, -3).Format(time.DateOnly)))
	h.shows("does not meet the rules", "YF-UN-0001")
	w := h.askWallet()
	h.u.show(ScreenAsk)
	if err := h.u.NewChallenge(h.u.ver.Context, ""); err != nil {
		t.Fatal(err)
	}
	h.u.show(ScreenAsk)
	h.scan(h.answer(w))
	if h.u.verdict == nil || h.u.verdict.verdict != station.VerdictValid {
		t.Fatalf("the wallet's answer, offline: %+v", h.u.verdict)
	}
}

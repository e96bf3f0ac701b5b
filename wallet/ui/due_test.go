package ui

import (
	"testing"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/wallet"
)

// The due tab, per vaccine group: the doses given, counted, and what is
// next; "due:NAME" opens that person's, another schedule is one choice
// away.
func TestDueView(t *testing.T) {
	u := withDemoCard(t)
	if _, err := u.w.AddProfile(wallet.Profile{Given: "Karim", Family: "Haddad", BirthDate: vax.Date{Year: 1985, Month: 2, Day: 3}, Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	u.open(ScreenDue)
	// Amira (no country: WHO's schedule): three hexavalent doses counted
	// under DTP, varicella to catch up, rotavirus too late.
	mustShow(t, u, "Amira Haddad", "DTP/Td", "14 Jun 2016: counted", "Varicella", "Overdue",
		"No longer recommended at this age", "Schedule: WHO recommended routine immunizations (children)")
	u.open(ScreenDue + ":Karim")
	mustShow(t, u, "Karim Haddad", "France — calendrier des vaccinations", "MMR (ROR)")
	u.open(ScreenDue + ":Nobody") // an unknown name: the first person's
	mustShow(t, u, "Amira Haddad")
}

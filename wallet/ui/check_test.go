package ui

import (
	"testing"

	"fyne.io/fyne/v2/widget"
)

// The person screen's Check tab: "Will this pass the school check in
// Dubai?", answered offline with the rules in words.
func TestCheckContextTab(t *testing.T) {
	u := newUI(t, "")
	firstRun(t, u)
	c := newClinic(t)
	if err := u.w.AddTrust("trust.json", c.trust); err != nil {
		t.Fatal(err)
	}
	u.showSection(SectionImport)
	u.runImport("card.png", c.demoCardPNG(t))
	tap(t, u, "Keep")
	creds, err := u.w.Credentials("")
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials: %d %v", len(creds), err)
	}
	u.showPerson(creds[0].ProfileID, 4)
	mustShow(t, u, "Will these records pass a check?")
	var pick *widget.Select
	for _, o := range objects(u) {
		if s, ok := o.(*widget.Select); ok {
			pick = s
		}
	}
	if pick == nil {
		t.Fatalf("no context to pick:\n%s", screenText(u))
	}
	pick.SetSelected("School entry in the United Arab Emirates")
	mustShow(t, u, "Does not meet the rules", "• Hepatitis A: dose 1 is required from the age of 24 months.")
	pick.SetSelected("Yellow fever vaccination (IHR, Annex 7)")
	mustShow(t, u, "Does not meet the rules", "valid from 10 days after the vaccination, for life")
}

package wallet

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

func TestImmunizationsMerged(t *testing.T) {
	w := newTestWallet(t, Options{})
	c := newClinic(t)
	f := setUpFamily(t, w, c) // Amira: the same record as an SHC and as an SD-JWT VC
	groups, err := w.Immunizations(f.amira.ID)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]DiseaseGroup{}
	for _, g := range groups {
		byName[g.Disease] = g
	}
	polio := byName["Polio"]
	if len(polio.Doses) != 3 || len(polio.Doses[0].Sources) != 2 || polio.Doses[0].Lot != "HX2605A" || polio.Doses[0].Clinic != "Al Noor Family Clinic" {
		t.Fatalf("polio: %+v", polio)
	}
	if m := byName["Measles"]; len(m.Doses) != 2 || m.Doses[0].Date.String() != "2017-04-15" {
		t.Fatalf("measles: %+v", m)
	}
	if len(byName["Tuberculosis"].Doses) != 1 {
		t.Fatalf("groups: %v", byName)
	}
}

func TestHistoryExportDelete(t *testing.T) {
	w := newTestWallet(t, Options{})
	f := setUpFamily(t, w, newClinic(t))
	for _, to := range []string{"=HYPERLINK(\"x\")", "École Jules Ferry"} {
		if _, err := w.Present(PresentRequest{ProfileID: f.amira.ID, Preset: "school", To: to}); err != nil {
			t.Fatal(err)
		}
	}
	var cb, jb bytes.Buffer
	if err := w.ExportHistory(&cb, "csv"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][3] != "École Jules Ferry" || !strings.HasPrefix(rows[2][3], "'=") {
		t.Fatalf("csv %v %v", rows, err)
	}
	if err := w.ExportHistory(&jb, "json"); err != nil {
		t.Fatal(err)
	}
	var hs []HistoryEntry
	if err := json.Unmarshal(jb.Bytes(), &hs); err != nil || len(hs) != 2 {
		t.Fatalf("json %v", err)
	}
	if err := w.ExportHistory(&jb, "xml"); err == nil {
		t.Fatal("xml export accepted")
	}
	if err := w.DeleteHistory(hs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteHistory("nope"); err == nil {
		t.Fatal("deleting an unknown entry")
	}
	if left, _ := w.History(); len(left) != 1 || left[0].ID != hs[1].ID {
		t.Fatalf("after delete %+v", left)
	}
	_ = w.DeleteHistory()
	if left, _ := w.History(); len(left) != 0 {
		t.Fatal("delete all")
	}
}

func TestReminders(t *testing.T) {
	w := newTestWallet(t, Options{})
	f := setUpFamily(t, w, newClinic(t))
	rs, err := w.Reminders()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range rs {
		kinds[r.Kind]++
	}
	if kinds["backup"] != 1 || kinds["overdue"] == 0 {
		t.Fatalf("reminders %v", kinds)
	}
	var buf bytes.Buffer
	if err := w.backupWith(&buf, []byte("x"), 10); err != nil {
		t.Fatal(err)
	}
	rs, _ = w.Reminders()
	for _, r := range rs {
		if r.Kind == "backup" {
			t.Fatal("backup reminder right after a backup")
		}
	}
	_ = f
}

func TestRegionCovers(t *testing.T) {
	for _, c := range []struct {
		adv, person string
		want        bool
	}{
		{"AE", "AE", true}, {"AE", "AE-DU", true}, {"AE-DU", "AE", true}, {"AE-DU", "AE-AZ", false},
		{"FR", "AE", false}, {"AE", "", false},
	} {
		if got := regionCovers(c.adv, c.person); got != c.want {
			t.Errorf("regionCovers(%q, %q) = %v", c.adv, c.person, got)
		}
	}
}

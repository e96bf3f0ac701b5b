package service

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
)

// scanFind is Find as it was before the indexes: every entry decoded,
// filtered, sorted newest first (ties: the greater id first).
func scanFind(t *testing.T, s *Service, f Filter) []Entry {
	t.Helper()
	var out []Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLedger).ForEach(func(_, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if f.PatientID != "" && e.PatientID != f.PatientID || f.Status != "" && e.Status != f.Status ||
				!f.Since.IsZero() && e.Created.Before(f.Since) || !f.Until.IsZero() && !e.Created.Before(f.Until) {
				return nil
			}
			var err error
			e.Anchoring, _, err = anchorStateTx(tx, &e)
			out = append(out, e)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(b.Created.Compare(a.Created), strings.Compare(b.ID, a.ID))
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out
}

// scanPatients is the patients search as it was: every entry's card
// decoded for the patient's name.
func scanPatients(t *testing.T, s *Service, q string) []PatientHit {
	t.Helper()
	needle := strings.ToLower(q)
	var out []PatientHit
	for _, e := range scanFind(t, s, Filter{}) {
		card, err := shc.Parse(e.SHC)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := vax.FromFHIR(card.Claims.Bundle)
		if err != nil {
			t.Fatal(err)
		}
		given := strings.Join(rec.Patient.Given, " ")
		name := strings.TrimSpace(given + " " + rec.Patient.Family)
		if !strings.EqualFold(e.PatientID, q) && !strings.Contains(strings.ToLower(name), needle) &&
			!strings.Contains(strings.ToLower(rec.Patient.Family+" "+given), needle) {
			continue
		}
		out = append(out, PatientHit{EntryID: e.ID, Created: e.Created, PatientID: e.PatientID, Doses: e.Doses,
			Family: rec.Patient.Family, Given: given, BirthDate: rec.Patient.BirthDate.String()})
	}
	return out
}

var (
	testFamilies = []string{"Haddad", "Martin", "Okafor", "Nguyen", "Müller", "Martinez"}
	testGivens   = [][]string{{"Amira"}, {"Léa", "Marie"}, {"Chidi"}, {"An"}, {"Jonas"}, nil}
	testPatients = []string{"", "", "MRN-1", "MRN-2", "mrn-2", "MRN-3"}
)

// randomSubmission is the demo record for a random patient.
func randomSubmission(t testing.TB, r *rand.Rand) Submission {
	t.Helper()
	base, _, err := ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	rec := *base
	rec.Patient.Family = testFamilies[r.IntN(len(testFamilies))]
	rec.Patient.Given = testGivens[r.IntN(len(testGivens))]
	rec.Immunizations = rec.Immunizations[:1+r.IntN(len(rec.Immunizations))]
	bundle, err := rec.FHIR()
	if err != nil {
		t.Fatal(err)
	}
	return Submission{Record: &rec, Bundle: bundle, PatientID: testPatients[r.IntN(len(testPatients))]}
}

// fillRandomLedger issues single records and campaign groups for random
// patients, at times that repeat now and then, and changes some entries'
// status.
func fillRandomLedger(t *testing.T, s *Service, c *clock, r *rand.Rand, n int) {
	t.Helper()
	var ids []string
	for len(ids) < n {
		c.add([]time.Duration{0, time.Second, time.Hour, 26 * time.Hour}[r.IntN(4)])
		if r.IntN(5) == 0 {
			subs := []Submission{randomSubmission(t, r), randomSubmission(t, r), randomSubmission(t, r)}
			es, err := s.IssueMany("nurse1", "campaign", 0, subs)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				ids = append(ids, e.ID)
			}
			continue
		}
		e, err := s.Issue("nurse1", randomSubmission(t, r))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	for range n / 3 {
		id := ids[r.IntN(len(ids))]
		var err error
		switch r.IntN(3) {
		case 0:
			_, err = s.Revoke("admin", id, "test")
		case 1:
			_, err = s.Suspend("admin", id, "test")
		case 2:
			_, err = s.Reinstate("admin", id, "test")
		}
		if err != nil && !strings.Contains(err.Error(), "already revoked") && !strings.Contains(err.Error(), "ledger entry") {
			t.Fatal(err)
		}
	}
}

func randomFilter(r *rand.Rand, start, end time.Time) Filter {
	var f Filter
	if r.IntN(2) == 0 {
		f.PatientID = testPatients[2+r.IntN(len(testPatients)-2)]
	}
	if r.IntN(2) == 0 {
		f.Status = []string{StatusValid, StatusRevoked, StatusSuspended, "unknown"}[r.IntN(4)]
	}
	span := end.Sub(start) + 2*time.Hour
	pick := func() time.Time {
		// Times of entries themselves, to test the bounds exactly.
		return start.Add(-time.Hour + time.Duration(r.Int64N(int64(span))).Truncate(time.Hour))
	}
	if r.IntN(2) == 0 {
		f.Since = pick()
	}
	if r.IntN(2) == 0 {
		f.Until = pick()
	}
	if r.IntN(2) == 0 {
		f.Limit = 1 + r.IntN(20)
	}
	return f
}

func entryKeys(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s %s %s %s %s", e.Created.Format(time.RFC3339Nano), e.ID, e.PatientID, e.Status, e.Anchoring))
	}
	return out
}

// checkIndexKeys checks that the index buckets hold exactly the keys the
// ledger's entries give (no stale key of a former status), and a person
// value for each entry.
func checkIndexKeys(t *testing.T, s *Service) {
	t.Helper()
	want := map[string]bool{}
	got := map[string]bool{}
	err := s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketLedger).ForEach(func(_, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			tid := string(timeKey(e.Created)) + e.ID
			want["created "+tid] = true
			want["person "+tid] = true
			want["status "+e.Status+"\x00"+tid] = true
			if e.PatientID != "" {
				want["patient "+e.PatientID+"\x00"+tid] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		for name, b := range map[string][]byte{"created": bucketIxCreated, "person": bucketIxPerson, "status": bucketIxStatus, "patient": bucketIxPatient} {
			if err := tx.Bucket(b).ForEach(func(k, _ []byte) error { got[name+" "+string(k)] = true; return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		if !want[k] {
			t.Errorf("stale index key %q", k)
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing index key %q", k)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// checkAgainstScan compares Find and SearchPatients with the full scans.
func checkAgainstScan(t *testing.T, s *Service, r *rand.Rand, start, end time.Time) {
	t.Helper()
	checkIndexKeys(t, s)
	for i := range 300 {
		f := randomFilter(r, start, end)
		if i == 0 {
			f = Filter{}
		}
		got, err := s.Find(f)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := entryKeys(got), entryKeys(scanFind(t, s, f)); !slices.Equal(g, w) {
			t.Fatalf("Find(%+v):\n got %q\nwant %q", f, g, w)
		}
	}
	for _, q := range []string{"mrn-2", "MRN-1", "mar", "MARTIN", "léa marie", "marie martinez", "Amira Haddad", "haddad amira", "ü", " ", "nobody", "a"} {
		got, err := s.SearchPatients(q)
		if err != nil {
			t.Fatal(err)
		}
		want := scanPatients(t, s, strings.TrimSpace(q))
		if strings.TrimSpace(q) == "" {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("SearchPatients(%q):\n got %v\nwant %v", q, got, want)
		}
	}
}

// TestLedgerIndexMatchesScan: on random ledgers (single issuances, campaign
// groups, revocations, suspensions, reinstatements, times that repeat),
// Find and SearchPatients give exactly what the full scans give; after a
// restart too.
func TestLedgerIndexMatchesScan(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 13))
			s, c, dir := newService(t)
			start := c.now()
			fillRandomLedger(t, s, c, r, 40)
			checkAgainstScan(t, s, r, start, c.now())
			s.Close()
			s2, err := Open(dir, testPass, Options{Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			checkAgainstScan(t, s2, r, start, c.now())
		})
	}
}

// TestLedgerIndexUpgrade: a data folder from before the indexes gets them
// when it is opened, with the same answers; an index that no longer matches
// its version is built again.
func TestLedgerIndexUpgrade(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	s, c, dir := newService(t)
	start := c.now()
	fillRandomLedger(t, s, c, r, 30)
	// The folder as the previous version left it: no index buckets.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range append(indexBuckets, bucketIxMeta) {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(dir, testPass, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstScan(t, s2, r, start, c.now())
	// An index of another layout version (and stale content) is rebuilt.
	if err := s2.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketIxMeta).Put([]byte("version"), []byte("0")); err != nil {
			return err
		}
		return tx.Bucket(bucketIxCreated).Put(append(timeKey(c.now()), "stale"...), nil)
	}); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	s3, err := Open(dir, testPass, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	checkAgainstScan(t, s3, r, start, c.now())
}

// TestLedgerIndexAfterCrash: the database file as a power cut leaves it
// right after acknowledged writes (a copy taken while the service runs, no
// Close) holds the indexes of everything acknowledged.
func TestLedgerIndexAfterCrash(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 13))
	s, c, dir := newService(t)
	start := c.now()
	fillRandomLedger(t, s, c, r, 20)
	crashed := filepath.Join(t.TempDir(), "clinic")
	if err := os.CopyFS(crashed, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	want := entryKeys(scanFind(t, s, Filter{}))
	s2, err := Open(crashed, testPass, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Find(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(entryKeys(got), want) || len(want) < 20 {
		t.Fatalf("after the crash: %d entries, want %d", len(got), len(want))
	}
	checkAgainstScan(t, s2, r, start, c.now())
}

// FuzzDecodePerson: an index value is split or refused, never a panic,
// and what splits encodes back to the same bytes.
func FuzzDecodePerson(f *testing.F) {
	f.Add(encodePerson(&person{family: "Haddad", given: "Amira", birth: "2016-04-12"}, "MRN-1", 6))
	f.Add([]byte{})
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, fields, err := splitPerson(b)
		if err != nil {
			return
		}
		var s [personFields]string
		for i, f := range fields {
			s[i] = string(f)
		}
		if again := encodeFields(d, s); string(again) != string(b) {
			t.Fatalf("%x splits to %d %q, which encodes to %x", b, d, s, again)
		}
		if _, err := decodePerson(b); err != nil {
			t.Fatal(err)
		}
	})
}

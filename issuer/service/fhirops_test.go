package service

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/issuer"
)

func demoSubmission(t testing.TB, holders int) Submission {
	t.Helper()
	rec, bundle, err := ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	sub := Submission{Record: rec, Bundle: bundle}
	for range holders {
		hk, err := jose.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		sub.Holders = append(sub.Holders, hk.Public().DIDKey())
	}
	return sub
}

func auditActions(t *testing.T, s *Service) string {
	t.Helper()
	log, err := s.Audit(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyAudit(log); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range log {
		out = append(out, a.Actor+" "+a.Action+" "+a.Subject+" "+a.Detail)
	}
	return strings.Join(out, "\n")
}

func TestSuspendReinstate(t *testing.T) {
	s, _, dir := newService(t)
	e, err := s.Issue("nurse1", demoSubmission(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Suspend("admin", e.ID, "  "); !isInput(err, "reason") {
		t.Fatalf("suspend without a reason: %v", err)
	}
	if _, err := s.Suspend("admin", e.ID, strings.Repeat("x", MaxReason+1)); !isInput(err, "reason") {
		t.Fatalf("suspend with a long reason: %v", err)
	}
	if _, err := s.Reinstate("admin", e.ID, ""); !errors.Is(err, ErrNotSuspended) {
		t.Fatalf("reinstate a valid entry: %v", err)
	}
	if _, err := s.Suspend("admin", "nope", "why"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("suspend an unknown entry: %v", err)
	}
	got, err := s.Suspend("admin", e.ID, "lot under investigation")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusSuspended || got.Reason != "lot under investigation" || got.ChangeBy != "admin" {
		t.Fatalf("suspended entry %+v", got)
	}
	for _, sd := range e.SDJWT {
		if v, _ := s.StatusOf(sd.Index); v != 2 {
			t.Errorf("status of %d = %d, want 2 (suspended)", sd.Index, v)
		}
	}
	if _, err := s.Suspend("admin", e.ID, "again"); !errors.Is(err, ErrNotValid) {
		t.Fatalf("second suspension: %v", err)
	}
	// The status list file holds the suspension (a restart keeps it).
	s.Close()
	s2, err := Open(dir, testPass, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, _ := s2.StatusOf(e.SDJWT[0].Index); v != 2 {
		t.Fatalf("after a restart the status is %d, want 2", v)
	}
	got, err = s2.Reinstate("admin", e.ID, "lot cleared")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusValid || got.Reason != "" {
		t.Fatalf("reinstated entry %+v", got)
	}
	for _, sd := range e.SDJWT {
		if v, _ := s2.StatusOf(sd.Index); v != 0 {
			t.Errorf("status of %d = %d after reinstatement, want 0", sd.Index, v)
		}
	}
	// Suspended, then revoked: revocation wins and is final.
	if _, err := s2.Suspend("admin", e.ID, "again under investigation"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Revoke("admin", e.ID, "bad lot"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Reinstate("admin", e.ID, ""); !errors.Is(err, ErrNotSuspended) {
		t.Fatalf("reinstating a revoked entry: %v", err)
	}
	if v, _ := s2.StatusOf(e.SDJWT[0].Index); v != 1 {
		t.Errorf("status after revocation = %d, want 1", v)
	}
	actions := auditActions(t, s2)
	for _, want := range []string{"admin record.suspend ledger:" + e.ID + " lot under investigation", "admin record.reinstate ledger:" + e.ID + " lot cleared", "admin record.revoke"} {
		if !strings.Contains(actions, want) {
			t.Errorf("audit log lacks %q:\n%s", want, actions)
		}
	}
}

func isInput(err error, field string) bool {
	var ie *InputError
	return errors.As(err, &ie) && ie.Field == field
}

// TestGroupCommit: concurrent issuances are stored in fewer transactions
// than there are issuances, and every acknowledged one is in the ledger
// and the audit log after a restart.
func TestGroupCommit(t *testing.T) {
	s, _, dir := newService(t)
	sub := demoSubmission(t, 1)
	const n = 64
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := s.Issue("token:emr", sub)
			if err != nil {
				errs <- err
				return
			}
			ids[i] = e.ID
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if g := s.Groups(); g >= n {
		t.Errorf("%d issuances in %d group commits: nothing was grouped", n, g)
	}
	s.Close()
	if _, err := s.Issue("token:emr", sub); !errors.Is(err, ErrClosed) {
		t.Fatalf("issue after Close: %v", err)
	}
	s2, err := Open(dir, testPass, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	seen := map[int]bool{}
	for _, id := range ids {
		e, err := s2.Entry(id)
		if err != nil {
			t.Fatal(err)
		}
		if seen[e.SDJWT[0].Index] {
			t.Fatalf("status index %d given twice", e.SDJWT[0].Index)
		}
		seen[e.SDJWT[0].Index] = true
		if err := s2.status.Set(e.SDJWT[0].Index, 0); err != nil {
			t.Errorf("index of %s not allocated in the saved status list: %v", id, err)
		}
	}
	if got := strings.Count(auditActions(t, s2), "record.issue"); got != n {
		t.Errorf("%d record.issue audit entries, want %d", got, n)
	}
}

// TestAnchoring: with a registry, every credential of an entry is anchored
// by the background sender; while the registry is down the entry is
// pending and the error is shown, and it is anchored once the registry is
// back, after a restart too.
func TestAnchoring(t *testing.T) {
	dir, base, reg := accreditedClinic(t)
	addr := strings.TrimPrefix(base, "http://")

	s, err := Open(dir, testPass, Options{Registry: base})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Issue("nurse1", demoSubmission(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	waitAnchored := func(s *Service, e *Entry) map[string]uint64 {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			state, idx, err := s.AnchorState(e)
			if err != nil {
				t.Fatal(err)
			}
			if state == AnchorAnchored {
				return idx
			}
			if time.Now().After(deadline) {
				st, _ := s.Anchoring()
				t.Fatalf("entry %s still %s after 10 s (%+v)", e.ID, state, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	idx := waitAnchored(s, e)
	if len(idx) != 3 {
		t.Fatalf("indexes %v, want 3 credentials", idx)
	}
	for d, i := range idx {
		if got, ok := reg.Index(d); !ok || got != i {
			t.Errorf("digest %s: registry has index %d (%v), service says %d", d, got, ok, i)
		}
	}
	for _, cred := range []string{e.SHC, e.SDJWT[0].SDJWT, e.SDJWT[1].SDJWT} {
		if _, ok := idx[issuer.DigestHex(cred)]; !ok {
			t.Errorf("credential %.40s… is not among the anchored digests", cred)
		}
	}

	// The audit log's head is anchored too: it commits to every entry.
	if err := s.AnchorAuditNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	log, _ := s.Audit(0, 0)
	head := log[len(log)-1]
	st, err := s.Anchoring()
	if err != nil || st.AuditSeq != head.Seq {
		t.Fatalf("audit head %d, anchoring status %+v, %v", head.Seq, st, err)
	}
	if i, ok := reg.Index(head.Hash); !ok || i != st.AuditIndex {
		t.Errorf("the registry has the audit head at %d (%v), the service says %d", i, ok, st.AuditIndex)
	}

	// The registry goes down: the next entry is pending, and the error shows.
	reg.Stop()
	e2, err := s.Issue("nurse1", demoSubmission(t, 1))
	if err != nil {
		t.Fatalf("issuing while the registry is down: %v", err)
	}
	if _, err := s.AnchorNow(context.Background()); err == nil {
		t.Fatal("anchoring succeeded with the registry down")
	}
	if state, _, _ := s.AnchorState(e2); state != AnchorPending {
		t.Fatalf("state %s while the registry is down, want pending", state)
	}
	st, err = s.Anchoring()
	if err != nil || st.Queued != 2 || st.LastError == "" {
		t.Fatalf("anchoring status %+v, %v", st, err)
	}
	s.Close()

	// Back up, after a restart: the outbox is sent.
	if _, err := reg.Start(addr); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, testPass, Options{Registry: base})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AnchorNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitAnchored(s, e2)
	if st, _ := s.Anchoring(); st.Queued != 0 || st.LastError != "" {
		t.Fatalf("after the outage: %+v", st)
	}
	// Without a registry, an entry says so.
	s0, _, _ := newService(t)
	e0, err := s0.Issue("nurse1", demoSubmission(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if state, _, _ := s0.AnchorState(e0); state != AnchorNotConfigured {
		t.Errorf("state without a registry: %s", state)
	}
}

// FuzzParseHealthCardsRequest: any body gives a request or an
// *InputError, never a panic; a parsed request always has a credential
// type and only supported value sets.
func FuzzParseHealthCardsRequest(f *testing.F) {
	for _, s := range []string{
		`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"https://smarthealth.cards#immunization"},{"name":"credentialValueSet","valueUri":"https://terminology.smarthealth.cards/ValueSet/immunization-all-cvx"},{"name":"includeIdentityClaim","valueString":"Patient.name"},{"name":"includeIdentityClaim","valueString":"Patient.birthDate"},{"name":"_since","valueDateTime":"2021-03"}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"_since","valueDateTime":"2021-03-01T10:00:00+02:00"},{"name":"_since","valueDateTime":"2021"}]}`,
		`{"resourceType":"Parameters","parameter":{}}`,
		`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization","valueString":"x"}]}`,
		`{"resourceType":"Parameters","resourceType":"Parameters"}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseHealthCardsRequest(body)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v is not an *InputError", err, err)
			}
			return
		}
		if len(req.CredentialTypes) == 0 {
			t.Fatal("a request without credentialType was accepted")
		}
		for _, vs := range req.ValueSets {
			if _, ok := healthCardsValueSets[vs]; !ok {
				t.Fatalf("unsupported value set %q accepted", vs)
			}
		}
	})
}

// TestStatusFileImport: a data folder of an earlier version, whose status
// list is status.json, is imported into clinic.db when opened: the values
// of the ledger's indexes are kept, and the file is set aside.
func TestStatusFileImport(t *testing.T) {
	s, _, dir := newService(t)
	e, err := s.Issue("nurse1", demoSubmission(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// The earlier layout: the list in status.json (index 0 revoked, index 1
	// valid), nothing in the database's status bucket.
	l, _ := status.New(2, status.MinSize)
	var alloc []int
	for _, sd := range e.SDJWT {
		if err := l.MarkAllocated(sd.Index); err != nil {
			t.Fatal(err)
		}
		alloc = append(alloc, sd.Index)
	}
	l.Set(e.SDJWT[0].Index, 1)
	legacy, _ := json.Marshal(map[string]any{"version": 1, "uri": "https://clinic.example/status/1", "bits": 2, "size": l.Len(),
		"lst": l.Encode(), "allocated": alloc, "records": map[string][]int{e.ID: alloc}})
	if err := os.WriteFile(filepath.Join(dir, StatusFileName), legacy, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, DBFileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketStatus) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s2, err := Open(dir, testPass, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, _ := s2.StatusOf(e.SDJWT[0].Index); v != 1 {
		t.Errorf("imported status of the revoked index: %d, want 1", v)
	}
	if v, err := s2.StatusOf(e.SDJWT[1].Index); v != 0 || err != nil {
		t.Errorf("imported status of the valid index: %d, %v", v, err)
	}
	if _, err := os.Stat(filepath.Join(dir, StatusFileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("status.json still in place: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, StatusFileName+".imported")); err != nil {
		t.Errorf("status.json.imported: %v", err)
	}
	// Imported indexes are allocated: a new issuance never takes them.
	if err := s2.status.Set(e.SDJWT[1].Index, 0); err != nil {
		t.Errorf("imported index not allocated: %v", err)
	}
}

// TestHealthCardsRequestSpecExamples: the request bodies of the
// $health-cards-issue examples in the SMART Health Cards and Links IG
// (OperationDefinition patient-i-health-cards-issue, notes) read as the IG
// describes them.
func TestHealthCardsRequestSpecExamples(t *testing.T) {
	for _, tc := range []struct {
		body   string
		types  []string
		vs     []string
		claims []string
		since  time.Time
	}{
		{`{"resourceType": "Parameters", "parameter": [{"name": "credentialType", "valueUri": "Immunization"}]}`,
			[]string{"Immunization"}, nil, nil, time.Time{}},
		{`{"resourceType": "Parameters", "parameter": [{"name": "credentialType", "valueUri": "Immunization"},
		  {"name": "credentialValueSet", "valueUri": "https://terminology.smarthealth.cards/ValueSet/immunization-all-cvx"}]}`,
			[]string{"Immunization"}, []string{"https://terminology.smarthealth.cards/ValueSet/immunization-all-cvx"}, nil, time.Time{}},
		{`{"resourceType": "Parameters", "parameter": [{"name": "credentialType", "valueUri": "Immunization"},
		  {"name": "_since", "valueDateTime": "2021-03"}]}`,
			[]string{"Immunization"}, nil, nil, time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)},
		{`{"resourceType": "Parameters", "parameter": [{"name": "credentialType", "valueUri": "https://smarthealth.cards#immunization"},
		  {"name": "includeIdentityClaim", "valueString": "Patient.name"}, {"name": "includeIdentityClaim", "valueString": "Patient.birthDate"}]}`,
			[]string{"Immunization"}, nil, []string{"Patient.name", "Patient.birthDate"}, time.Time{}},
	} {
		req, err := ParseHealthCardsRequest([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if !slices.Equal(req.CredentialTypes, tc.types) || !slices.Equal(req.ValueSets, tc.vs) || !slices.Equal(req.IdentityClaims, tc.claims) || !req.Since.Equal(tc.since) {
			t.Errorf("%s: got %+v", tc.body, req)
		}
	}
	// The IG's example that asks for the name only: this issuer's cards
	// always hold the birth date too, so it is refused, naming why.
	_, err := ParseHealthCardsRequest([]byte(`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization"},{"name":"includeIdentityClaim","valueString":"Patient.name"}]}`))
	if !isInput(err, "Parameters.parameter") || !strings.Contains(err.Error(), "Patient.birthDate") {
		t.Errorf("name only: %v", err)
	}
	// The IG's value set example (mpox) is one this issuer cannot evaluate.
	_, err = ParseHealthCardsRequest([]byte(`{"resourceType":"Parameters","parameter":[{"name":"credentialType","valueUri":"Immunization"},{"name":"credentialValueSet","valueUri":"https://terminology.smarthealth.cards/ValueSet/immunization-orthopoxvirus-all"}]}`))
	if !isInput(err, "Parameters.parameter[1].valueUri") {
		t.Errorf("unsupported value set: %v", err)
	}
}

// TestActivateKeyOnce: concurrent activations of one pending key: exactly
// one wins, the other is a state error, and the previous key is retired
// once.
func TestActivateKeyOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clinic")
	if err := Init(dir, InitOptions{Issuer: "https://clinic.example", Passphrase: testPass, WorkFactor: 10, AdminPassword: testAdminPwd}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, testPass, Options{KeyWorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old := s.KID()
	ki, err := s.CreateKey("admin")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := s.ActivateKey(context.Background(), "admin", ki.KID)
			errs <- err
		}()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) || !errors.Is(e1, ErrKeyState) && !errors.Is(e2, ErrKeyState) {
		t.Fatalf("two activations: %v, %v", e1, e2)
	}
	keys, _ := s.Keys()
	states := map[string]string{}
	for _, k := range keys {
		states[k.KID] = k.State
	}
	if states[old] != KeyRetired || states[ki.KID] != KeyActive || s.KID() != ki.KID {
		t.Fatalf("states %v, signing with %s", states, s.KID())
	}
	if n := strings.Count(auditActions(t, s), "key.retire"); n != 1 {
		t.Errorf("%d key.retire audit entries", n)
	}
	if _, err := s.ActivateKey(context.Background(), "admin", old); !errors.Is(err, ErrKeyState) {
		t.Errorf("re-activating a retired key: %v", err)
	}
}

package service

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
)

const (
	testPass     = "clinic key passphrase"
	testAdminPwd = "correct horse battery"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(t *testing.T) (*Service, *clock, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clinic")
	c := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	if err := Init(dir, InitOptions{Issuer: "https://clinic.example", Passphrase: testPass, WorkFactor: 10,
		AdminPassword: testAdminPwd, Now: c.now()}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, testPass, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c, dir
}

func TestInitRefusesExistingFolder(t *testing.T) {
	s, _, dir := newService(t)
	s.Close()
	err := Init(dir, InitOptions{Issuer: "https://clinic.example", Passphrase: testPass, WorkFactor: 10, AdminPassword: testAdminPwd})
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second init: %v", err)
	}
	if _, err := Open(dir, "wrong passphrase", Options{}); err == nil {
		t.Fatal("Open with a wrong passphrase succeeded")
	}
}

func TestInitChecksInput(t *testing.T) {
	for name, o := range map[string]InitOptions{
		"short password": {Issuer: "https://c.example", Passphrase: testPass, AdminPassword: "short"},
		"bad user":       {Issuer: "https://c.example", Passphrase: testPass, AdminPassword: testAdminPwd, AdminUser: "Bad User"},
		"bad issuer":     {Issuer: "clinic.example", Passphrase: testPass, AdminPassword: testAdminPwd},
		"issuer path":    {Issuer: "https://clinic.example/shc", Passphrase: testPass, AdminPassword: testAdminPwd},
	} {
		if err := Init(t.TempDir(), o); err == nil {
			t.Errorf("%s: Init succeeded", name)
		}
	}
}

func TestLoginLockoutAndSessions(t *testing.T) {
	s, c, _ := newService(t)
	if _, _, err := s.Login("10.0.0.1", "admin", "wrong password!!"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, _, err := s.Login("10.0.0.1", "nobody", testAdminPwd); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("unknown user: %v", err)
	}
	for i := 2; i < MaxFailures; i++ {
		if _, _, err := s.Login("10.0.0.1", "admin", "wrong password!!"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, _, err := s.Login("10.0.0.1", "admin", "wrong password!!"); !errors.Is(err, ErrLocked) {
		t.Fatalf("failure %d: %v, want locked", MaxFailures, err)
	}
	if _, _, err := s.Login("10.0.0.2", "admin", testAdminPwd); !errors.Is(err, ErrLocked) {
		t.Fatalf("right password while locked: %v", err)
	}
	c.add(LockoutDuration + time.Second)
	id, sess, err := s.Login("10.0.0.2", "admin", testAdminPwd)
	if err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	if sess.Role != RoleAdmin || sess.CSRF == "" {
		t.Fatalf("session %+v", sess)
	}
	c.add(IdleTimeout - time.Minute)
	if _, err := s.Session(id); err != nil {
		t.Fatalf("session within the idle timeout: %v", err)
	}
	c.add(IdleTimeout - time.Minute) // used a moment ago: still open
	if _, err := s.Session(id); err != nil {
		t.Fatalf("session used within the idle timeout: %v", err)
	}
	c.add(IdleTimeout + time.Second)
	if _, err := s.Session(id); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	stale, _, err := s.Login("10.0.0.2", "admin", testAdminPwd)
	if err != nil {
		t.Fatal(err)
	}
	c.add(IdleTimeout + time.Second)
	id, _, err = s.Login("10.0.0.2", "admin", testAdminPwd)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Sessions(); n != 1 {
		t.Errorf("%d sessions stored after a sign-in; the one left idle was not swept", n)
	}
	if _, err := s.Session(stale); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	if err := s.Logout(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(id); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session after logout: %v", err)
	}
}

func TestLoginRateLimit(t *testing.T) {
	s, c, _ := newService(t)
	for _, u := range []string{"nurse1", "nurse2"} {
		if err := s.CreateAccount("admin", u, "nurse password 1", RoleNurse); err != nil {
			t.Fatal(err)
		}
	}
	// Alternate users so that no account locks: only the address limit bites.
	for i := range LoginBurst {
		user := []string{"admin", "nurse1", "nurse2"}[i%3]
		if _, _, err := s.Login("10.9.9.9", user, "not the password"); !errors.Is(err, ErrBadCredentials) && !errors.Is(err, ErrLocked) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if _, _, err := s.Login("10.9.9.9", "admin", testAdminPwd); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("attempt %d: %v, want rate limited", LoginBurst+1, err)
	}
	if _, _, err := s.Login("10.1.1.1", "nurse2", "nurse password 1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	c.add(LoginEvery)
	if _, _, err := s.Login("10.9.9.9", "nurse2", "nurse password 1"); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
}

func TestTokens(t *testing.T) {
	s, _, _ := newService(t)
	secret, tok, err := s.CreateToken("admin", "EMR", []string{ScopeRecordsWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckToken(secret, ScopeRecordsWrite); err != nil {
		t.Fatalf("right scope: %v", err)
	}
	if _, err := s.CheckToken(secret, ScopeRecordsRevoke); !errors.Is(err, ErrScope) {
		t.Fatalf("wrong scope: %v", err)
	}
	if _, err := s.CheckToken(secret+"x", ScopeRecordsWrite); !errors.Is(err, ErrBadToken) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, _, err := s.CreateToken("admin", "EMR", []string{"records:everything"}); err == nil {
		t.Fatal("unknown scope accepted")
	}
	// Only the hash is stored.
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
			if strings.Contains(string(k)+string(v), secret) {
				t.Error("the token's secret is stored")
			}
			return nil
		})
	})
	if err := s.RevokeToken("admin", tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckToken(secret, ScopeRecordsWrite); !errors.Is(err, ErrBadToken) {
		t.Fatalf("revoked token: %v", err)
	}
	if err := s.RevokeToken("admin", "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestIssueRevokeAndAudit(t *testing.T) {
	s, _, dir := newService(t)
	rec, bundle, err := ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	hk, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Issue("nurse1", Submission{Record: rec, Bundle: bundle, Holders: []string{hk.Public().DIDKey(), hk.Public().DIDKey()}})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.SDJWT) != 2 || e.SHC == "" || e.KID != s.KID() || e.Status != StatusValid {
		t.Fatalf("entry %+v", e)
	}
	if _, err := shc.Parse(e.SHC); err != nil {
		t.Errorf("the card does not parse: %v", err)
	}
	if e.SDJWT[0].SDJWT == e.SDJWT[1].SDJWT || e.SDJWT[0].Index == e.SDJWT[1].Index || !strings.HasSuffix(e.SDJWT[0].SDJWT, "~") {
		t.Errorf("the batch's SD-JWT VCs are not distinct SD-JWTs: %+v", e.SDJWT)
	}
	if _, err := s.Issue("nurse1", Submission{Record: rec, Bundle: bundle, Holders: []string{"did:key:nope"}}); err == nil {
		t.Error("a bad holder key was accepted")
	}
	got, err := s.Entry(e.ID)
	if err != nil || got.SHC != e.SHC {
		t.Fatalf("Entry: %v", err)
	}
	if _, err := s.Revoke("admin", e.ID, "issued to the wrong patient"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke("admin", e.ID, "again"); !errors.Is(err, ErrAlreadyRevoked) {
		t.Fatalf("second revoke: %v", err)
	}
	if v, _ := s.status.Get(e.SDJWT[1].Index); v != 1 {
		t.Errorf("status of index %d = %d, want 1 (revoked)", e.SDJWT[1].Index, v)
	}
	rids, _ := s.RevokedRIDs()
	if _, ok := rids[e.RID]; !ok {
		t.Error("the card's rid is not in the CRL")
	}
	if _, err := s.Revoke("admin", "missing", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown entry: %v", err)
	}

	// After a restart the ledger and audit log are still there, and the
	// chain verifies.
	s.Close()
	s2, err := Open(dir, testPass, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, err := s2.Entry(e.ID); err != nil || got.Status != StatusRevoked {
		t.Fatalf("after reopen: %v %+v", err, got)
	}
	log, err := s2.Audit(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range log {
		actions = append(actions, a.Action)
	}
	if want := "init record.issue record.revoke"; strings.Join(actions, " ") != want {
		t.Errorf("audit actions %q, want %q", actions, want)
	}
	if _, err := VerifyAudit(log); err != nil {
		t.Fatalf("chain: %v", err)
	}
	tampered := append([]AuditEntry(nil), log...)
	tampered[1].Actor = "someone else"
	var ce *AuditChainError
	if _, err := VerifyAudit(tampered); !errors.As(err, &ce) || ce.Seq != 2 {
		t.Errorf("edited entry: %v", err)
	}
	if _, err := VerifyAudit(append(log[:1:1], log[2:]...)); !errors.As(err, &ce) {
		t.Errorf("removed entry: %v", err)
	}
}

func TestReadRecord(t *testing.T) {
	rec, _, err := ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	asJSON := `{"patient":{"family":"Doe","given":["Ann"],"birthDate":"2020-01-02"},"immunizations":[{"vaccine":{"system":"http://hl7.org/fhir/sid/cvx","code":"08"},"date":"2020-02-02","status":"completed"}]}`
	if _, _, err := ReadRecord([]byte(asJSON)); err != nil {
		t.Fatalf("record JSON: %v", err)
	}
	_ = rec
	for _, tc := range []struct{ in, field string }{
		{`[]`, ""},
		{`{"resourceType":"Patient"}`, "resourceType"},
		{`{"patient":{},"extra":1}`, "extra"},
		{`{"immunizations":[]}`, "patient"},
		{`{"patient":{"family":1},"immunizations":[]}`, "patient.family"},
		{`{"patient":{"nickname":"x"},"immunizations":[]}`, "nickname"},
		{`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","birthDate":"19x"}}]}`, "Bundle.entry"},
		{strings.Repeat(" ", MaxRecordSize+1), ""},
	} {
		_, _, err := ReadRecord([]byte(tc.in))
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%.40s: %v, want an *InputError", tc.in, err)
			continue
		}
		if ie.Field != tc.field {
			t.Errorf("%.40s: field %q (%v), want %q", tc.in, ie.Field, err, tc.field)
		}
	}
}

func FuzzReadRecord(f *testing.F) {
	f.Add(assets.DemoRecord())
	f.Add([]byte(`{"patient":{"family":"Doe","birthDate":"2020-01-02"},"immunizations":[{"vaccine":{"system":"http://hl7.org/fhir/sid/cvx","code":"08"},"date":"2020-02-02","status":"completed"}]}`))
	f.Add([]byte(`{"resourceType":"Bundle"}`))
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec, bundle, err := ReadRecord(body)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		if rec == nil || len(bundle) == 0 {
			t.Fatal("no record and no error")
		}
		if err := Validate(rec, now); err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("validation error %v is not an *InputError", err)
			}
		}
	})
}

// TestSessionsSurviveRestart: a session stays open across a restart, and
// one signed out before the restart stays closed after it.
func TestSessionsSurviveRestart(t *testing.T) {
	s, c, dir := newService(t)
	open, _, err := s.Login("10.0.0.1", "admin", testAdminPwd)
	if err != nil {
		t.Fatal(err)
	}
	closed, _, err := s.Login("10.0.0.1", "admin", testAdminPwd)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Logout(closed); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(dir, testPass, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Session(open); err != nil {
		t.Errorf("open session after restart: %v", err)
	}
	if _, err := s2.Session(closed); !errors.Is(err, ErrNoSession) {
		t.Errorf("signed-out session after restart: %v", err)
	}
}

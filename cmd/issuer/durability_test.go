//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/issuer/fakeregistry"
	"github.com/immunopass/immunopass/issuer/service"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestServeSIGKILL kills `issuer serve` (this test binary, run as issuer)
// with SIGKILL while eight EMR clients are issuing, restarts it, and checks
// that everything it acknowledged is there: every entry answered 201 is in
// the ledger, valid, and gets anchored (the outbox survived); the audit
// log's chain holds and has every issuance; a signed-out session stays
// invalid, a signed-in one stays valid.
func TestServeSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server twice and issues for a few seconds")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	work, bin := t.TempDir(), t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "issuer")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "IMMUNOPASS_PASSPHRASE=durability test passphrase", "IMMUNOPASS_ADMIN_PASSWORD=admin password 1")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(bin, "issuer"), args...)
		cmd.Dir, cmd.Env = work, env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("issuer %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	reg := fakeregistry.New()
	regURL, err := reg.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Stop()
	run("init", "--data", "clinic", "--iss", "https://clinic.example", "--registry", regURL, "--work-factor", "10")
	keys, _, err := jose.ParseJWKS([]byte(run("jwks", "--key", "clinic/key.age")))
	if err != nil || len(keys) != 1 {
		t.Fatalf("jwks: %v", err)
	}
	reg.AddIssuer("https://clinic.example", keys[0])
	token := strings.TrimSpace(run("token", "create", "--data", "clinic", "--name", "EMR", "--scope", "records:write", "--scope", "records:read"))
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(filepath.Join(bin, "issuer"), "serve", "--data", "clinic", "--listen", addr)
		cmd.Dir, cmd.Env = work, env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitHealthy(t, base)
		return cmd
	}
	srv := start()

	// Two staff sessions: one signs out before the crash.
	signIn := func() (*http.Client, *http.Cookie) {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		csrf := pageCSRF(t, c, base+"/login")
		resp, err := c.PostForm(base+"/login", url.Values{"user": {"admin"}, "password": {"admin password 1"}, "csrf": {csrf}})
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %v %v", resp, err)
		}
		resp.Body.Close()
		u, _ := url.Parse(base)
		for _, ck := range jar.Cookies(u) {
			if ck.Name == "session" {
				return c, ck
			}
		}
		t.Fatal("no session cookie")
		return nil, nil
	}
	out, outCookie := signIn()
	_, inCookie := signIn()
	resp, err := out.PostForm(base+"/logout", url.Values{"csrf": {pageCSRF(t, out, base+"/")}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %v %v", resp, err)
	}
	resp.Body.Close()

	// Eight clients issue; SIGKILL once 60 are acknowledged.
	hk, _ := jose.GenerateKey()
	u := base + "/api/v1/records?holder=" + url.QueryEscape(hk.Public().DIDKey())
	var mu sync.Mutex
	var acked []string
	var killed atomic.Bool
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for !killed.Load() {
				req, _ := http.NewRequest("POST", u, bytes.NewReader(assets.DemoRecord()))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/fhir+json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				data, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				var rec struct {
					ID string `json:"id"`
				}
				if err != nil || resp.StatusCode != http.StatusCreated || json.Unmarshal(data, &rec) != nil {
					continue // not acknowledged: nothing is promised
				}
				mu.Lock()
				acked = append(acked, rec.ID)
				if len(acked) == 60 {
					srv.Process.Signal(syscall.SIGKILL)
					killed.Store(true)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	srv.Wait()
	if !killed.Load() {
		t.Fatalf("only %d acknowledged before the clients stopped", len(acked))
	}

	srv = start()
	get := func(path string, c *http.Cookie) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if c != nil {
			req.AddCookie(c)
		} else {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data
	}
	for _, id := range acked {
		code, data := get("/api/v1/records/"+id, nil)
		if code != http.StatusOK || !bytes.Contains(data, []byte(`"status":"valid"`)) {
			t.Fatalf("acknowledged entry %s after the SIGKILL: %d %s", id, code, data)
		}
	}
	if code, _ := get("/", outCookie); code != http.StatusSeeOther {
		t.Errorf("the signed-out session works again after the restart: %d", code)
	}
	if code, _ := get("/", inCookie); code != http.StatusOK {
		t.Errorf("the signed-in session was lost in the restart: %d", code)
	}
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, data := get("/api/v1/anchoring", nil)
		if bytes.Contains(data, []byte(`"queued":0,`)) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the outbox is not sent after the restart: %s", data)
		}
	}
	for _, id := range acked {
		if _, data := get("/api/v1/records/"+id, nil); !bytes.Contains(data, []byte(`"anchoring":"anchored"`)) {
			t.Fatalf("acknowledged entry %s is not anchored: %s", id, data)
		}
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()

	svc, err := service.Open(filepath.Join(work, "clinic"), "durability test passphrase", service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	log, err := svc.Audit(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := service.VerifyAudit(log); err != nil {
		t.Fatalf("the audit chain after the SIGKILL: %v", err)
	}
	issued := map[string]bool{}
	logout := false
	for _, a := range log {
		if a.Action == "record.issue" {
			issued[strings.TrimPrefix(a.Subject, "ledger:")] = true
		}
		logout = logout || a.Action == "logout"
	}
	for _, id := range acked {
		if !issued[id] {
			t.Errorf("acknowledged entry %s has no audit entry", id)
		}
	}
	if !logout {
		t.Error("the audit log lacks the sign-out")
	}
}

// pageCSRF fetches a page and returns its form's CSRF token.
func pageCSRF(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	m := csrfField.FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s: no CSRF token (%s)", u, resp.Status)
	}
	return string(m[1])
}

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/issuer/service"
	"github.com/immunopass/immunopass/issuer/web"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/wallet"
	"github.com/immunopass/immunopass/wallet/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type clinic struct {
	svc   *service.Service
	url   string
	clock *clock
	token string // EMR API token (records:write)
	// client trusts the test server's certificate.
	client *http.Client
}

// startClinic runs the clinic service (issuer init + serve, in process) on
// a loopback port: its issuer URL is its real address, as wallets reach it.
func startClinic(t testing.TB, set service.DeliverySettings) *clinic {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + ln.Addr().String() // verifiers trust only https issuers
	dir := filepath.Join(t.TempDir(), "clinic")
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	if err := service.Init(dir, service.InitOptions{Issuer: base, Passphrase: "pass phrase", WorkFactor: 10, AdminPassword: "correct horse battery", Now: c.now()}); err != nil {
		t.Fatal(err)
	}
	svc, err := service.Open(dir, "pass phrase", service.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(web.New(svc, web.Options{Delivery: set}).Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.StartTLS()
	t.Cleanup(func() { ts.Close(); svc.Close() })
	secret, _, err := svc.CreateToken("admin", "emr", []string{service.ScopeRecordsWrite})
	if err != nil {
		t.Fatal(err)
	}
	return &clinic{svc: svc, url: base, clock: c, token: secret, client: ts.Client()}
}

// issue records the demo child's doses and makes an offer through the EMR
// API, as the clinic's EMR would.
func (c *clinic) offer(t testing.TB) web.OfferResponse {
	t.Helper()
	rec, bundle, err := service.ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.svc.Issue("nurse", service.Submission{Record: rec, Bundle: bundle})
	if err != nil {
		t.Fatal(err)
	}
	return c.offerFor(t, e.ID)
}

func (c *clinic) offerFor(t testing.TB, id string) web.OfferResponse {
	req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/records/"+id+"/offer", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var o web.OfferResponse
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("offer: %d %v", resp.StatusCode, err)
	}
	return o
}

// trustFiles are what a wallet and a verifier trust for this clinic: a VCI
// directory snapshot with its keys, and its status list.
func (c *clinic) trustFiles(t testing.TB) (snapshot, status []byte) {
	t.Helper()
	jwks, err := c.svc.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	json.Unmarshal(jwks, &set)
	snapshot, _ = json.Marshal(map[string]any{"directory": "test", "time": c.clock.now().Format(time.RFC3339),
		"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": c.url, "name": "Test clinic"}, "keys": set.Keys}}})
	resp, err := c.client.Get(c.url + service.StatusPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	status, _ = io.ReadAll(resp.Body)
	return snapshot, status
}

func newWallet(t testing.TB, now func() time.Time) (*wallet.Wallet, string) {
	t.Helper()
	w, err := wallet.Create("", nil, wallet.Options{Store: store.NewMem([]byte("correct horse")), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.AddProfile(wallet.Profile{Given: "Amira", Family: "Haddad"})
	if err != nil {
		t.Fatal(err)
	}
	return w, p.ID
}

// TestReceiveFromClinic: offer → QR text → PIN → credential → wallet →
// presentation → verifier VALID.
func TestReceiveFromClinic(t *testing.T) {
	c := startClinic(t, service.DeliverySettings{})
	w, pid := newWallet(t, c.clock.now)
	snap, status := c.trustFiles(t)
	if err := w.AddTrust("clinic.json", snap); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("status.jwt", status); err != nil {
		t.Fatal(err)
	}
	o := c.offer(t)
	offer, err := wallet.ReadOffer([]byte(o.URI))
	if err != nil {
		t.Fatal(err)
	}
	if wallet.ClinicHost(offer) != c.url[len("https://"):] {
		t.Errorf("clinic host %q", wallet.ClinicHost(offer))
	}
	var steps []wallet.ReceiveStep
	got, err := w.Receive(context.Background(), offer, o.PIN, pid, wallet.ReceiveOptions{Client: c.client, Progress: func(s wallet.ReceiveStep) { steps = append(steps, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Kept) != 1 || len(got.Unverified) != 0 || got.Kept[0].Status != wallet.StatusVerified || !got.Kept[0].Bound {
		t.Fatalf("received %+v", got)
	}
	if len(steps) < 3 {
		t.Errorf("progress steps %q", steps)
	}
	// The wallet presents it (live, bound to its key); the verifier, offline
	// with the clinic's snapshot and status list, says VALID.
	pres, err := w.Present(wallet.PresentRequest{ProfileID: pid, Credentials: []string{got.Kept[0].ID}, Preset: "full", Mode: wallet.ModeLive, To: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := trust.New()
	if err := ts.Load("clinic.json", snap); err != nil {
		t.Fatal(err)
	}
	if err := ts.LoadStatus("status.jwt", status); err != nil {
		t.Fatal(err)
	}
	v := &verifier.Verifier{Trust: ts, At: c.clock.now()}
	res := v.Verify([]verifier.Input{{Name: "qr", Data: []byte(pres.Items[0].QR)}})
	if len(res) != 1 || !res[0].Valid || res[0].Binding != "live" {
		t.Fatalf("verifier: %+v", res)
	}
	// The same offer does not work twice.
	_, err = w.Receive(context.Background(), offer, o.PIN, pid, wallet.ReceiveOptions{Client: c.client})
	if re := (*wallet.ReceiveError)(nil); !errors.As(err, &re) || re.Problem != wallet.ProblemUsed || re.Message != "This offer has already been used. If you did not receive the record, ask the clinic for a new offer." {
		t.Errorf("reused offer: %v", err)
	}
}

func TestReceiveRefusals(t *testing.T) {
	c := startClinic(t, service.DeliverySettings{OfferTTL: 3 * time.Minute})
	w, pid := newWallet(t, c.clock.now)
	ctx := context.Background()
	problem := func(err error) wallet.ReceiveProblem {
		var re *wallet.ReceiveError
		if !errors.As(err, &re) {
			t.Fatalf("not a *ReceiveError: %v", err)
		}
		return re.Problem
	}
	o := c.offer(t)
	offer, _ := wallet.ReadOffer([]byte(o.URI))
	wrong := "000000"
	if o.PIN == wrong {
		wrong = "999999"
	}
	_, err := w.Receive(ctx, offer, wrong, pid, wallet.ReceiveOptions{Client: c.client})
	if problem(err) != wallet.ProblemWrongPIN || err.(*wallet.ReceiveError).Message != "The PIN is not right. Check the 6 digits the clinic showed and try again." {
		t.Errorf("wrong PIN: %v", err)
	}
	if _, err := w.Receive(ctx, offer, "", pid, wallet.ReceiveOptions{Client: c.client}); problem(err) != wallet.ProblemPIN {
		t.Errorf("no PIN: %v", err)
	}
	// The right PIN still works after a wrong one, but not after the offer
	// expired.
	c.clock.add(3 * time.Minute)
	_, err = w.Receive(ctx, offer, o.PIN, pid, wallet.ReceiveOptions{Client: c.client})
	if problem(err) != wallet.ProblemExpired || err.(*wallet.ReceiveError).Message != "This offer has expired — ask the clinic for a new one." {
		t.Errorf("expired: %v", err)
	}
	// Five wrong PINs block an offer.
	o2 := c.offer(t)
	offer2, _ := wallet.ReadOffer([]byte(o2.URI))
	for i := range service.MaxPINTries {
		pin := fmt.Sprintf("%06d", 100000+i)
		if pin == o2.PIN {
			pin = "000001"
		}
		w.Receive(ctx, offer2, pin, pid, wallet.ReceiveOptions{Client: c.client})
	}
	if _, err := w.Receive(ctx, offer2, o2.PIN, pid, wallet.ReceiveOptions{Client: c.client}); problem(err) != wallet.ProblemBlocked {
		t.Errorf("blocked: %v", err)
	}
	// A clinic the wallet has no trust for: the record arrives, is not
	// kept, and is returned for the user to decide, its copies as one;
	// keeping it anyway keeps both copies.
	o3 := c.offer(t)
	offer3, _ := wallet.ReadOffer([]byte(o3.URI))
	got, err := w.Receive(ctx, offer3, o3.PIN, pid, wallet.ReceiveOptions{Client: c.client, Copies: 2})
	if err != nil || len(got.Kept) != 0 || len(got.Unverified) != 1 || got.Unverified[0].Copies() != 2 {
		t.Fatalf("untrusted clinic: %v %+v", err, got)
	}
	if creds, _ := w.Credentials(pid); len(creds) != 0 {
		t.Fatalf("an unverified record was kept before the user chose: %+v", creds)
	}
	kept, err := w.KeepUnverified(got.Unverified[0], pid)
	if err != nil || kept.Copies != 2 || !kept.Bound {
		t.Fatalf("keep anyway: %+v %v", kept, err)
	}
	if cps, err := w.Copies(kept.ID); err != nil || len(cps) != 2 || cps[0].HolderDID == cps[1].HolderDID || !cps[0].OwnKey {
		t.Fatalf("kept anyway: copies %+v %v", cps, err)
	}
	// Not an offer; an https clinic that is not there; plain http elsewhere
	// than this machine.
	if _, err := wallet.ReadOffer([]byte("shc:/5676290952432060346029243740")); problem(err) != wallet.ProblemOffer {
		t.Errorf("not an offer: %v", err)
	}
	far := *offer
	far.CredentialIssuer = "http://clinic.example"
	if _, err := w.Receive(ctx, &far, o.PIN, pid, wallet.ReceiveOptions{Client: c.client}); problem(err) != wallet.ProblemOffer {
		t.Errorf("plain http to another host: %v", err)
	}
	gone := *offer
	gone.CredentialIssuer = "https://127.0.0.1:1"
	if _, err := w.Receive(ctx, &gone, o.PIN, pid, wallet.ReceiveOptions{Client: c.client}); problem(err) != wallet.ProblemNetwork {
		t.Errorf("unreachable: %v", err)
	}
}

func TestReceiveDeferred(t *testing.T) {
	var mu sync.Mutex
	pending := true
	c := startClinic(t, service.DeliverySettings{DeferredInterval: time.Second, Pending: func(*service.Entry) bool { mu.Lock(); defer mu.Unlock(); return pending }})
	w, pid := newWallet(t, c.clock.now)
	snap, _ := c.trustFiles(t)
	w.AddTrust("clinic.json", snap)
	o := c.offer(t)
	offer, _ := wallet.ReadOffer([]byte(o.URI))
	go func() {
		time.Sleep(500 * time.Millisecond)
		mu.Lock()
		pending = false
		mu.Unlock()
	}()
	var steps []wallet.ReceiveStep
	got, err := w.Receive(context.Background(), offer, o.PIN, pid, wallet.ReceiveOptions{Client: c.client, Progress: func(s wallet.ReceiveStep) { steps = append(steps, s) }})
	if err != nil || len(got.Kept) != 1 {
		t.Fatalf("deferred: %v %+v (steps %q)", err, got, steps)
	}
	_ = oid4vci.DeferredPath
}

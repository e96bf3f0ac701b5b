package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/issuer/service"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/wallet"
	"github.com/immunopass/immunopass/wallet/store"
)

// shown is what a verifier sees of one SD-JWT presentation that could
// link it to another: the issuer's signature, the holder key in cnf, the
// disclosures' salts.
type shown struct {
	sig   string
	cnf   string
	salts []string
}

func readShown(t *testing.T, text string) shown {
	t.Helper()
	parts := strings.Split(text, "~")
	jws := strings.Split(parts[0], ".")
	if len(jws) != 3 {
		t.Fatalf("not an SD-JWT: %.60q", text)
	}
	var s shown
	s.sig = jws[2]
	payload, err := base64.RawURLEncoding.DecodeString(jws[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Cnf json.RawMessage `json:"cnf"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	s.cnf = string(claims.Cnf)
	for _, d := range parts[1 : len(parts)-1] { // the last part is the KB-JWT
		raw, err := base64.RawURLEncoding.DecodeString(d)
		if err != nil {
			t.Fatal(err)
		}
		var arr []any
		if err := json.Unmarshal(raw, &arr); err != nil || len(arr) < 2 {
			t.Fatalf("disclosure %q: %v", raw, err)
		}
		s.salts = append(s.salts, arr[0].(string))
	}
	return s
}

// TestReceiveUnlinkableCopies: a batch of 3 copies from the clinic service,
// each bound to its own key; each presentation verifies; two successive
// presentations share no signature, key or salt; the person sees one
// record; a record bound to the person's key the old way still presents;
// all of it survives closing and opening the wallet file.
func TestReceiveUnlinkableCopies(t *testing.T) {
	c := startClinic(t, service.DeliverySettings{})
	path := filepath.Join(t.TempDir(), "wallet.db")
	pass := []byte("correct horse")
	w, err := wallet.Create(path, pass, wallet.Options{Now: c.clock.now, Params: store.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.AddProfile(wallet.Profile{Given: "Amira", Family: "Haddad"})
	if err != nil {
		t.Fatal(err)
	}
	pid := p.ID
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
	got, err := w.Receive(context.Background(), offer, o.PIN, pid, wallet.ReceiveOptions{Client: c.client, Copies: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Kept) != 1 || got.Kept[0].Copies != 3 || !got.Kept[0].Bound || got.Kept[0].Status != wallet.StatusVerified {
		t.Fatalf("received %+v", got)
	}
	card := got.Kept[0]
	copies, err := w.Copies(card.ID)
	if err != nil {
		t.Fatal(err)
	}
	dids := map[string]bool{}
	for _, cp := range copies {
		if !cp.OwnKey || cp.HolderDID == "" || cp.HolderDID == p.HolderDID {
			t.Errorf("copy %+v: not bound to a key of its own", cp)
		}
		dids[cp.HolderDID] = true
	}
	if len(copies) != 3 || len(dids) != 3 {
		t.Fatalf("copies %+v: want 3 with 3 distinct keys", copies)
	}

	// The record the old way: an SD-JWT VC bound to the person's key,
	// imported from a file.
	rec, bundle, err := service.ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.svc.Issue("nurse", service.Submission{Record: rec, Bundle: bundle, Holders: []string{p.HolderDID}})
	if err != nil || len(e.SDJWT) != 1 {
		t.Fatalf("issue bound to the person's key: %v", err)
	}
	cands, err := w.Import("old.sd-jwt", []byte(e.SDJWT[0].SDJWT))
	if err != nil || len(cands) != 1 {
		t.Fatalf("import: %v", err)
	}
	old, err := w.Keep(cands[0], pid)
	if err != nil || !old.Bound || old.Copies != 1 {
		t.Fatalf("keep old-style: %+v %v", old, err)
	}

	// Views: the batch is one record, each dose listed once from it.
	check := func(w *wallet.Wallet) {
		t.Helper()
		creds, err := w.Credentials(pid)
		if err != nil {
			t.Fatal(err)
		}
		if len(creds) != 2 {
			t.Fatalf("%d records listed, want 2 (the batch once, the old one)", len(creds))
		}
		i := slices.IndexFunc(creds, func(c wallet.Credential) bool { return c.ID == card.ID })
		if i < 0 || creds[i].Copies != 3 {
			t.Fatalf("the batch is not listed once with 3 copies: %+v", creds)
		}
		groups, err := w.Immunizations(pid)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range groups {
			for _, d := range g.Doses {
				n++
				if len(d.Sources) != 2 || !slices.Contains(d.Sources, card.ID) || !slices.Contains(d.Sources, old.ID) {
					t.Errorf("%s %s from %q: want the batch once and the old record", g.Disease, d.Date, d.Sources)
				}
			}
		}
		if n == 0 {
			t.Fatal("no doses")
		}
	}
	check(w)

	ts := trust.New()
	if err := ts.Load("clinic.json", snap); err != nil {
		t.Fatal(err)
	}
	if err := ts.LoadStatus("status.jwt", status); err != nil {
		t.Fatal(err)
	}
	present := func(w *wallet.Wallet, id string) (string, shown) {
		t.Helper()
		pres, err := w.Present(wallet.PresentRequest{ProfileID: pid, Credentials: []string{id}, Preset: "full", Mode: wallet.ModeLive, To: "school"})
		if err != nil {
			t.Fatal(err)
		}
		if len(pres.Items) != 1 {
			t.Fatalf("%d items", len(pres.Items))
		}
		v := &verifier.Verifier{Trust: ts, At: c.clock.now()}
		res := v.Verify([]verifier.Input{{Name: "qr", Data: []byte(pres.Items[0].QR)}})
		if len(res) != 1 || !res[0].Valid || res[0].Binding != "live" || slices.Contains(res[0].Warnings, "not-holder-bound") {
			t.Fatalf("verifier: %+v", res)
		}
		// A refreshed live code is signed with the same copy's key.
		again, err := w.Refresh(pres)
		if err != nil {
			t.Fatal(err)
		}
		if res := v.Verify([]verifier.Input{{Name: "qr", Data: []byte(again.Items[0].QR)}}); len(res) != 1 || !res[0].Valid {
			t.Fatalf("refreshed: %+v", res)
		}
		return pres.Items[0].CredentialID, readShown(t, pres.Items[0].Text)
	}
	id1, s1 := present(w, card.ID)
	id2, s2 := present(w, card.ID)
	if id1 == id2 {
		t.Fatalf("two presentations used the same copy %s", id1)
	}
	if s1.sig == s2.sig || s1.cnf == s2.cnf || s1.cnf == "" {
		t.Errorf("two presentations share a signature or a key: %+v / %+v", s1, s2)
	}
	for _, salt := range s1.salts {
		if slices.Contains(s2.salts, salt) {
			t.Errorf("two presentations share the salt %q", salt)
		}
	}
	if len(s1.salts) == 0 || len(s2.salts) == 0 {
		t.Error("no disclosures shown")
	}
	oldID, _ := present(w, old.ID)
	if oldID != old.ID {
		t.Errorf("old-style record presented as %s", oldID)
	}

	// Closed and opened again: the copies, their keys and their counts
	// are there; the third presentation uses the third copy.
	if err := w.Lock(); err != nil {
		t.Fatal(err)
	}
	w, err = wallet.Open(path, pass, wallet.Options{Now: c.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Lock()
	check(w)
	id3, s3 := present(w, card.ID)
	if id3 == id1 || id3 == id2 || s3.cnf == s1.cnf || s3.cnf == s2.cnf {
		t.Errorf("third presentation reused a copy: %s (before %s, %s)", id3, id1, id2)
	}
	copies, _ = w.Copies(card.ID)
	for _, cp := range copies {
		if cp.Presented != 1 { // a refresh is the same presentation
			t.Errorf("copy %s presented %d times, want 1", cp.CredentialID, cp.Presented)
		}
	}
	// Removing the record removes every copy.
	if err := w.RemoveCredential(card.ID); err != nil {
		t.Fatal(err)
	}
	if creds, _ := w.Credentials(pid); len(creds) != 1 || creds[0].ID != old.ID {
		t.Errorf("after removing the batch: %+v", creds)
	}
}

// swapCopies makes the clinic's credential answer hold the first copy
// twice, as a faulty or hostile clinic might: the second is then not bound
// to the key the wallet sent for it.
type swapCopies struct{ rt http.RoundTripper }

func (s swapCopies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.rt.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/credential") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var cr map[string]any
	if json.Unmarshal(body, &cr) == nil {
		if list, ok := cr["credentials"].([]any); ok && len(list) > 1 {
			list[1] = list[0]
			body, _ = json.Marshal(cr)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestReceiveBatchFailureKeepsNothing: one bad copy in a batch keeps none.
func TestReceiveBatchFailureKeepsNothing(t *testing.T) {
	c := startClinic(t, service.DeliverySettings{})
	w, pid := newWallet(t, c.clock.now)
	snap, _ := c.trustFiles(t)
	if err := w.AddTrust("clinic.json", snap); err != nil {
		t.Fatal(err)
	}
	o := c.offer(t)
	offer, _ := wallet.ReadOffer([]byte(o.URI))
	client := *c.client
	client.Transport = swapCopies{c.client.Transport}
	_, err := w.Receive(context.Background(), offer, o.PIN, pid, wallet.ReceiveOptions{Client: &client, Copies: 3})
	var re *wallet.ReceiveError
	if !errors.As(err, &re) || re.Problem != wallet.ProblemClinic || !strings.Contains(re.Message, "nothing was kept") {
		t.Fatalf("a batch with a copy bound to another key: %v", err)
	}
	if creds, err := w.Credentials(""); err != nil || len(creds) != 0 {
		t.Errorf("kept after a failed receive: %d %v", len(creds), err)
	}
}

// BenchmarkReceiveCopies: receiving a record as wallet.DefaultCopies
// unlinkable copies (a key made and a proof signed per copy, one request,
// every copy verified and kept in one transaction) against receiving it as
// one copy, over HTTPS to the clinic service on loopback, interleaved. The
// offers are made before the clock starts.
func BenchmarkReceiveCopies(b *testing.B) {
	c := startClinic(b, service.DeliverySettings{})
	w, pid := newWallet(b, c.clock.now)
	snap, _ := c.trustFiles(b)
	if err := w.AddTrust("clinic.json", snap); err != nil {
		b.Fatal(err)
	}
	type offered struct {
		o   *oid4vci.Offer
		pin string
	}
	var offers []offered
	for range 2*b.N + 2*ratiobench.Batch {
		o := c.offer(b)
		offer, err := wallet.ReadOffer([]byte(o.URI))
		if err != nil {
			b.Fatal(err)
		}
		offers = append(offers, offered{offer, o.PIN})
	}
	receive := func(copies int) func() error {
		return func() error {
			next := offers[0]
			offers = offers[1:]
			got, err := w.Receive(context.Background(), next.o, next.pin, pid, wallet.ReceiveOptions{Client: c.client, Copies: copies})
			if err == nil && (len(got.Kept) != 1 || got.Kept[0].Copies != copies) {
				err = errors.New("not kept")
			}
			return err
		}
	}
	b.ResetTimer()
	ratiobench.Run(b, receive(wallet.DefaultCopies), receive(1))
}

package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/internal/ratiobench"
	"github.com/immunopass/immunopass/issuer/service"
)

// BenchmarkAPIIssue posts the demo record (a FHIR Bundle, 6 doses) with one
// holder key over loopback HTTP: a SMART Health Card and an SD-JWT VC
// signed, the ledger entry and audit entry committed (bbolt fsync). The
// baseline is the same issuance in process (service.Issue), so the ratio
// is the cost of HTTP, the token check and the JSON answer.
func BenchmarkAPIIssue(b *testing.B) {
	e := newEnv(b, Options{})
	tok, _, _ := e.svc.CreateToken("admin", "bench", []string{service.ScopeRecordsWrite})
	hk, _ := jose.GenerateKey()
	did := hk.Public().DIDKey()
	u := e.ts.URL + "/api/v1/records?holder=" + url.QueryEscape(did)
	body := assets.DemoRecord()
	rec, bundle, err := service.ReadRecord(body)
	if err != nil {
		b.Fatal(err)
	}
	client := e.ts.Client()
	ratiobench.Run(b, func() error {
		req, _ := http.NewRequest("POST", u, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/fhir+json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST: %s", resp.Status)
		}
		return nil
	}, func() error {
		_, err := e.svc.Issue("bench", service.Submission{Record: rec, Bundle: bundle, Holders: []string{did}})
		return err
	})
}

// BenchmarkLedgerPage is the server time of the staff ledger page with 100
// entries (the page shows the latest 100).
func BenchmarkLedgerPage(b *testing.B) {
	e := newEnv(b, Options{})
	rec, bundle, _ := service.ReadRecord(assets.DemoRecord())
	for range 100 {
		if _, err := e.svc.Issue("nurse1", service.Submission{Record: rec, Bundle: bundle}); err != nil {
			b.Fatal(err)
		}
	}
	id, _, err := e.svc.Login("127.0.0.1", "admin", adminPwd)
	if err != nil {
		b.Fatal(err)
	}
	h := e.srv.Handler()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: "session", Value: id})
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("GET /: %d", w.code)
		}
	}
}

type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(c int) { w.code = c }

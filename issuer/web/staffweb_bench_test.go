package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/issuer/service"
)

// BenchmarkCampaign10k is the campaign goal: a 10,000-person CSV (20,000
// rows) posted to the API over loopback HTTP, every row checked, every
// record signed as a SMART Health Card and committed to the ledger, until
// the job reports done. It reports s/campaign (goal ≤ 15 s). Anchoring in
// the registry is not part of the clinic service yet.
func BenchmarkCampaign10k(b *testing.B) {
	e := newEnv(b, Options{})
	tok, _, _ := e.svc.CreateToken("admin", "bench", []string{service.ScopeRecordsWrite, service.ScopeRecordsRead})
	data := campaignCSV(10000)
	client := e.ts.Client()
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/batches", strings.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var st BatchStatus
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("POST: %s", resp.Status)
		}
		// Follow the events to the end.
		req, _ = http.NewRequest("GET", e.ts.URL+"/api/v1/batches/"+st.ID+"/events", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err = client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		names, last := readEvents(b, resp.Body)
		resp.Body.Close()
		if names[len(names)-1] != "done" || last.Done != 10000 {
			b.Fatalf("campaign ended %v %+v", names, last)
		}
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/campaign")
	b.ReportMetric(10000*float64(b.N)/total.Seconds(), "records/s")
}

// BenchmarkStaffPages is the server time of the desk's pages (goal ≤ 100
// ms each) with 300 records in the ledger.
func BenchmarkStaffPages(b *testing.B) {
	e := newEnv(b, Options{})
	rec, bundle, _ := service.ReadRecord(assets.DemoRecord())
	var last string
	for i := range 300 {
		en, err := e.svc.Issue("nurse1", service.Submission{Record: rec, Bundle: bundle, PatientID: "MRN-" + string(rune('A'+i%26))})
		if err != nil {
			b.Fatal(err)
		}
		last = en.ID
	}
	id, _, err := e.svc.Login("127.0.0.1", "admin", adminPwd)
	if err != nil {
		b.Fatal(err)
	}
	h := e.srv.Handler()
	for _, p := range []string{"/", "/?lang=ar", "/patients?q=MRN-C", "/patients?q=" + strings.Fields(rec.Patient.Family)[0], "/records/new", "/records/" + last, "/batches", "/records/" + last + "/print.pdf"} {
		b.Run(strings.ReplaceAll(p, "/", "_"), func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", p, nil)
				req.AddCookie(&http.Cookie{Name: "session", Value: id})
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("GET %s: %d", p, w.code)
				}
			}
		})
	}
}

// BenchmarkPatientsAfterCampaign is the patients search (a name, then a
// clinic id) with 10,000 entries in the ledger, issued by a campaign: the
// search reads the whole ledger.
func BenchmarkPatientsAfterCampaign(b *testing.B) {
	e := newEnv(b, Options{})
	id, _, err := e.svc.Login("127.0.0.1", "admin", adminPwd)
	if err != nil {
		b.Fatal(err)
	}
	j, err := e.srv.startBatch("admin", "bench.csv", []byte(campaignCSV(10000)))
	if err != nil {
		b.Fatal(err)
	}
	for j.status("").State == jobIssuing {
		time.Sleep(50 * time.Millisecond)
	}
	if st := j.status(""); st.State != jobDone {
		b.Fatalf("campaign %+v", st)
	}
	h := e.srv.Handler()
	for _, p := range []string{"/patients?q=Pupil4242", "/patients?q=nobody", "/"} {
		b.Run(strings.ReplaceAll(p, "/", "_"), func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", p, nil)
				req.AddCookie(&http.Cookie{Name: "session", Value: id})
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("GET %s: %d", p, w.code)
				}
			}
		})
	}
}

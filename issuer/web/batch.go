package web

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/issuer"
	"github.com/immunopass/immunopass/issuer/service"
)

// Campaign batches: a CSV in the CLI's columns (issuer.CheckCampaign),
// uploaded from the staff pages or posted to the API. Every row is checked
// before anything is signed; a bad file gets the list of its problems (line,
// column, what is wrong). A good one is issued in the background in groups
// (service.IssueMany: one transaction each), its progress pushed to the page
// with server-sent events; the results are a ZIP of one PDF per patient
// (print.go) and a CSV with a line per patient.
//
// Jobs are kept in memory: a restart forgets the job (not what it issued,
// which is in the ledger and the audit log, tagged with the campaign id).

// MaxBatchBody bounds an upload: the CSV (vax.MaxCSVSize) and the form.
const MaxBatchBody = vax.MaxCSVSize + 64<<10

// BatchGroup is how many records one transaction commits (a variable for
// the tests, which watch several groups go by).
var BatchGroup = 500

// afterGroup, when set (tests), runs after each group is issued.
var afterGroup func()

// maxJobs is how many finished jobs are remembered.
const maxJobs = 50

// Job states.
const (
	jobIssuing = "issuing"
	jobDone    = "done"
	jobFailed  = "failed"
)

type batchJob struct {
	ID      string
	By      string
	File    string
	Created time.Time
	Total   int // records (people)
	Rows    int

	mu      sync.Mutex
	done    int
	state   string
	err     string
	entries []string // ledger ids, in the order of the file
	people  []batchPerson
	changed chan struct{} // closed at each change
	ended   time.Time
}

type batchPerson struct {
	Line                     int
	Family, Given, BirthDate string
}

// BatchStatus is a job's state, as the API and the events give it.
type BatchStatus struct {
	ID      string  `json:"id"`
	State   string  `json:"state"` // issuing, done, failed
	Total   int     `json:"total"` // records (people)
	Rows    int     `json:"rows"`
	Done    int     `json:"done"` // records issued
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
	Results string  `json:"results,omitempty"` // the ZIP, once done
}

func (j *batchJob) status(prefix string) BatchStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	end := j.ended
	if end.IsZero() {
		end = time.Now()
	}
	st := BatchStatus{ID: j.ID, State: j.state, Total: j.Total, Rows: j.Rows, Done: j.done, Error: j.err, Seconds: end.Sub(j.Created).Seconds()}
	if j.state == jobDone {
		st.Results = prefix + "/batches/" + j.ID + "/results.zip"
	}
	return st
}

// wait returns a channel closed at the job's next change.
func (j *batchJob) wait() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.changed
}

func (j *batchJob) update(fn func()) {
	j.mu.Lock()
	fn()
	close(j.changed)
	j.changed = make(chan struct{})
	j.mu.Unlock()
}

type batchStore struct {
	mu   sync.Mutex
	jobs map[string]*batchJob
	ids  []string // oldest first
}

func (b *batchStore) add(j *batchJob) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.jobs[j.ID] = j
	b.ids = append(b.ids, j.ID)
	for len(b.ids) > maxJobs {
		old := b.jobs[b.ids[0]]
		if old.status("").State == jobIssuing {
			break
		}
		delete(b.jobs, b.ids[0])
		b.ids = b.ids[1:]
	}
}

func (b *batchStore) get(id string) *batchJob {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.jobs[id]
}

func (b *batchStore) list() []*batchJob {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*batchJob
	for i := len(b.ids) - 1; i >= 0; i-- {
		out = append(out, b.jobs[b.ids[i]])
	}
	return out
}

func (s *Server) registerBatches() {
	s.batches = &batchStore{jobs: map[string]*batchJob{}}
	s.handle("GET /batches", 0, s.staff(service.RoleNurse, s.batchesPage))
	s.handle("POST /batches", MaxBatchBody, s.withMultipart(s.staff(service.RoleNurse, s.uploadBatch)))
	s.handle("GET /batches/{id}", 0, s.staff(service.RoleNurse, s.batchPage))
	s.handle("GET /batches/{id}/events", 0, s.staff(service.RoleNurse, s.batchEvents))
	s.handle("GET /batches/{id}/results.zip", 0, s.staff(service.RoleNurse, s.batchResults))
	s.handle("POST /api/v1/batches", MaxBatchBody, s.api(service.ScopeRecordsWrite, s.apiBatch))
	s.handle("GET /api/v1/batches/{id}", 0, s.api(service.ScopeRecordsRead, s.apiBatchStatus))
	s.handle("GET /api/v1/batches/{id}/events", 0, s.api(service.ScopeRecordsRead, s.batchEvents))
	s.handle("GET /api/v1/batches/{id}/results.zip", 0, s.api(service.ScopeRecordsRead, s.batchResults))
}

// withMultipart reads a multipart form before the staff check, which then
// finds the CSRF token in r.PostForm. Without a session cookie it reads
// nothing: the staff check refuses the request anyway.
func (s *Server) withMultipart(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, err := r.Cookie(s.cookieName("session"))
		if err == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(MaxBatchBody); err != nil {
				r.PostForm = nil // the staff check answers the unreadable form
			}
		}
		h(w, r)
	}
}

// startBatch checks a campaign file and, when it is good, starts issuing it.
func (s *Server) startBatch(by, file string, data []byte) (*batchJob, error) {
	c, err := issuer.CheckCampaign(data, s.svc.Now())
	if err != nil {
		return nil, err
	}
	j := &batchJob{ID: randomString()[:16], By: by, File: file, Created: time.Now(), Total: len(c.Records), Rows: c.Rows,
		state: jobIssuing, changed: make(chan struct{})}
	for i, rec := range c.Records {
		j.people = append(j.people, batchPerson{Line: c.Lines[i], Family: rec.Patient.Family, Given: strings.Join(rec.Patient.Given, " "), BirthDate: rec.Patient.BirthDate.String()})
	}
	s.batches.add(j)
	go s.runBatch(j, c)
	return j, nil
}

func (s *Server) runBatch(j *batchJob, c *issuer.Campaign) {
	note := "campaign " + j.ID
	if j.File != "" {
		note += " (" + j.File + ")"
	}
	for first := 0; first < len(c.Records); first += BatchGroup {
		end := min(first+BatchGroup, len(c.Records))
		subs := make([]service.Submission, 0, end-first)
		var err error
		for i := first; i < end; i++ {
			var bundle []byte
			if bundle, err = c.Records[i].FHIR(); err != nil {
				err = fmt.Errorf("record %d (line %d): %w", i+1, c.Lines[i], err)
				break
			}
			subs = append(subs, service.Submission{Record: &c.Records[i], Bundle: bundle})
		}
		var entries []*service.Entry
		if err == nil {
			entries, err = s.svc.IssueMany(j.By, note, first, subs)
		}
		if err != nil {
			s.log.Error("campaign", "job", j.ID, "err", err)
			var ie *service.InputError
			msg := "a server problem stopped the campaign"
			if errors.As(err, &ie) {
				msg = err.Error()
			}
			j.update(func() {
				j.state, j.ended = jobFailed, time.Now()
				j.err = fmt.Sprintf("%s; %d of %d records were issued before it (they are in the ledger)", msg, j.done, j.Total)
			})
			return
		}
		s.issued.Add(float64(len(entries)))
		j.update(func() {
			for _, e := range entries {
				j.entries = append(j.entries, e.ID)
			}
			j.done = end
		})
		if afterGroup != nil {
			afterGroup()
		}
	}
	j.update(func() { j.state, j.ended = jobDone, time.Now() })
	s.log.Info("campaign issued", "job", j.ID, "records", j.Total, "seconds", time.Since(j.Created).Seconds())
}

type batchesData struct {
	Problems  []issuer.RowProblem
	Truncated bool
	File      string
	Jobs      []BatchStatus
	Columns   string
}

func (s *Server) renderBatches(w http.ResponseWriter, r *http.Request, code int, d batchesData, errMsg string) {
	p := s.pageFor(r, "Campaigns")
	for _, j := range s.batches.list() {
		d.Jobs = append(d.Jobs, j.status(""))
	}
	d.Columns = "family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country,status"
	p.Data, p.Error = d, errMsg
	s.render(w, code, "batches", p)
}

func (s *Server) batchesPage(w http.ResponseWriter, r *http.Request) {
	s.renderBatches(w, r, http.StatusOK, batchesData{}, "")
}

func (s *Server) uploadBatch(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	f, hdr, err := r.FormFile("csv")
	if err != nil {
		s.renderBatches(w, r, http.StatusBadRequest, batchesData{}, "Choose the campaign's CSV file.")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, vax.MaxCSVSize+1))
	if err != nil {
		s.renderBatches(w, r, http.StatusBadRequest, batchesData{}, "The file could not be read.")
		return
	}
	j, err := s.startBatch(ss.User, clipName(hdr.Filename), data)
	var ce *issuer.CampaignError
	if errors.As(err, &ce) {
		s.renderBatches(w, r, http.StatusUnprocessableEntity, batchesData{Problems: ce.Problems, Truncated: ce.Truncated, File: hdr.Filename},
			"Nothing was issued: correct the rows listed below, then upload the file again.")
		return
	}
	if err != nil {
		s.log.Error("campaign", "err", err)
		s.renderBatches(w, r, http.StatusInternalServerError, batchesData{}, "The campaign could not be started because of a server problem.")
		return
	}
	http.Redirect(w, r, "/batches/"+j.ID, http.StatusSeeOther)
}

func (s *Server) job(w http.ResponseWriter, r *http.Request) *batchJob {
	j := s.batches.get(r.PathValue("id"))
	if j == nil {
		msg := "There is no campaign " + r.PathValue("id") + " (campaigns are forgotten when the service restarts; what they issued is in the ledger)."
		if isAPI(r) {
			outcome(w, http.StatusNotFound, "not-found", "", msg)
		} else {
			s.staffError(w, http.StatusNotFound, msg)
		}
	}
	return j
}

func (s *Server) batchPage(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	p := s.pageFor(r, "Campaign")
	p.Data = struct {
		BatchStatus
		File string
		By   string
	}{j.status(""), j.File, j.By}
	s.render(w, http.StatusOK, "batch", p)
}

// batchEvents streams a job's progress as server-sent events: a
// "progress" event (BatchStatus as JSON) at each group, at most every
// 200 ms, and a last "done" or "failed" event; a comment every 15 s keeps
// proxies from closing the stream.
func (s *Server) batchEvents(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	prefix := ""
	if isAPI(r) {
		prefix = "/api/v1"
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	send := func(st BatchStatus) bool {
		ev := "progress"
		if st.State != jobIssuing {
			ev = st.State
		}
		b, _ := json.Marshal(st)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev, b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		ch := j.wait()
		st := j.status(prefix)
		if !send(st) || st.State != jobIssuing {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := io.WriteString(w, ": still issuing\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-ch:
			time.Sleep(200 * time.Millisecond) // let groups pile up: fewer events
		}
	}
}

// batchResults streams the ZIP: campaign.csv, then one PDF per patient
// (made while streaming: the download starts at once).
func (s *Server) batchResults(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	st := j.status("")
	if st.State != jobDone {
		msg := "The campaign is not finished: its results are ready when every record is issued."
		if st.State == jobFailed {
			msg = "The campaign failed: " + st.Error
		}
		if isAPI(r) {
			outcome(w, http.StatusConflict, "conflict", "", msg)
		} else {
			s.staffError(w, http.StatusConflict, msg)
		}
		return
	}
	j.mu.Lock()
	ids, people := slices.Clone(j.entries), slices.Clone(j.people)
	j.mu.Unlock()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="campaign-`+j.ID+`.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	zw := zip.NewWriter(w)
	cf, err := zw.Create("campaign.csv")
	if err != nil {
		return
	}
	cw := csv.NewWriter(cf)
	cw.Write([]string{"n", "line", "family", "given", "birth_date", "ledger_id", "status", "pdf", "offer_link", "offer_pin"})
	files := make([]string, len(ids))
	entries := make([]*service.Entry, len(ids))
	for i, id := range ids {
		e, err := s.svc.Entry(id)
		if err != nil {
			s.log.Error("campaign results", "entry", id, "err", err)
			continue
		}
		entries[i] = e
	}
	offers, err := s.campaignOffers(requester(r), entries)
	if err != nil {
		// The download has started: the CSV says so in its columns rather
		// than failing the whole ZIP.
		s.log.Error("campaign offers", "campaign", j.ID, "err", err)
	}
	for i, e := range entries {
		if e == nil {
			continue
		}
		p := people[i]
		files[i] = fmt.Sprintf("%05d-%s.pdf", i+1, fileWord(p.Family+"-"+p.Given))
		var link, pin string
		if i < len(offers) && offers[i] != nil {
			link, pin = offers[i].Offer.URI(), offers[i].PIN
		}
		pdfName := files[i]
		if e.Status == service.StatusRevoked {
			pdfName = ""
		}
		cw.Write([]string{strconv.Itoa(i + 1), strconv.Itoa(p.Line), csvSafe(p.Family), csvSafe(p.Given), p.BirthDate, e.ID, e.Status, pdfName, link, pin})
	}
	cw.Flush()
	// The PDFs are made on every core and written in order.
	issuerName := s.svc.Config().Issuer
	workers := runtime.GOMAXPROCS(0)
	pdfs := make([]chan []byte, len(entries))
	for i := range pdfs {
		pdfs[i] = make(chan []byte, 1)
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	next := make(chan int)
	ahead := make(chan struct{}, 2*workers) // PDFs made but not yet written: bounded memory
	go func() {
		defer close(next)
		for i := range entries {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for i := range next {
				e := entries[i]
				var pdf []byte
				if e != nil && e.Status != service.StatusRevoked {
					var err error
					if pdf, err = RecordPDF(e, issuerName); err != nil {
						s.log.Error("campaign results", "entry", e.ID, "err", err)
					}
				}
				pdfs[i] <- pdf
			}
		}()
	}
	for i, e := range entries {
		var pdf []byte
		select {
		case pdf = <-pdfs[i]:
		case <-ctx.Done():
			return
		}
		<-ahead
		if pdf == nil {
			continue
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: zip.Store, Modified: e.Created})
		if err != nil {
			return
		}
		if _, err := f.Write(pdf); err != nil {
			return
		}
	}
	zw.Close()
}

// requester names who made a request for the audit log: the staff user
// or the API token.
func requester(r *http.Request) string {
	if ss, ok := r.Context().Value(sessionKey{}).(*staffSession); ok {
		return ss.User
	}
	if t, ok := r.Context().Value(tokenKey{}).(*service.Token); ok {
		return "token:" + t.ID
	}
	return "unknown"
}

// campaignOffers makes the OpenID4VCI offers of a campaign's valid
// entries for campaign.csv's offer_link and offer_pin columns (a mail
// merge: the link by one channel, the PIN by another), all in one
// transaction; nil when delivery into wallets is off. Each download of
// the results makes new offers; the earlier ones keep working until they
// expire or are used.
func (s *Server) campaignOffers(by string, entries []*service.Entry) ([]*service.OfferGrant, error) {
	if s.delivery == nil {
		return nil, nil
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		if e != nil {
			ids = append(ids, e.ID)
		}
	}
	gs, err := s.delivery.CreateCampaignOffers(by, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*service.OfferGrant, len(entries))
	k := 0
	for i, e := range entries {
		if e != nil {
			out[i] = gs[k]
			k++
		}
	}
	return out, nil
}

// clipName keeps an uploaded file's name printable and short (it goes into
// the audit log).
func clipName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		name = strings.ToValidUTF8(name[:200], "")
	}
	return name
}

// fileWord makes a name safe as a file name in a ZIP.
func fileWord(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r > 127 && b.Len() < 60:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 60 {
			break
		}
	}
	return b.String()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// The API: POST text/csv, get 202 and the job's status, or 422 and an
// OperationOutcome with one issue per problem (expression "line[N].column").
func (s *Server) apiBatch(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "text/csv") {
		outcome(w, http.StatusUnsupportedMediaType, "not-supported", "", "send the campaign as Content-Type: text/csv (the columns of issuer issue)")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if isTooLarge(err) {
			outcome(w, http.StatusRequestEntityTooLarge, "too-long", "", fmt.Sprintf("the campaign file is larger than %d bytes: split it", vax.MaxCSVSize))
			return
		}
		outcome(w, http.StatusBadRequest, "structure", "", "the request body could not be read")
		return
	}
	name := r.URL.Query().Get("name")
	if len(name) > 200 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		outcome(w, http.StatusBadRequest, "value", "name", "the file name is longer than 200 bytes or holds control characters")
		return
	}
	j, err := s.startBatch(actor(r), name, data)
	var ce *issuer.CampaignError
	if errors.As(err, &ce) {
		oo := OperationOutcome{ResourceType: "OperationOutcome"}
		for _, p := range ce.Problems {
			iss := OutcomeIssue{Severity: "error", Code: "invalid", Diagnostics: p.String()}
			expr := fmt.Sprintf("line[%d]", p.Line)
			if p.Column != "" {
				expr += "." + p.Column
			}
			iss.Expression = []string{expr}
			oo.Issue = append(oo.Issue, iss)
		}
		if ce.Truncated {
			oo.Issue = append(oo.Issue, OutcomeIssue{Severity: "error", Code: "too-costly", Diagnostics: fmt.Sprintf("more than %d problems: only the first are listed", issuer.MaxCampaignProblems)})
		}
		writeOutcome(w, http.StatusUnprocessableEntity, oo)
		return
	}
	if err != nil {
		s.log.Error("campaign", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the campaign could not be started")
		return
	}
	w.Header().Set("Location", "/api/v1/batches/"+j.ID)
	writeJSON(w, http.StatusAccepted, j.status("/api/v1"))
}

func (s *Server) apiBatchStatus(w http.ResponseWriter, r *http.Request) {
	if j := s.job(w, r); j != nil {
		writeJSON(w, http.StatusOK, j.status("/api/v1"))
	}
}

// Unwrap lets http.ResponseController reach the connection (Flush for the
// server-sent events).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/issuer"
	"github.com/immunopass/immunopass/issuer/service"
)

// registerStaffWeb adds the desk's pages: patients, the printout and
// campaign batches (batch.go).
func (s *Server) registerStaffWeb() {
	s.handle("GET /patients", 0, s.staff(service.RoleNurse, s.patientsPage))
	s.handle("GET /records/{id}/print.pdf", 0, s.staff(service.RoleNurse, s.printRecord))
	s.registerBatches()
}

// A patient is what the ledger knows of one person: the records issued to
// them. There is no patient table: the ledger is the clinic's memory, and
// a new patient is simply a first record.

// patientRow is one patient found.
type patientRow struct {
	Name, BirthDate, PatientID string
	Family, Given              string
	Records, Doses             int
	Last                       time.Time
	LastID                     string
	NewURL                     string // the record form, filled in
}

type patientsData struct {
	Query    string
	Searched bool
	Patients []patientRow
}

// MaxPatientResults bounds the patients page.
const MaxPatientResults = 50

func (s *Server) patientsPage(w http.ResponseWriter, r *http.Request) {
	p := s.pageFor(r, "Patients")
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := patientsData{Query: q, Searched: q != ""}
	if q != "" {
		// The service's patient index matches the clinic id (any case) or
		// the name, newest first.
		hits, err := s.svc.SearchPatients(q)
		if err != nil {
			s.log.Error("ledger", "err", err)
			p.Error = "The ledger could not be read."
		}
		by := map[string]*patientRow{}
		var order []string
		for _, h := range hits {
			name := strings.TrimSpace(h.Given + " " + h.Family)
			key := "id:" + h.PatientID
			if h.PatientID == "" {
				key = "name:" + strings.ToLower(name) + "\x00" + h.BirthDate
			}
			row := by[key]
			if row == nil {
				if len(order) == MaxPatientResults {
					continue
				}
				v := url.Values{"family": {h.Family}, "given": {h.Given}, "birthDate": {h.BirthDate}}
				if h.PatientID != "" {
					v.Set("patient", h.PatientID)
				}
				row = &patientRow{Name: name, BirthDate: h.BirthDate, PatientID: h.PatientID, Family: h.Family, Given: h.Given,
					Last: h.Created, LastID: h.EntryID, NewURL: "/records/new?" + v.Encode()}
				by[key] = row
				order = append(order, key)
			}
			row.Records++
			row.Doses += h.Doses
		}
		for _, k := range order {
			data.Patients = append(data.Patients, *by[k])
		}
		slices.SortStableFunc(data.Patients, func(a, b patientRow) int { return b.Last.Compare(a.Last) })
	}
	p.Data = data
	s.render(w, http.StatusOK, "patients", p)
}

// prefill fills the record form from the patients page's link.
func prefill(f *recordForm, q url.Values) {
	f.Family, f.Given, f.BirthDate, f.PatientID = q.Get("family"), q.Get("given"), q.Get("birthDate"), q.Get("patient")
}

// previewData is the page that shows what will be signed.
type previewData struct {
	Form  recordForm
	Doses []previewDose
}

type previewDose struct {
	Row                                       int
	Vaccine, Code, Date, Dose, Lot, Performer string
	Country                                   string
}

// previewStep answers the record form's "Preview" (the record as it will
// be signed) and the preview's "Change" (the form again).
func (s *Server) previewStep(w http.ResponseWriter, r *http.Request, step string, f recordForm) {
	if step == "preview" {
		s.renderPreview(w, r, f)
		return
	}
	p := s.pageFor(r, "Record and issue")
	p.Data = f
	s.render(w, http.StatusOK, "record-new", p)
}

// renderPreview shows the record as it will be signed, with the form's
// values kept in hidden fields: "Sign and issue" posts them again with
// step=issue, "Change" with step=edit.
func (s *Server) renderPreview(w http.ResponseWriter, r *http.Request, f recordForm) {
	d := previewData{Form: f}
	for i, row := range f.Doses {
		if row == (doseForm{}) {
			continue
		}
		system, code, _ := strings.Cut(row.Vaccine, "|")
		pd := previewDose{Row: i, Vaccine: vax.Display(system, code), Code: systemName(system) + " " + code, Date: row.Date, Lot: row.Lot, Performer: row.Performer, Country: strings.ToUpper(row.Country)}
		if row.Dose != "" {
			pd.Dose = row.Dose
			if row.Series != "" {
				pd.Dose += " / " + row.Series
			}
		}
		d.Doses = append(d.Doses, pd)
	}
	p := s.pageFor(r, "Check before signing")
	p.Data = d
	s.render(w, http.StatusOK, "record-preview", p)
}

func systemName(system string) string {
	if l := pickerSystems[system]; l != "" {
		return l
	}
	return system
}

// anchoring is an entry's anchoring state in words for the staff pages
// (translated by T): "not configured", "pending" or "anchored".
func anchoring(e any) string {
	var st string
	switch e := e.(type) {
	case service.Entry:
		st = e.Anchoring
	case *service.Entry:
		st = e.Anchoring
	}
	if st == "" {
		st = service.AnchorNotConfigured
	}
	return strings.ReplaceAll(st, "-", " ")
}

// qrCache keeps the QR codes of the cards shown last: drawing one takes
// tens of milliseconds and the record page is opened again at the desk
// (after printing, after revoking). A card never changes.
var qrCache = struct {
	sync.Mutex
	m map[string]template.URL
}{m: map[string]template.URL{}}

const qrCacheSize = 256

// cardQR is the data: URI of an entry's card as a QR code (SVG).
func cardQR(e *service.Entry) (template.URL, error) {
	qrCache.Lock()
	u, ok := qrCache.m[e.SHC]
	qrCache.Unlock()
	if ok {
		return u, nil
	}
	svg, err := issuer.Render(e.SHC, "card.svg")
	if err != nil {
		return "", err
	}
	u = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
	qrCache.Lock()
	if len(qrCache.m) >= qrCacheSize {
		for k := range qrCache.m { // drop any one
			delete(qrCache.m, k)
			break
		}
	}
	qrCache.m[e.SHC] = u
	qrCache.Unlock()
	return u, nil
}

package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/issuer/service"
)

// DoseRows is how many dose rows the record form offers; empty rows are
// ignored.
const DoseRows = 6

// Vaccine is one choice of the vaccine picker.
type Vaccine struct {
	Value   string // "system|code"
	Display string
}

var systemLabel = map[string]string{vax.SystemCVX: "CVX", vax.SystemSNOMED: "SNOMED CT", vax.SystemICD11: "ICD-11"}

// vaccines reads the picker from the embedded code table, CVX first.
var vaccines = sync.OnceValue(func() []Vaccine {
	r := csv.NewReader(bytes.NewReader(assets.VaccineCodes()))
	r.Comment = '#'
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		return nil
	}
	var out []Vaccine
	for _, row := range rows[1:] {
		label := systemLabel[row[0]]
		if label == "" {
			continue
		}
		out = append(out, Vaccine{Value: row[0] + "|" + row[1], Display: row[2] + " (" + label + " " + row[1] + ")"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Display < out[j].Display })
	return out
})

// doseForm is one dose row as typed.
type doseForm struct {
	Vaccine, Date, Dose, Series, Lot, Performer, Country string
}

type recordForm struct {
	Family, Given, BirthDate, PatientID string
	Doses                               []doseForm
	Vaccines                            []Vaccine
	Errors                              map[string]string // field → problem
}

func (s *Server) newRecordPage(w http.ResponseWriter, r *http.Request) {
	f := recordForm{Doses: make([]doseForm, DoseRows), Vaccines: vaccines()}
	prefill(&f, r.URL.Query())
	p := s.pageFor(r, "Record and issue")
	p.Data = f
	s.render(w, http.StatusOK, "record-new", p)
}

// readRecordForm maps the form to a record; row i of the form is
// immunization[k] of the record for the k-th non-empty row, kept in rows.
func readRecordForm(r *http.Request) (recordForm, *vax.Record, []int, map[string]string) {
	f := recordForm{Family: strings.TrimSpace(r.PostForm.Get("family")), Given: strings.TrimSpace(r.PostForm.Get("given")),
		BirthDate: strings.TrimSpace(r.PostForm.Get("birthDate")), PatientID: strings.TrimSpace(r.PostForm.Get("patient")), Vaccines: vaccines()}
	errs := map[string]string{}
	rec := &vax.Record{Patient: vax.Patient{Family: f.Family}}
	if f.Given != "" {
		rec.Patient.Given = strings.Fields(f.Given)
	}
	if d, err := vax.ParseDate(f.BirthDate); err != nil {
		errs["birthDate"] = "Enter the birth date as YYYY-MM-DD."
	} else {
		rec.Patient.BirthDate = d
	}
	var rows []int
	for i := range DoseRows {
		g := func(name string) string { return strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("%s%d", name, i))) }
		d := doseForm{Vaccine: g("vaccine"), Date: g("date"), Dose: g("dose"), Series: g("series"), Lot: g("lot"), Performer: g("performer"), Country: g("country")}
		f.Doses = append(f.Doses, d)
		if d == (doseForm{}) {
			continue
		}
		im := vax.Immunization{Status: "completed", Lot: d.Lot, Performer: d.Performer, Country: strings.ToUpper(d.Country)}
		system, code, ok := strings.Cut(d.Vaccine, "|")
		if !ok || vax.Display(system, code) == "" {
			errs[fmt.Sprintf("vaccine%d", i)] = "Choose the vaccine."
		}
		im.Vaccine = vax.Coding{System: system, Code: code}
		if dt, err := vax.ParseDate(d.Date); err != nil {
			errs[fmt.Sprintf("date%d", i)] = "Enter the date as YYYY-MM-DD."
		} else {
			im.Date = dt
		}
		for _, n := range []struct {
			name, v string
			dst     *int
		}{{"dose", d.Dose, &im.DoseNumber}, {"series", d.Series, &im.SeriesDoses}} {
			if n.v == "" {
				continue
			}
			v, err := strconv.Atoi(n.v)
			if err != nil || v < 1 || v > 20 {
				errs[fmt.Sprintf("%s%d", n.name, i)] = "Enter a number from 1 to 20."
			}
			*n.dst = v
		}
		rec.Immunizations = append(rec.Immunizations, im)
		rows = append(rows, i)
	}
	if len(rows) == 0 {
		errs["doses"] = "Record at least one dose."
	}
	return f, rec, rows, errs
}

// formField maps a validation field ("immunization[1].date") to the form's
// field name ("date3" when the second dose is on row 3).
func formField(field string, rows []int) string {
	switch {
	case field == "patient":
		return "patient"
	case strings.HasPrefix(field, "patient.name"):
		return "family"
	case strings.HasPrefix(field, "patient.birthDate"):
		return "birthDate"
	case strings.HasPrefix(field, "immunization["):
		idx, rest, _ := strings.Cut(strings.TrimPrefix(field, "immunization["), "].")
		k, err := strconv.Atoi(idx)
		if err != nil || k < 0 || k >= len(rows) {
			return "doses"
		}
		name := strings.SplitN(rest, ".", 2)[0]
		if name == "status" {
			name = "vaccine"
		}
		return fmt.Sprintf("%s%d", name, rows[k])
	}
	return "doses"
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	f, rec, rows, errs := readRecordForm(r)
	var e *service.Entry
	merge := func(err error) {
		var ies []*service.InputError
		collectInputErrors(err, &ies)
		for _, ie := range ies {
			ff := formField(ie.Field, rows)
			if errs[ff] == "" {
				errs[ff] = ie.Problem
			}
		}
		if err != nil && len(ies) == 0 {
			s.log.Error("issue", "err", err)
			errs["doses"] = "Issuing failed because of a server problem. Try again."
		}
	}
	step := r.PostForm.Get("step") // "preview", "edit" or "issue" (staffweb.go)
	if len(errs) > 0 || step == "preview" {
		// Report every problem at once, not the form's first and then the record's.
		merge(service.Validate(rec, s.svc.Now()))
	}
	if step == "edit" || step == "preview" && len(errs) == 0 {
		s.previewStep(w, r, step, f)
		return
	}
	if len(errs) == 0 {
		bundle, err := rec.FHIR()
		if err == nil {
			e, err = s.svc.Issue(ss.User, service.Submission{Record: rec, Bundle: bundle, PatientID: f.PatientID})
		}
		merge(err)
	}
	if len(errs) > 0 {
		f.Errors = errs
		p := s.pageFor(r, "Record and issue")
		p.Data = f
		p.Error = "Nothing was issued: correct the fields marked below."
		s.render(w, http.StatusUnprocessableEntity, "record-new", p)
		return
	}
	s.issued.Inc()
	http.Redirect(w, r, "/records/"+e.ID, http.StatusSeeOther)
}

func collectInputErrors(err error, out *[]*service.InputError) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			collectInputErrors(e, out)
		}
		return
	}
	var ie *service.InputError
	if errors.As(err, &ie) {
		*out = append(*out, ie)
	}
}

type recordView struct {
	Entry *service.Entry
	QR    template.URL // data: URI of the card's QR code (SVG)
}

func (s *Server) recordPage(w http.ResponseWriter, r *http.Request) {
	s.renderRecord(w, r, http.StatusOK, "", "")
}

func (s *Server) renderRecord(w http.ResponseWriter, r *http.Request, code int, errMsg, notice string) {
	e, err := s.svc.Entry(r.PathValue("id"))
	if errors.Is(err, service.ErrNotFound) {
		s.staffError(w, http.StatusNotFound, "There is no ledger entry "+r.PathValue("id")+".")
		return
	}
	if err != nil {
		s.log.Error("ledger", "err", err)
		s.staffError(w, http.StatusInternalServerError, "The ledger could not be read.")
		return
	}
	p := s.pageFor(r, "Issued record")
	v := recordView{Entry: e}
	if qr, err := cardQR(e); err == nil { // staffweb.go: cached
		v.QR = qr
	} else {
		s.log.Error("qr", "err", err)
		errMsg = "The QR code could not be drawn."
	}
	p.Data, p.Error, p.Notice = v, errMsg, notice
	s.render(w, code, "record", p)
}

func (s *Server) revokeRecord(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		s.renderRecord(w, r, http.StatusUnprocessableEntity, "Give the reason for revoking.", "")
		return
	}
	_, err := s.svc.Revoke(ss.User, r.PathValue("id"), reason)
	switch {
	case errors.Is(err, service.ErrNotFound):
		s.staffError(w, http.StatusNotFound, "There is no ledger entry "+r.PathValue("id")+".")
	case errors.Is(err, service.ErrAlreadyRevoked):
		s.renderRecord(w, r, http.StatusConflict, "This record was already revoked.", "")
	case err != nil:
		var ie *service.InputError
		if errors.As(err, &ie) {
			s.renderRecord(w, r, http.StatusUnprocessableEntity, ie.Error(), "")
			return
		}
		s.log.Error("revoke", "err", err)
		s.renderRecord(w, r, http.StatusInternalServerError, "Revoking failed because of a server problem.", "")
	default:
		s.renderRecord(w, r, http.StatusOK, "", "Revoked: every credential of this record is marked revoked in the ledger, the status list and the list of revoked card ids.")
	}
}

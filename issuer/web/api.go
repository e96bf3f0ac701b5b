package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/issuer/service"
)

type tokenKey struct{}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hmacEqual(a, b string) bool { return a != "" && hmac.Equal([]byte(a), []byte(b)) }

// OperationOutcome is the FHIR R4 resource every API error is.
type OperationOutcome struct {
	ResourceType string         `json:"resourceType"`
	Issue        []OutcomeIssue `json:"issue"`
}

// OutcomeIssue is one issue of an OperationOutcome.
type OutcomeIssue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics"`
	Expression  []string `json:"expression,omitempty"`
}

func outcome(w http.ResponseWriter, status int, code, field, msg string) {
	oo := OperationOutcome{ResourceType: "OperationOutcome", Issue: []OutcomeIssue{{Severity: "error", Code: code, Diagnostics: msg}}}
	if field != "" {
		oo.Issue[0].Expression = []string{field}
	}
	writeOutcome(w, status, oo)
}

func writeOutcome(w http.ResponseWriter, status int, oo OperationOutcome) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(oo)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// api requires a bearer API token with scope.
func (s *Server) api(scope string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		secret, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="immunopass-issuer"`)
			outcome(w, http.StatusUnauthorized, "login", "", "an API token is required: Authorization: Bearer ipt_…")
			return
		}
		t, err := s.svc.CheckToken(strings.TrimSpace(secret), scope)
		switch {
		case errors.Is(err, service.ErrScope):
			w.Header().Set("WWW-Authenticate", `Bearer realm="immunopass-issuer", error="insufficient_scope", scope="`+scope+`"`)
			outcome(w, http.StatusForbidden, "forbidden", "", "the API token "+t.ID+" does not have the scope "+scope)
			return
		case err != nil && errors.Is(err, service.ErrBadToken):
			w.Header().Set("WWW-Authenticate", `Bearer realm="immunopass-issuer", error="invalid_token"`)
			outcome(w, http.StatusUnauthorized, "login", "", "unknown or revoked API token")
			return
		case err != nil:
			s.log.Error("token", "err", err)
			outcome(w, http.StatusInternalServerError, "exception", "", "the token store failed")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, t)))
	}
}

func actor(r *http.Request) string {
	return "token:" + r.Context().Value(tokenKey{}).(*service.Token).ID
}

// RecordResponse is the API's view of a ledger entry.
type RecordResponse struct {
	ID               string          `json:"id"`
	Status           string          `json:"status"`
	Created          string          `json:"created"`
	KID              string          `json:"kid"`
	Doses            int             `json:"doses"`
	PatientID        string          `json:"patientId,omitempty"`
	SmartHealthCard  string          `json:"smartHealthCard"`
	RID              string          `json:"rid"`
	SDJWTVC          []SDJWTResponse `json:"sdJwtVc"`
	Anchoring        string          `json:"anchoring"`
	RevocationReason string          `json:"revocationReason,omitempty"`
	SuspensionReason string          `json:"suspensionReason,omitempty"`
	StatusChanged    string          `json:"statusChanged,omitempty"`
}

// SDJWTResponse is one SD-JWT VC.
type SDJWTResponse struct {
	SDJWT     string `json:"sdJwt"`
	StatusURI string `json:"statusUri"`
	Index     int    `json:"statusIndex"`
}

func recordResponse(e *service.Entry) RecordResponse {
	rr := RecordResponse{ID: e.ID, Status: e.Status, Created: e.Created.UTC().Format("2006-01-02T15:04:05Z"), KID: e.KID, Doses: e.Doses, PatientID: e.PatientID,
		SmartHealthCard: e.SHC, RID: e.RID, SDJWTVC: []SDJWTResponse{}, Anchoring: e.Anchoring}
	switch e.Status {
	case service.StatusRevoked:
		rr.RevocationReason = e.Reason
	case service.StatusSuspended:
		rr.SuspensionReason = e.Reason
	}
	if rr.Anchoring == "" {
		rr.Anchoring = service.AnchorNotConfigured
	}
	if !e.Changed.IsZero() {
		rr.StatusChanged = e.Changed.UTC().Format("2006-01-02T15:04:05Z")
	}
	for _, sd := range e.SDJWT {
		rr.SDJWTVC = append(rr.SDJWTVC, SDJWTResponse{SDJWT: sd.SDJWT, StatusURI: sd.StatusURI, Index: sd.Index})
	}
	return rr
}

// inputOutcome turns a service error into an OperationOutcome with one
// issue per field.
func (s *Server) inputOutcome(w http.ResponseWriter, err error) {
	var ies []*service.InputError
	var walk func(error)
	walk = func(err error) {
		var ie *service.InputError
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		} else if errors.As(err, &ie) {
			ies = append(ies, ie)
		}
	}
	walk(err)
	if len(ies) == 0 {
		s.log.Error("api", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the record could not be issued because of a server problem")
		return
	}
	oo := OperationOutcome{ResourceType: "OperationOutcome"}
	for _, ie := range ies {
		is := OutcomeIssue{Severity: "error", Code: "invalid", Diagnostics: ie.Error()}
		if ie.Field != "" {
			is.Expression = []string{ie.Field}
		}
		oo.Issue = append(oo.Issue, is)
	}
	writeOutcome(w, http.StatusUnprocessableEntity, oo)
}

func (s *Server) apiIssue(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/fhir+json") {
		outcome(w, http.StatusUnsupportedMediaType, "not-supported", "", "send application/fhir+json (a Bundle) or application/json (record JSON), not "+ct)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if isTooLarge(err) {
			outcome(w, http.StatusRequestEntityTooLarge, "too-long", "", "the record is larger than the limit")
			return
		}
		outcome(w, http.StatusBadRequest, "structure", "", "the request body could not be read")
		return
	}
	rec, bundle, err := service.ReadRecord(body)
	if err != nil {
		s.inputOutcome(w, err)
		return
	}
	q := r.URL.Query()
	sub := service.Submission{Record: rec, Bundle: bundle, Holders: q["holder"], PatientID: q.Get("patient")}
	var e *service.Entry
	replay := false
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		request := append(append([]byte(sub.PatientID+"\n"+strings.Join(sub.Holders, "\n")), 0), body...)
		e, replay, err = s.svc.IssueOnce(actor(r), key, request, sub)
	} else {
		e, err = s.svc.Issue(actor(r), sub)
	}
	if errors.Is(err, service.ErrIdempotencyMismatch) {
		outcome(w, http.StatusUnprocessableEntity, "conflict", "Idempotency-Key", err.Error())
		return
	}
	if errors.Is(err, service.ErrNoActiveKey) {
		outcome(w, http.StatusServiceUnavailable, "business-rule", "", "nothing can be issued: "+err.Error())
		return
	}
	if err != nil {
		s.inputOutcome(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/records/"+e.ID)
	if replay {
		writeJSON(w, http.StatusOK, recordResponse(e))
		return
	}
	s.issued.Inc()
	writeJSON(w, http.StatusCreated, recordResponse(e))
}

// RecordList is the answer of GET /api/v1/records.
type RecordList struct {
	Records []RecordResponse `json:"records"`
}

// MaxList bounds a ledger search's answer.
const MaxList = 500

// parseFilter reads a ledger search from query parameters: patient,
// status, since and until (YYYY-MM-DD or RFC 3339), limit.
func parseFilter(q url.Values) (service.Filter, *service.InputError) {
	f := service.Filter{PatientID: q.Get("patient"), Status: q.Get("status"), Limit: MaxList}
	switch f.Status {
	case "", service.StatusValid, service.StatusRevoked, service.StatusSuspended:
	default:
		return f, &service.InputError{Field: "status", Problem: fmt.Sprintf("%q: want valid, revoked or suspended", f.Status)}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return f, &service.InputError{Field: p.name, Problem: fmt.Sprintf("%q: want YYYY-MM-DD or an RFC 3339 time", v)}
			}
		}
		*p.dst = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxList {
			return f, &service.InputError{Field: "limit", Problem: fmt.Sprintf("%q: want 1 to %d", v, MaxList)}
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request) {
	f, ie := parseFilter(r.URL.Query())
	if ie != nil {
		outcome(w, http.StatusBadRequest, "invalid", ie.Field, ie.Error())
		return
	}
	entries, err := s.svc.Find(f)
	if err != nil {
		s.log.Error("ledger", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the ledger could not be read")
		return
	}
	out := RecordList{Records: []RecordResponse{}}
	for i := range entries {
		out.Records = append(out.Records, recordResponse(&entries[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGet(w http.ResponseWriter, r *http.Request) {
	e, err := s.svc.Entry(r.PathValue("id"))
	if errors.Is(err, service.ErrNotFound) {
		outcome(w, http.StatusNotFound, "not-found", "id", "no ledger entry "+r.PathValue("id"))
		return
	}
	if err != nil {
		s.log.Error("ledger", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the ledger could not be read")
		return
	}
	writeJSON(w, http.StatusOK, recordResponse(e))
}

// RevokeRequest is the optional body of a revocation.
type RevokeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) {
	var req RevokeRequest
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if isTooLarge(err) {
			outcome(w, http.StatusRequestEntityTooLarge, "too-long", "", "the request is larger than the limit")
			return
		}
		outcome(w, http.StatusBadRequest, "structure", "", "the request body could not be read")
		return
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			outcome(w, http.StatusBadRequest, "structure", "reason", "want {\"reason\": \"…\"}: "+strings.TrimPrefix(err.Error(), "json: "))
			return
		}
	}
	e, err := s.svc.Revoke(actor(r), r.PathValue("id"), req.Reason)
	switch {
	case errors.Is(err, service.ErrNotFound):
		outcome(w, http.StatusNotFound, "not-found", "id", "no ledger entry "+r.PathValue("id"))
	case errors.Is(err, service.ErrAlreadyRevoked):
		outcome(w, http.StatusConflict, "conflict", "id", "ledger entry "+r.PathValue("id")+" is already revoked (revocation is final)")
	case err != nil:
		s.inputOutcome(w, err)
	default:
		writeJSON(w, http.StatusOK, recordResponse(e))
	}
}

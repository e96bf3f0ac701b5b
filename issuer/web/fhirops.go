package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/immunopass/immunopass/issuer/service"
)

// registerFHIROps adds the SMART Health Cards routes
// (/.well-known/smart-configuration, $health-cards-issue), suspension and
// reinstatement (API and staff pages) and the anchoring status.
func (s *Server) registerFHIROps() {
	s.handle("GET /.well-known/smart-configuration", 0, s.smartConfiguration)
	s.handle("POST /fhir/Patient/{id}/$health-cards-issue", service.MaxParametersSize, s.api(service.ScopeRecordsRead, s.healthCardsIssue))
	s.handle("POST /api/v1/records/{id}/suspend", MaxFormBody, s.api(service.ScopeRecordsRevoke, s.apiStatusChange(s.svc.Suspend)))
	s.handle("POST /api/v1/records/{id}/reinstate", MaxFormBody, s.api(service.ScopeRecordsRevoke, s.apiStatusChange(s.svc.Reinstate)))
	s.handle("GET /api/v1/anchoring", 0, s.api(service.ScopeRecordsRead, s.apiAnchoring))
	s.handle("POST /records/{id}/suspend", MaxFormBody, s.staff(service.RoleAdmin, s.staffStatusChange(s.svc.Suspend, "Suspended: the SD-JWT VCs of this record show as suspended to verifiers until it is reinstated. The SMART Health Card has no suspension: revoke the record if the card must stop verifying.")))
	s.handle("POST /records/{id}/reinstate", MaxFormBody, s.staff(service.RoleAdmin, s.staffStatusChange(s.svc.Reinstate, "Reinstated: every credential of this record is valid again.")))
	s.registerKeys()
	s.metrics.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "issuer_group_commits_total", Help: "Group commits of issuances (each: one outbox file and one bbolt transaction)."},
			func() float64 { return float64(s.svc.Groups()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "issuer_anchoring_queued", Help: "Credentials waiting in the outbox to be anchored in the registry."},
			func() float64 {
				st, err := s.svc.Anchoring()
				if err != nil {
					return -1
				}
				return float64(st.Queued)
			}))
}

// SMARTConfiguration is /.well-known/smart-configuration: the SMART
// Health Cards "health-cards" capability, and where the issuer's keys are.
// The service has no SMART authorization server: the operation takes the
// clinic's API tokens.
type SMARTConfiguration struct {
	Issuer       string   `json:"issuer"`
	JWKSURI      string   `json:"jwks_uri"`
	Capabilities []string `json:"capabilities"`
	// TokenAuth says how clients authenticate (a clinic API token with
	// the records:read scope, sent as a bearer token).
	TokenAuth []string `json:"token_endpoint_auth_methods_supported"`
}

func (s *Server) smartConfiguration(w http.ResponseWriter, r *http.Request) {
	iss := s.svc.Config().Issuer
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	json.NewEncoder(w).Encode(SMARTConfiguration{Issuer: iss, JWKSURI: iss + service.JWKSPath, Capabilities: []string{"health-cards"}, TokenAuth: []string{}})
}

// Parameters is a FHIR R4 Parameters resource as the operation answers it.
type Parameters struct {
	ResourceType string      `json:"resourceType"`
	Parameter    []Parameter `json:"parameter,omitempty"`
}

// Parameter is one parameter of a Parameters resource.
type Parameter struct {
	Name        string `json:"name"`
	ValueString string `json:"valueString,omitempty"`
}

func (s *Server) healthCardsIssue(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/fhir+json") && !strings.HasPrefix(ct, "application/json") {
		outcome(w, http.StatusUnsupportedMediaType, "not-supported", "", "send a FHIR Parameters resource as application/fhir+json, not "+ct)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if isTooLarge(err) {
			outcome(w, http.StatusRequestEntityTooLarge, "too-long", "", "the Parameters resource is larger than the limit")
			return
		}
		outcome(w, http.StatusBadRequest, "structure", "", "the request body could not be read")
		return
	}
	req, err := service.ParseHealthCardsRequest(body)
	if err != nil {
		s.inputOutcome(w, err)
		return
	}
	cards, err := s.svc.HealthCards(r.PathValue("id"), req)
	if errors.Is(err, service.ErrNotFound) {
		outcome(w, http.StatusNotFound, "not-found", "id", err.Error())
		return
	}
	if err != nil {
		s.inputOutcome(w, err)
		return
	}
	// Each card holds its own Patient (resource:0); the service hosts no
	// FHIR resources of its own, so there is no resourceLink to give.
	out := Parameters{ResourceType: "Parameters"}
	for _, c := range cards {
		out.Parameter = append(out.Parameter, Parameter{Name: "verifiableCredential", ValueString: c})
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(out)
}

// readReason reads the optional {"reason": "…"} body of a status change;
// false when it answered an error.
func readReason(w http.ResponseWriter, r *http.Request) (string, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if isTooLarge(err) {
			outcome(w, http.StatusRequestEntityTooLarge, "too-long", "", "the request is larger than the limit")
			return "", false
		}
		outcome(w, http.StatusBadRequest, "structure", "", "the request body could not be read")
		return "", false
	}
	var req RevokeRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			outcome(w, http.StatusBadRequest, "structure", "reason", "want {\"reason\": \"…\"}: "+strings.TrimPrefix(err.Error(), "json: "))
			return "", false
		}
	}
	return req.Reason, true
}

type statusChange func(by, id, reason string) (*service.Entry, error)

func (s *Server) apiStatusChange(change statusChange) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reason, ok := readReason(w, r)
		if !ok {
			return
		}
		id := r.PathValue("id")
		e, err := change(actor(r), id, reason)
		switch {
		case errors.Is(err, service.ErrNotFound):
			outcome(w, http.StatusNotFound, "not-found", "id", "no ledger entry "+id)
		case errors.Is(err, service.ErrNotValid), errors.Is(err, service.ErrNotSuspended):
			outcome(w, http.StatusConflict, "conflict", "id", err.Error())
		case err != nil:
			s.inputOutcome(w, err)
		default:
			writeJSON(w, http.StatusOK, recordResponse(e))
		}
	}
}

func (s *Server) staffStatusChange(change statusChange, notice string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss := r.Context().Value(sessionKey{}).(*staffSession)
		id := r.PathValue("id")
		_, err := change(ss.User, id, r.PostForm.Get("reason"))
		var ie *service.InputError
		switch {
		case errors.Is(err, service.ErrNotFound):
			s.staffError(w, http.StatusNotFound, "There is no ledger entry "+id+".")
		case errors.Is(err, service.ErrNotValid):
			s.renderRecord(w, r, http.StatusConflict, "Only a valid record can be suspended.", "")
		case errors.Is(err, service.ErrNotSuspended):
			s.renderRecord(w, r, http.StatusConflict, "Only a suspended record can be reinstated.", "")
		case errors.As(err, &ie):
			s.renderRecord(w, r, http.StatusUnprocessableEntity, ie.Error(), "")
		case err != nil:
			s.log.Error("status change", "err", err)
			s.renderRecord(w, r, http.StatusInternalServerError, "The change failed because of a server problem; nothing was changed in the ledger.", "")
		default:
			s.renderRecord(w, r, http.StatusOK, "", notice)
		}
	}
}

func (s *Server) apiAnchoring(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.Anchoring()
	if err != nil {
		s.log.Error("anchoring", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the outbox could not be read")
		return
	}
	writeJSON(w, http.StatusOK, st)
}

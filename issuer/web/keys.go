package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/immunopass/immunopass/issuer/service"
)

// registerKeys adds key rotation: the EMR API (scope keys:manage) and the
// administrators' keys page.
func (s *Server) registerKeys() {
	s.handle("GET /api/v1/keys", 0, s.api(service.ScopeKeys, s.apiKeys))
	s.handle("POST /api/v1/keys", MaxFormBody, s.api(service.ScopeKeys, s.apiCreateKey))
	s.handle("POST /api/v1/keys/{kid}/activate", MaxFormBody, s.api(service.ScopeKeys, s.apiActivateKey))
	s.handle("POST /api/v1/keys/{kid}/compromise", MaxFormBody, s.api(service.ScopeKeys, s.apiCompromiseKey))
	s.handle("GET /admin/keys", 0, s.staff(service.RoleAdmin, s.keysPage))
	s.handle("POST /admin/keys", MaxFormBody, s.staff(service.RoleAdmin, s.createKeyForm))
	s.handle("POST /admin/keys/{kid}/{action}", MaxFormBody, s.staff(service.RoleAdmin, s.changeKeyForm))
}

// KeyList is the answer of GET /api/v1/keys.
type KeyList struct {
	Active string            `json:"active"` // "" when no key signs (after a compromise)
	Keys   []service.KeyInfo `json:"keys"`
}

// CompromiseRequest is the optional body of a compromise report.
type CompromiseRequest struct {
	At string `json:"at"` // RFC 3339; default now
}

// CompromiseResponse answers a compromise report.
type CompromiseResponse struct {
	Key service.KeyInfo `json:"key"`
	// RegistryCommand is what the registry's administrator runs to record
	// the compromise in the registry (which decides what stays valid).
	RegistryCommand string `json:"registryCommand"`
}

func (s *Server) apiKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.svc.Keys()
	if err != nil {
		s.log.Error("keys", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the key list could not be read")
		return
	}
	writeJSON(w, http.StatusOK, KeyList{Active: s.svc.KID(), Keys: keys})
}

func (s *Server) apiCreateKey(w http.ResponseWriter, r *http.Request) {
	ki, err := s.svc.CreateKey(actor(r))
	if err != nil {
		s.log.Error("create key", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the key could not be created")
		return
	}
	w.Header().Set("Location", "/api/v1/keys")
	writeJSON(w, http.StatusCreated, ki)
}

// keyError answers a key action's error; false when there was none.
func (s *Server) keyError(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, service.ErrNotFound):
		outcome(w, http.StatusNotFound, "not-found", "kid", err.Error())
	case errors.Is(err, service.ErrKeyState), errors.Is(err, service.ErrNotRegistered):
		outcome(w, http.StatusConflict, "business-rule", "kid", err.Error())
	default:
		var ie *service.InputError
		if errors.As(err, &ie) {
			outcome(w, http.StatusUnprocessableEntity, "invalid", ie.Field, ie.Error())
			return true
		}
		s.log.Error("key", "err", err)
		outcome(w, http.StatusBadGateway, "transient", "", err.Error())
	}
	return true
}

func (s *Server) apiActivateKey(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	ki, err := s.svc.ActivateKey(ctx, actor(r), r.PathValue("kid"))
	if s.keyError(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, ki)
}

func (s *Server) apiCompromiseKey(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		outcome(w, http.StatusBadRequest, "structure", "", "the request body could not be read")
		return
	}
	var req CompromiseRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			outcome(w, http.StatusBadRequest, "structure", "at", "want {\"at\": \"RFC 3339 time\"}: "+strings.TrimPrefix(err.Error(), "json: "))
			return
		}
	}
	at, ok := parseAt(w, req.At)
	if !ok {
		return
	}
	ki, report, err := s.svc.CompromiseKey(actor(r), r.PathValue("kid"), at)
	if s.keyError(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, CompromiseResponse{Key: *ki, RegistryCommand: report})
}

func parseAt(w http.ResponseWriter, v string) (time.Time, bool) {
	if strings.TrimSpace(v) == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		outcome(w, http.StatusUnprocessableEntity, "invalid", "at", "\""+v+"\": want an RFC 3339 time such as 2026-12-07T09:00:00Z")
		return time.Time{}, false
	}
	return t, true
}

type keysView struct {
	Active string
	Keys   []service.KeyInfo
	Report string // the registry command after a compromise report
}

func (s *Server) keysPage(w http.ResponseWriter, r *http.Request) {
	s.renderKeys(w, r, http.StatusOK, "", "", "")
}

func (s *Server) renderKeys(w http.ResponseWriter, r *http.Request, code int, errMsg, notice, report string) {
	p := s.pageFor(r, "Signing keys")
	keys, err := s.svc.Keys()
	if err != nil {
		s.log.Error("keys", "err", err)
		errMsg = "The key list could not be read."
	}
	p.Data, p.Error, p.Notice = keysView{Active: s.svc.KID(), Keys: keys, Report: report}, errMsg, notice
	s.render(w, code, "keys", p)
}

func (s *Server) createKeyForm(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	ki, err := s.svc.CreateKey(ss.User)
	if err != nil {
		s.log.Error("create key", "err", err)
		s.renderKeys(w, r, http.StatusInternalServerError, "The key could not be created because of a server problem.", "", "")
		return
	}
	s.renderKeys(w, r, http.StatusCreated, "", "Key "+ki.KID+" created and published in the JWKS. It signs nothing yet: have the registry register it, then activate it.", "")
}

func (s *Server) changeKeyForm(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	kid := r.PathValue("kid")
	var err error
	notice, report := "", ""
	switch r.PathValue("action") {
	case "activate":
		ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
		defer cancel()
		_, err = s.svc.ActivateKey(ctx, ss.User, kid)
		notice = "Key " + kid + " now signs every new credential. The previous key is retired: it signs nothing more and keeps verifying what it signed."
	case "compromise":
		var at time.Time
		if v := strings.TrimSpace(r.PostForm.Get("at")); v != "" {
			if at, err = time.Parse(time.RFC3339, v); err != nil {
				s.renderKeys(w, r, http.StatusUnprocessableEntity, "Compromised since: want a time such as 2026-12-07T09:00:00Z.", "", "")
				return
			}
		}
		_, report, err = s.svc.CompromiseKey(ss.User, kid, at)
		notice = "Key " + kid + " is reported compromised: it signs nothing more and has left the JWKS. Send the registry the command below; the registry decides what stays valid."
	default:
		s.staffError(w, http.StatusNotFound, "Unknown key action.")
		return
	}
	var ie *service.InputError
	switch {
	case err == nil:
		s.renderKeys(w, r, http.StatusOK, "", notice, report)
	case errors.Is(err, service.ErrNotFound):
		s.staffError(w, http.StatusNotFound, "There is no key "+kid+".")
	case errors.Is(err, service.ErrKeyState), errors.Is(err, service.ErrNotRegistered):
		s.renderKeys(w, r, http.StatusConflict, err.Error(), "", "")
	case errors.As(err, &ie):
		s.renderKeys(w, r, http.StatusUnprocessableEntity, ie.Error(), "", "")
	default:
		s.log.Error("key", "err", err)
		s.renderKeys(w, r, http.StatusBadGateway, "The registry could not be asked: "+err.Error(), "", "")
	}
}

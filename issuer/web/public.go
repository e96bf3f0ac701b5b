package web

import (
	"net/http"
	"strings"
)

// The files verifiers fetch: public, cacheable for a short while, readable
// from any origin (the SMART Health Cards spec asks issuers to allow CORS on
// the JWKS).
func publicHeaders(w http.ResponseWriter, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=300")
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	data, err := s.svc.JWKS()
	if err != nil {
		s.log.Error("jwks", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the key set could not be read")
		return
	}
	publicHeaders(w, "application/json")
	w.Write(data)
}

func (s *Server) crl(w http.ResponseWriter, r *http.Request) {
	kid, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	data, err := s.svc.CRL(kid)
	if err != nil {
		s.log.Error("crl", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the CRL could not be read")
		return
	}
	if !ok || data == nil {
		outcome(w, http.StatusNotFound, "not-found", "kid", "no CRL for this key (it has revoked nothing, or is not this issuer's)")
		return
	}
	publicHeaders(w, "application/json")
	w.Write(data)
}

func (s *Server) statusList(w http.ResponseWriter, r *http.Request) {
	tok, err := s.svc.StatusToken()
	if err != nil {
		s.log.Error("status list", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the status list could not be signed")
		return
	}
	publicHeaders(w, "application/statuslist+jwt")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write([]byte(tok))
}

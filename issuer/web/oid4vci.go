package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/issuer/service"
)

// OpenID4VCI delivery into the wallet: the credential issuer and
// authorization server metadata, the token, nonce, credential and deferred
// credential endpoints (the pre-authorized code flow with a PIN), the
// staff's "Send to wallet" and the EMR's offer route. The logic is in
// issuer/service (Delivery) and the wire format in credential/oid4vci.

// oid4vciRoutes registers the routes; a nil delivery (the service could
// not open its bucket) leaves them out, with a log line.
func (s *Server) oid4vciRoutes(set service.DeliverySettings) {
	d, err := s.svc.Delivery(set)
	if err != nil {
		s.log.Error("oid4vci: delivery into wallets is off", "err", err)
		return
	}
	s.delivery = d
	iss := s.svc.Config().Issuer
	meta := oid4vci.NewIssuerMetadata(iss, oid4vci.MetadataOptions{Name: set.Name, Deferred: true}).JSON()
	asMeta := oid4vci.NewServerMetadata(iss).JSON()
	s.handle("GET "+oid4vci.IssuerMetadataPath, 0, func(w http.ResponseWriter, r *http.Request) {
		publicHeaders(w, "application/json")
		w.Write(meta)
	})
	s.handle("GET "+oid4vci.ServerMetadataPath, 0, func(w http.ResponseWriter, r *http.Request) {
		publicHeaders(w, "application/json")
		w.Write(asMeta)
	})
	h := &oidHandlers{s: s, d: d, iss: iss}
	// The outer limit is one byte more than oauthBody's, so that a body over
	// the limit gets an OAuth error rather than the staff pages' one.
	s.handle("POST "+oid4vci.TokenPath, oid4vci.MaxBody+1, oauthBody(h.token))
	s.handle("POST "+oid4vci.NoncePath, oid4vci.MaxBody+1, oauthBody(h.nonce))
	s.handle("POST "+oid4vci.CredentialPath, oid4vci.MaxBody+1, oauthBody(h.credential))
	s.handle("POST "+oid4vci.DeferredPath, oid4vci.MaxBody+1, oauthBody(h.deferred))
	s.handle("POST /records/{id}/offer", MaxFormBody, s.staff(service.RoleNurse, h.staffOffer))
	s.handle("POST /api/v1/records/{id}/offer", MaxFormBody, s.api(service.ScopeRecordsWrite, h.apiOffer))
}

// oauthBody limits the request body to oid4vci.MaxBody, answering with an
// OAuth error when it is larger (declared or read).
func oauthBody(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > oid4vci.MaxBody {
			oauthError(w, tooLargeError())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, oid4vci.MaxBody)
		h(w, r)
	}
}

func tooLargeError() *oid4vci.Error {
	return &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Status: http.StatusRequestEntityTooLarge,
		Description: "the request body is larger than " + strconv.Itoa(oid4vci.MaxBody) + " bytes"}
}

type oidHandlers struct {
	s   *Server
	d   *service.Delivery
	iss string
}

// oauthError answers with an OAuth error body (no-store, as RFC 6749
// §5.1 asks of every token endpoint answer).
func oauthError(w http.ResponseWriter, e *oid4vci.Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+strings.ReplaceAll(e.Description, `"`, "'")+`"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(e.JSON())
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if isTooLarge(err) {
		oauthError(w, tooLargeError())
		return nil, false
	}
	if err != nil {
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Description: "the request body was cut off"})
		return nil, false
	}
	return body, true
}

// grantErrors maps the service's refusals to invalid_grant descriptions a
// wallet can show.
var grantErrors = []struct {
	err  error
	desc string
}{
	{service.ErrWrongPIN, oid4vci.DescWrongPIN},
	{service.ErrPINMissing, oid4vci.DescPINMissing},
	{service.ErrOfferUsed, oid4vci.DescUsed},
	{service.ErrOfferExpired, oid4vci.DescExpired},
	{service.ErrOfferBurned, oid4vci.DescBlocked},
	{service.ErrOfferUnknown, oid4vci.DescUnknown},
}

func (h *oidHandlers) token(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Description: "send the token request as application/x-www-form-urlencoded"})
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	req, err := oid4vci.ParseTokenRequest(body)
	if err != nil {
		oauthError(w, err.(*oid4vci.Error))
		return
	}
	tok, ttl, err := h.d.Redeem(req.Code, req.TxCode)
	if err != nil {
		for _, g := range grantErrors {
			if errors.Is(err, g.err) {
				oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidGrant, Description: g.desc})
				return
			}
		}
		h.s.log.Error("oid4vci token", "err", err)
		oauthError(w, &oid4vci.Error{Code: "server_error", Status: http.StatusInternalServerError, Description: "the clinic's server failed; try again"})
		return
	}
	writeJSON(w, http.StatusOK, oid4vci.TokenResponse{AccessToken: tok, TokenType: oid4vci.TokenTypeBearer, ExpiresIn: int(ttl / time.Second)})
}

func (h *oidHandlers) nonce(w http.ResponseWriter, r *http.Request) {
	n, err := h.d.NewNonce()
	if err != nil {
		h.s.log.Error("oid4vci nonce", "err", err)
		oauthError(w, &oid4vci.Error{Code: "server_error", Status: http.StatusInternalServerError, Description: "the clinic's server failed; try again"})
		return
	}
	writeJSON(w, http.StatusOK, oid4vci.NonceResponse{CNonce: n})
}

func bearer(r *http.Request) (string, *oid4vci.Error) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		if strings.HasPrefix(auth, "DPoP ") {
			return "", &oid4vci.Error{Code: oid4vci.ErrInvalidRequest, Status: http.StatusBadRequest, Description: "DPoP is not supported; use the Bearer access token"}
		}
		return "", &oid4vci.Error{Code: oid4vci.ErrInvalidToken, Status: http.StatusUnauthorized, Description: "the access token from the token endpoint is required: Authorization: Bearer …"}
	}
	if len(tok) > oid4vci.MaxCodeSize {
		return "", &oid4vci.Error{Code: oid4vci.ErrInvalidToken, Status: http.StatusUnauthorized, Description: "access token too long"}
	}
	return strings.TrimSpace(tok), nil
}

func (h *oidHandlers) credential(w http.ResponseWriter, r *http.Request) {
	tok, e := bearer(r)
	if e != nil {
		oauthError(w, e)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if err := h.d.CheckToken(tok); errors.Is(err, service.ErrBadAccessToken) {
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidToken, Status: http.StatusUnauthorized, Description: "the access token is unknown, expired or already used"})
		return
	} else if err != nil {
		h.s.log.Error("oid4vci credential", "err", err)
		oauthError(w, &oid4vci.Error{Code: "server_error", Status: http.StatusInternalServerError, Description: "the clinic's server failed; try again"})
		return
	}
	req, err := oid4vci.ParseCredentialRequest(body, []string{oid4vci.ConfigSDJWT})
	if err != nil {
		oauthError(w, err.(*oid4vci.Error))
		return
	}
	now := h.s.svc.Now()
	nonces := map[string]bool{}
	var keys []*jose.Key
	var list []string
	for i, p := range req.Proofs {
		pr, err := oid4vci.VerifyProof(i, p, h.iss, now)
		if err != nil {
			oauthError(w, err.(*oid4vci.Error))
			return
		}
		keys = append(keys, pr.Key)
		if !nonces[pr.Nonce] {
			nonces[pr.Nonce] = true
			list = append(list, pr.Nonce)
		}
	}
	res, err := h.d.Issue(tok, list, keys)
	switch {
	case errors.Is(err, service.ErrBadAccessToken):
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidToken, Status: http.StatusUnauthorized, Description: "the access token is unknown, expired or already used"})
	case errors.Is(err, service.ErrBadNonce):
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidNonce, Description: "the proof's nonce is not one this issuer handed out, or it expired or was used; get a new one from the nonce endpoint"})
	case errors.Is(err, service.ErrNotDeliverable):
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrCredentialReqDenied, Description: "this record was revoked or suspended by the clinic"})
	case err != nil:
		h.s.log.Error("oid4vci credential", "err", err)
		oauthError(w, &oid4vci.Error{Code: "server_error", Status: http.StatusInternalServerError, Description: "the clinic's server failed to sign; try again"})
	case res.TransactionID != "":
		writeJSON(w, http.StatusAccepted, oid4vci.CredentialResponse{TransactionID: res.TransactionID, Interval: int(h.d.Settings().DeferredInterval / time.Second)})
	default:
		h.s.issued.Inc()
		writeJSON(w, http.StatusOK, credentialResponse(res.Credentials))
	}
}

func credentialResponse(creds []string) oid4vci.CredentialResponse {
	var out oid4vci.CredentialResponse
	for _, c := range creds {
		out.Credentials = append(out.Credentials, oid4vci.IssuedCredential{Credential: c})
	}
	return out
}

func (h *oidHandlers) deferred(w http.ResponseWriter, r *http.Request) {
	tok, e := bearer(r)
	if e != nil {
		oauthError(w, e)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	id, err := oid4vci.ParseDeferredRequest(body)
	if err != nil {
		oauthError(w, err.(*oid4vci.Error))
		return
	}
	creds, pending, err := h.d.Deferred(tok, id)
	switch {
	case errors.Is(err, service.ErrBadAccessToken):
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidToken, Status: http.StatusUnauthorized, Description: "this is not the access token the transaction was started with"})
	case errors.Is(err, service.ErrBadTransaction):
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrInvalidTransactionID, Description: "unknown, finished or expired transaction_id"})
	case errors.Is(err, service.ErrNotDeliverable):
		oauthError(w, &oid4vci.Error{Code: oid4vci.ErrCredentialReqDenied, Description: "this record was revoked or suspended by the clinic"})
	case err != nil:
		h.s.log.Error("oid4vci deferred", "err", err)
		oauthError(w, &oid4vci.Error{Code: "server_error", Status: http.StatusInternalServerError, Description: "the clinic's server failed to sign; try again"})
	case pending:
		writeJSON(w, http.StatusAccepted, oid4vci.CredentialResponse{TransactionID: id, Interval: int(h.d.Settings().DeferredInterval / time.Second)})
	default:
		h.s.issued.Inc()
		writeJSON(w, http.StatusOK, credentialResponse(creds))
	}
}

// OfferResponse is the EMR API's answer to creating an offer.
type OfferResponse struct {
	Entry string `json:"entry"`
	// URI is the offer for the QR code or a deep link.
	URI string `json:"uri"`
	// PIN is the transaction code the parent types; show it apart from
	// the QR code (not in the same message).
	PIN             string          `json:"pin"`
	Expires         time.Time       `json:"expires"`
	CredentialOffer json.RawMessage `json:"credentialOffer"`
}

func (h *oidHandlers) apiOffer(w http.ResponseWriter, r *http.Request) {
	g, err := h.d.CreateOffer(actor(r), r.PathValue("id"))
	switch {
	case errors.Is(err, service.ErrNotFound):
		outcome(w, http.StatusNotFound, "not-found", "", "no ledger entry "+strconv.Quote(r.PathValue("id")))
	case errors.Is(err, service.ErrNotDeliverable):
		outcome(w, http.StatusConflict, "business-rule", "", err.Error())
	case err != nil:
		h.s.log.Error("oid4vci offer", "err", err)
		outcome(w, http.StatusInternalServerError, "exception", "", "the offer could not be stored")
	default:
		writeJSON(w, http.StatusCreated, OfferResponse{Entry: r.PathValue("id"), URI: g.Offer.URI(), PIN: g.PIN, Expires: g.Expires, CredentialOffer: g.Offer.JSON()})
	}
}

type offerView struct {
	Entry   string
	QR      template.URL
	URI     template.URL // openid-credential-offer://: not a scheme html/template lets through unmarked
	PIN     string
	Expires time.Time
	Minutes int
}

func (h *oidHandlers) staffOffer(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	id := r.PathValue("id")
	g, err := h.d.CreateOffer(ss.User, id)
	switch {
	case errors.Is(err, service.ErrNotFound):
		h.s.staffError(w, http.StatusNotFound, "There is no ledger entry "+id+".")
		return
	case errors.Is(err, service.ErrNotDeliverable):
		h.s.renderRecord(w, r, http.StatusConflict, "This record was revoked: it cannot be sent to a wallet.", "")
		return
	case err != nil:
		h.s.log.Error("oid4vci offer", "err", err)
		h.s.renderRecord(w, r, http.StatusInternalServerError, "The offer could not be made because of a server problem.", "")
		return
	}
	uri := g.Offer.URI()
	v := offerView{Entry: id, URI: template.URL(uri), PIN: g.PIN, Expires: g.Expires, Minutes: int(h.d.Settings().OfferTTL / time.Minute)}
	sym, err := qr.Encode(uri, qr.M)
	if err != nil {
		h.s.log.Error("oid4vci offer qr", "err", err)
		h.s.renderRecord(w, r, http.StatusInternalServerError, "The QR code could not be drawn.", "")
		return
	}
	v.QR = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(sym.SVG()))
	p := h.s.pageFor(r, "Send to wallet")
	p.Data = v
	h.s.render(w, http.StatusOK, "offer", p)
}

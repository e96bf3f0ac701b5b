package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// TokenRequest is a token request with the pre-authorized code grant.
type TokenRequest struct {
	Code string
	// TxCode is the PIN the user typed; "" when none was sent.
	TxCode string
}

// ParseTokenRequest reads the token endpoint's form body
// (application/x-www-form-urlencoded, RFC 6749 §4.1.3 and OpenID4VCI §6.1).
// A parameter given twice, a missing code or another grant type is an
// *Error.
func ParseTokenRequest(body []byte) (*TokenRequest, error) {
	if len(body) > MaxBody {
		return nil, badRequest(ErrInvalidRequest, "the request body is larger than %d bytes", MaxBody)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badRequest(ErrInvalidRequest, "the form body is malformed: %v", err)
	}
	for name, vs := range form {
		if len(vs) > 1 {
			return nil, badRequest(ErrInvalidRequest, "parameter %q is given %d times", short(name), len(vs))
		}
	}
	switch gt := form.Get("grant_type"); gt {
	case GrantPreAuthorized:
	case "":
		return nil, badRequest(ErrInvalidRequest, "grant_type is missing")
	default:
		return nil, badRequest(ErrUnsupportedGrantType, "grant_type %q: this issuer supports only %s", short(gt), GrantPreAuthorized)
	}
	r := &TokenRequest{Code: form.Get("pre-authorized_code"), TxCode: form.Get("tx_code")}
	if r.Code == "" {
		return nil, badRequest(ErrInvalidRequest, "pre-authorized_code is missing")
	}
	if len(r.Code) > MaxCodeSize || len(r.TxCode) > 64 {
		return nil, badRequest(ErrInvalidRequest, "pre-authorized_code or tx_code is too long")
	}
	return r, nil
}

// Form is the request as a form body (the wallet's side).
func (r *TokenRequest) Form() url.Values {
	v := url.Values{"grant_type": {GrantPreAuthorized}, "pre-authorized_code": {r.Code}}
	if r.TxCode != "" {
		v.Set("tx_code", r.TxCode)
	}
	return v
}

// TokenResponse is a successful token response.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
}

// NonceResponse is the nonce endpoint's answer (§7.2).
type NonceResponse struct {
	CNonce string `json:"c_nonce"`
}

// CredentialRequest is a request to the credential endpoint (§8.2).
type CredentialRequest struct {
	ConfigurationID string `json:"credential_configuration_id"`
	// Proofs are the jwt key proofs, one per credential wanted.
	Proofs []string `json:"-"`
}

type credentialRequestJSON struct {
	ConfigurationID string                     `json:"credential_configuration_id,omitempty"`
	Identifier      *string                    `json:"credential_identifier,omitempty"`
	Proofs          map[string]json.RawMessage `json:"proofs,omitempty"`
	Proof           json.RawMessage            `json:"proof,omitempty"`
	Encryption      json.RawMessage            `json:"credential_response_encryption,omitempty"`
}

// JSON is the request body (the wallet's side).
func (r *CredentialRequest) JSON() []byte {
	p, _ := json.Marshal(r.Proofs)
	b, _ := json.Marshal(credentialRequestJSON{ConfigurationID: r.ConfigurationID, Proofs: map[string]json.RawMessage{ProofTypeJWT: p}})
	return b
}

// ParseCredentialRequest reads a credential request for one of the
// configurations in supported. It checks the shape only: each proof is
// checked by VerifyProof.
func ParseCredentialRequest(body []byte, supported []string) (*CredentialRequest, error) {
	if len(body) > MaxBody {
		return nil, badRequest(ErrInvalidCredentialReq, "the request body is larger than %d bytes", MaxBody)
	}
	var rj credentialRequestJSON
	if err := strictjson.Unmarshal(body, &rj); err != nil {
		return nil, badRequest(ErrInvalidCredentialReq, "not a JSON credential request: %v", err)
	}
	switch {
	case rj.Encryption != nil:
		return nil, badRequest(ErrInvalidEncryptionPara, "this issuer does not encrypt credential responses; the connection is protected by TLS")
	case rj.Identifier != nil:
		return nil, badRequest(ErrInvalidCredentialReq, "credential_identifier: this issuer gives none; send credential_configuration_id")
	case rj.ConfigurationID == "":
		return nil, badRequest(ErrInvalidCredentialReq, "credential_configuration_id is missing")
	case !slices.Contains(supported, rj.ConfigurationID):
		return nil, badRequest(ErrUnknownConfiguration, "credential_configuration_id %q is not offered here", short(rj.ConfigurationID))
	case rj.Proof != nil:
		return nil, badRequest(ErrInvalidCredentialReq, "\"proof\" is from drafts before OpenID4VCI 1.0: send \"proofs\": {\"jwt\": [...]}")
	case len(rj.Proofs) == 0:
		return nil, badRequest(ErrInvalidProof, "proofs is missing: the credential is bound to the wallet's key, send a jwt proof")
	}
	r := &CredentialRequest{ConfigurationID: rj.ConfigurationID}
	for typ, raw := range rj.Proofs {
		if typ != ProofTypeJWT {
			return nil, badRequest(ErrInvalidProof, "proof type %q: this issuer accepts only jwt proofs", short(typ))
		}
		if err := json.Unmarshal(raw, &r.Proofs); err != nil {
			return nil, badRequest(ErrInvalidProof, "proofs.jwt: want an array of strings")
		}
	}
	if len(r.Proofs) == 0 {
		return nil, badRequest(ErrInvalidProof, "proofs.jwt is empty")
	}
	if len(r.Proofs) > MaxBatch {
		return nil, badRequest(ErrInvalidCredentialReq, "%d proofs: at most %d credentials per request (batch_size)", len(r.Proofs), MaxBatch)
	}
	for i, p := range r.Proofs {
		if p == "" || len(p) > MaxProofSize {
			return nil, badRequest(ErrInvalidProof, "proofs.jwt[%d]: want 1 to %d characters", i, MaxProofSize)
		}
	}
	return r, nil
}

// IssuedCredential is one credential in a credential response.
type IssuedCredential struct {
	Credential string `json:"credential"`
}

// CredentialResponse is the credential (or deferred credential)
// endpoint's answer: the credentials, or a transaction id to come back
// with after Interval seconds.
type CredentialResponse struct {
	Credentials   []IssuedCredential `json:"credentials,omitempty"`
	TransactionID string             `json:"transaction_id,omitempty"`
	Interval      int                `json:"interval,omitempty"`
}

// ParseCredentialResponse reads a credential response (the wallet's side).
func ParseCredentialResponse(data []byte) (*CredentialResponse, error) {
	var r CredentialResponse
	if err := strictjson.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("credential response: %w", err)
	}
	switch {
	case len(r.Credentials) > 0 && r.TransactionID != "":
		return nil, fmt.Errorf("credential response: both credentials and transaction_id")
	case len(r.Credentials) == 0 && r.TransactionID == "":
		return nil, fmt.Errorf("credential response: neither credentials nor transaction_id")
	case len(r.Credentials) > MaxBatch:
		return nil, fmt.Errorf("credential response: %d credentials, more than asked for", len(r.Credentials))
	case len(r.TransactionID) > MaxCodeSize:
		return nil, fmt.Errorf("credential response: transaction_id too long")
	}
	for i, c := range r.Credentials {
		if c.Credential == "" {
			return nil, fmt.Errorf("credential response: credentials[%d]: empty", i)
		}
	}
	return &r, nil
}

// DeferredRequest is the body of a deferred credential request.
type DeferredRequest struct {
	TransactionID string `json:"transaction_id"`
}

// ParseDeferredRequest reads a deferred credential request (§9.1).
func ParseDeferredRequest(body []byte) (string, error) {
	if len(body) > MaxBody {
		return "", badRequest(ErrInvalidCredentialReq, "the request body is larger than %d bytes", MaxBody)
	}
	var r DeferredRequest
	if err := strictjson.Unmarshal(body, &r); err != nil {
		return "", badRequest(ErrInvalidCredentialReq, "not a JSON deferred credential request: %v", err)
	}
	if r.TransactionID == "" {
		return "", badRequest(ErrInvalidCredentialReq, "transaction_id is missing")
	}
	if len(r.TransactionID) > MaxCodeSize {
		return "", badRequest(ErrInvalidTransactionID, "transaction_id is too long")
	}
	return r.TransactionID, nil
}

// ParseError reads an OAuth error response body; ok is false when the body
// is not one.
func ParseError(data []byte, status int) (*Error, bool) {
	var e Error
	if err := strictjson.Unmarshal(data, &e); err != nil || e.Code == "" || len(e.Code) > 100 {
		return nil, false
	}
	if len(e.Description) > 1000 {
		e.Description = e.Description[:1000]
	}
	e.Status = status
	return &e, true
}

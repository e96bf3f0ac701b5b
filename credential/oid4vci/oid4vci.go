// Package oid4vci is the wire format of OpenID for Verifiable Credential
// Issuance 1.0 (final, September 2025) as ImmunoPass uses it: the
// pre-authorized code flow with a transaction code (a PIN), SD-JWT VCs
// ("dc+sd-jwt") bound to the key of a "jwt" proof, batch issuance and
// deferred issuance. Both sides use it: the clinic service (issuer/web over
// issuer/service) and the wallet's "Receive from clinic" (wallet).
//
// # What is here
//
//   - the Credential Offer: [Offer], [ParseOffer] (the QR code's
//     openid-credential-offer:// URI, an https link carrying
//     credential_offer, or the JSON itself) and [Offer.URI];
//   - the metadata documents: [IssuerMetadata] and [ServerMetadata];
//   - the request bodies the issuer reads: [ParseTokenRequest] (the token
//     endpoint's form), [ParseCredentialRequest], [ParseDeferredRequest];
//   - key proofs: [SignProof] (the wallet) and [VerifyProof] (the issuer);
//   - OAuth errors: [*Error], with the codes of RFC 6749 and OpenID4VCI.
//
// # What is checked
//
// Parsers are strict: duplicate JSON members, unknown grant types, missing
// or mistyped members, a credential configuration the issuer does not
// offer and more proofs than the batch size are refused with an [*Error]
// naming the problem. A proof is a compact JWS with "typ"
// "openid4vci-proof+jwt", "alg" ES256 (none, HS256 and every other
// algorithm are refused), the holder key as a "jwk" (public P-256, no
// private part) or a did:key "kid", "aud" equal to the credential issuer,
// "iat" within a window of now, and a "nonce" that the caller checks
// against the nonces it handed out (single use).
//
// # What is not done here
//
// No I/O: the HTTP endpoints, the storage of offers, codes and nonces, and
// the wallet's fetches are in issuer/web, issuer/service and wallet.
package oid4vci

import (
	"encoding/json"
	"fmt"
)

// Names fixed by the specifications.
const (
	// Spec is the version implemented.
	Spec = "OpenID4VCI 1.0"
	// GrantPreAuthorized is the pre-authorized code grant type.
	GrantPreAuthorized = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
	// FormatSDJWTVC is the SD-JWT VC credential format identifier (1.0,
	// Appendix A.3; earlier drafts said "vc+sd-jwt").
	FormatSDJWTVC = "dc+sd-jwt"
	// ProofTyp is the "typ" of a jwt key proof.
	ProofTyp = "openid4vci-proof+jwt"
	// ProofTypeJWT names the jwt proof type in "proofs".
	ProofTypeJWT = "jwt"
	// OfferScheme starts a Credential Offer given by value in a QR code or
	// a deep link.
	OfferScheme = "openid-credential-offer://"
	// TokenTypeBearer is the only access token type issued.
	TokenTypeBearer = "Bearer"
)

// Paths below the credential issuer URL, as the clinic service serves
// them and its metadata names them.
const (
	IssuerMetadataPath = "/.well-known/openid-credential-issuer"
	ServerMetadataPath = "/.well-known/oauth-authorization-server"
	TokenPath          = "/oid4vci/token"
	NoncePath          = "/oid4vci/nonce"
	CredentialPath     = "/oid4vci/credential"
	DeferredPath       = "/oid4vci/deferred"
)

// ConfigSDJWT is the credential_configuration_id of the one credential
// ImmunoPass offers: the immunization record as an SD-JWT VC.
const ConfigSDJWT = "immunization_record_sd_jwt"

// Limits.
const (
	// MaxBatch is the most credentials one request may ask for (the
	// metadata's batch_credential_issuance.batch_size).
	MaxBatch = 10
	// PINLength is the length of the numeric transaction code.
	PINLength = 6
	// MaxProofSize bounds one proof JWT.
	MaxProofSize = 4 << 10
	// MaxBody bounds every request body the issuer reads.
	MaxBody = 64 << 10
	// MaxOfferSize bounds an offer as scanned or pasted.
	MaxOfferSize = 8 << 10
	// MaxCodeSize bounds codes, tokens, nonces and transaction ids.
	MaxCodeSize = 512
)

// OAuth and OpenID4VCI error codes.
const (
	ErrInvalidRequest        = "invalid_request"
	ErrInvalidGrant          = "invalid_grant"
	ErrUnsupportedGrantType  = "unsupported_grant_type"
	ErrInvalidClient         = "invalid_client"
	ErrInvalidToken          = "invalid_token" // RFC 6750, in WWW-Authenticate
	ErrInvalidCredentialReq  = "invalid_credential_request"
	ErrUnknownConfiguration  = "unknown_credential_configuration"
	ErrInvalidProof          = "invalid_proof"
	ErrInvalidNonce          = "invalid_nonce"
	ErrInvalidTransactionID  = "invalid_transaction_id"
	ErrCredentialReqDenied   = "credential_request_denied"
	ErrInvalidEncryptionPara = "invalid_encryption_parameters"
)

// Error is an OAuth 2.0 error response (RFC 6749 §5.2, OpenID4VCI §8.3.1):
// a code a client branches on and a description a person can read.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	// Status is the HTTP status code to answer with.
	Status int `json:"-"`
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// JSON is the error response body.
func (e *Error) JSON() []byte {
	b, _ := json.Marshal(e)
	return b
}

func errorf(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Description: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *Error {
	return errorf(code, 400, format, args...)
}

// Descriptions of invalid_grant that the clinic service sends and the
// wallet recognises, to tell the parent what happened in words (OAuth has
// one code for all of them).
const (
	DescWrongPIN   = "the PIN (tx_code) is not right"
	DescPINMissing = "this offer needs the PIN (tx_code) the clinic showed"
	DescUsed       = "this offer has already been used"
	DescExpired    = "this offer has expired; ask the clinic for a new one"
	DescBlocked    = "this offer was blocked after too many wrong PINs; ask the clinic for a new one"
	DescUnknown    = "unknown pre-authorized code"
)

package oid4vci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/immunopass/immunopass/internal/strictjson"
)

// TxCode describes the transaction code (the PIN) the wallet must ask for
// (OpenID4VCI §4.1.1).
type TxCode struct {
	InputMode   string `json:"input_mode,omitempty"` // "numeric" (the default) or "text"
	Length      int    `json:"length,omitempty"`
	Description string `json:"description,omitempty"`
}

// Offer is a Credential Offer with a pre-authorized code.
type Offer struct {
	CredentialIssuer  string
	ConfigurationIDs  []string
	PreAuthorizedCode string
	// TxCode is nil when the offer needs no PIN.
	TxCode *TxCode
}

type offerJSON struct {
	CredentialIssuer string                     `json:"credential_issuer"`
	ConfigurationIDs []string                   `json:"credential_configuration_ids"`
	Grants           map[string]json.RawMessage `json:"grants,omitempty"`
}

type preAuthGrant struct {
	Code   string  `json:"pre-authorized_code"`
	TxCode *TxCode `json:"tx_code,omitempty"`
}

// JSON is the offer's JSON object.
func (o *Offer) JSON() []byte {
	g, _ := json.Marshal(preAuthGrant{Code: o.PreAuthorizedCode, TxCode: o.TxCode})
	b, _ := json.Marshal(offerJSON{CredentialIssuer: o.CredentialIssuer, ConfigurationIDs: o.ConfigurationIDs,
		Grants: map[string]json.RawMessage{GrantPreAuthorized: g}})
	return b
}

// URI is the offer by value, for a QR code or a deep link:
// openid-credential-offer://?credential_offer=<the JSON, URL-encoded>.
func (o *Offer) URI() string {
	return OfferScheme + "?credential_offer=" + url.QueryEscape(string(o.JSON()))
}

// OfferError reports text that is not a usable Credential Offer.
type OfferError struct {
	Problem string
}

func (e *OfferError) Error() string { return "credential offer: " + e.Problem }

// ErrOfferByReference is wrapped by the error for an offer given by
// reference (credential_offer_uri), which ImmunoPass does not fetch.
var ErrOfferByReference = &OfferError{Problem: "given by reference (credential_offer_uri); ask the clinic for the QR code that holds the offer itself"}

// ParseOffer reads a Credential Offer as a QR code or a link carries it
// (openid-credential-offer://?credential_offer=…, or any https link with a
// credential_offer parameter) or as its JSON. It checks the offer's shape,
// not the issuer: the caller decides which issuer URLs it may contact.
func ParseOffer(text string) (*Offer, error) {
	text = strings.TrimSpace(text)
	if len(text) > MaxOfferSize {
		return nil, &OfferError{Problem: fmt.Sprintf("%d bytes, more than %d", len(text), MaxOfferSize)}
	}
	if text == "" {
		return nil, &OfferError{Problem: "empty"}
	}
	raw := []byte(text)
	if text[0] != '{' {
		u, err := url.Parse(text)
		if err != nil || u.Scheme == "" {
			return nil, &OfferError{Problem: fmt.Sprintf("%q is neither an offer link nor offer JSON", short(text))}
		}
		switch strings.ToLower(u.Scheme) {
		case "openid-credential-offer", "https", "http":
		default:
			return nil, &OfferError{Problem: fmt.Sprintf("link scheme %q: want openid-credential-offer://", u.Scheme)}
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return nil, &OfferError{Problem: "the link's parameters are malformed: " + err.Error()}
		}
		switch {
		case len(q["credential_offer"]) > 1 || len(q["credential_offer_uri"]) > 1:
			return nil, &OfferError{Problem: "the link repeats its offer parameter"}
		case q.Has("credential_offer") && q.Has("credential_offer_uri"):
			return nil, &OfferError{Problem: "the link has both credential_offer and credential_offer_uri"}
		case q.Has("credential_offer_uri"):
			return nil, ErrOfferByReference
		case !q.Has("credential_offer"):
			return nil, &OfferError{Problem: "the link has no credential_offer parameter"}
		}
		raw = []byte(q.Get("credential_offer"))
	}
	return parseOfferJSON(bytes.TrimSpace(raw))
}

func parseOfferJSON(raw []byte) (*Offer, error) {
	var oj offerJSON
	if err := strictjson.Unmarshal(raw, &oj); err != nil {
		return nil, &OfferError{Problem: "not a JSON offer object: " + err.Error()}
	}
	if err := checkIssuerURL(oj.CredentialIssuer); err != nil {
		return nil, &OfferError{Problem: "credential_issuer: " + err.Error()}
	}
	if len(oj.ConfigurationIDs) == 0 {
		return nil, &OfferError{Problem: "credential_configuration_ids: missing or empty"}
	}
	for i, id := range oj.ConfigurationIDs {
		if id == "" || len(id) > 200 {
			return nil, &OfferError{Problem: fmt.Sprintf("credential_configuration_ids[%d]: want 1 to 200 characters", i)}
		}
	}
	g, ok := oj.Grants[GrantPreAuthorized]
	if !ok {
		if _, ok := oj.Grants["authorization_code"]; ok {
			return nil, &OfferError{Problem: "this offer needs signing in on the clinic's website (authorization code flow); ImmunoPass receives offers with a pre-authorized code and a PIN"}
		}
		return nil, &OfferError{Problem: "grants: no pre-authorized code"}
	}
	var pa preAuthGrant
	if err := strictjson.Unmarshal(g, &pa); err != nil {
		return nil, &OfferError{Problem: "the pre-authorized code grant: " + err.Error()}
	}
	if pa.Code == "" || len(pa.Code) > MaxCodeSize {
		return nil, &OfferError{Problem: fmt.Sprintf("pre-authorized_code: want 1 to %d characters", MaxCodeSize)}
	}
	if tc := pa.TxCode; tc != nil {
		switch tc.InputMode {
		case "", "numeric", "text":
		default:
			return nil, &OfferError{Problem: fmt.Sprintf("tx_code.input_mode %q: want numeric or text", tc.InputMode)}
		}
		if tc.Length < 0 || tc.Length > 64 {
			return nil, &OfferError{Problem: fmt.Sprintf("tx_code.length %d: want 1 to 64", tc.Length)}
		}
		if len(tc.Description) > 300 {
			return nil, &OfferError{Problem: "tx_code.description: longer than 300 characters"}
		}
	}
	return &Offer{CredentialIssuer: oj.CredentialIssuer, ConfigurationIDs: oj.ConfigurationIDs, PreAuthorizedCode: pa.Code, TxCode: pa.TxCode}, nil
}

// checkIssuerURL accepts an absolute http(s) URL without query, fragment or
// user info (OpenID4VCI §12.2.1).
func checkIssuerURL(s string) error {
	if s == "" {
		return fmt.Errorf("missing")
	}
	if len(s) > 500 {
		return fmt.Errorf("longer than 500 characters")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q: want an https:// URL", short(s))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return fmt.Errorf("%q: want a URL without query, fragment or user", short(s))
	}
	return nil
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// Display is a name shown to the user, in one language.
type Display struct {
	Name   string `json:"name"`
	Locale string `json:"locale,omitempty"`
}

// MetadataOptions say what the issuer's metadata announces.
type MetadataOptions struct {
	// Name is the clinic's name, shown by wallets.
	Name string
	// Deferred announces the deferred credential endpoint.
	Deferred bool
}

// ProofType is one entry of proof_types_supported.
type ProofType struct {
	Algs []string `json:"proof_signing_alg_values_supported"`
}

// Configuration is one entry of credential_configurations_supported.
type Configuration struct {
	Format         string               `json:"format"`
	Scope          string               `json:"scope,omitempty"`
	VCT            string               `json:"vct,omitempty"`
	BindingMethods []string             `json:"cryptographic_binding_methods_supported,omitempty"`
	SigningAlgs    []string             `json:"credential_signing_alg_values_supported,omitempty"`
	ProofTypes     map[string]ProofType `json:"proof_types_supported,omitempty"`
	CredentialMeta *CredentialMetadata  `json:"credential_metadata,omitempty"`
}

// CredentialMetadata is a configuration's display information (1.0: the
// display and claims members moved here).
type CredentialMetadata struct {
	Display []Display     `json:"display,omitempty"`
	Claims  []ClaimDetail `json:"claims,omitempty"`
}

// ClaimDetail describes one claim by its path.
type ClaimDetail struct {
	Path    []any     `json:"path"`
	Display []Display `json:"display,omitempty"`
}

// IssuerMetadata is the Credential Issuer Metadata (§12.2).
type IssuerMetadata struct {
	CredentialIssuer     string                   `json:"credential_issuer"`
	AuthorizationServers []string                 `json:"authorization_servers,omitempty"`
	CredentialEndpoint   string                   `json:"credential_endpoint"`
	NonceEndpoint        string                   `json:"nonce_endpoint,omitempty"`
	DeferredEndpoint     string                   `json:"deferred_credential_endpoint,omitempty"`
	Batch                *BatchIssuance           `json:"batch_credential_issuance,omitempty"`
	Display              []Display                `json:"display,omitempty"`
	Configurations       map[string]Configuration `json:"credential_configurations_supported"`
}

// BatchIssuance is batch_credential_issuance.
type BatchIssuance struct {
	BatchSize int `json:"batch_size"`
}

// NewIssuerMetadata is the metadata the clinic service publishes at
// IssuerMetadataPath below issuer.
func NewIssuerMetadata(issuer string, o MetadataOptions) *IssuerMetadata {
	base := strings.TrimSuffix(issuer, "/")
	m := &IssuerMetadata{
		CredentialIssuer:   base,
		CredentialEndpoint: base + CredentialPath,
		NonceEndpoint:      base + NoncePath,
		Batch:              &BatchIssuance{BatchSize: MaxBatch},
		Configurations: map[string]Configuration{
			ConfigSDJWT: {
				Format:         FormatSDJWTVC,
				VCT:            sdjwt.VCT,
				BindingMethods: []string{"jwk"},
				SigningAlgs:    []string{"ES256"},
				ProofTypes:     map[string]ProofType{ProofTypeJWT: {Algs: []string{"ES256"}}},
				CredentialMeta: &CredentialMetadata{
					Display: []Display{{Name: "Vaccination record", Locale: "en"}, {Name: "Carnet de vaccination", Locale: "fr"}, {Name: "سجل التطعيم", Locale: "ar"}},
					Claims: []ClaimDetail{
						{Path: []any{"given_name"}, Display: []Display{{Name: "Given name", Locale: "en"}}},
						{Path: []any{"family_name"}, Display: []Display{{Name: "Family name", Locale: "en"}}},
						{Path: []any{"birthdate"}, Display: []Display{{Name: "Date of birth", Locale: "en"}}},
						{Path: []any{"doses", nil}, Display: []Display{{Name: "Doses", Locale: "en"}}},
					},
				},
			},
		},
	}
	if o.Deferred {
		m.DeferredEndpoint = base + DeferredPath
	}
	if o.Name != "" {
		m.Display = []Display{{Name: o.Name}}
	}
	return m
}

// JSON is the metadata document.
func (m *IssuerMetadata) JSON() []byte {
	b, _ := json.Marshal(m)
	return b
}

// ParseIssuerMetadata reads the metadata a wallet fetched for the offer's
// issuer: it must name that issuer (§12.2.2) and give a credential
// endpoint; every endpoint must be an https URL (http where allowed by
// the caller's check).
func ParseIssuerMetadata(data []byte, issuer string) (*IssuerMetadata, error) {
	var m IssuerMetadata
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("issuer metadata: %w", err)
	}
	if m.CredentialIssuer != issuer {
		return nil, fmt.Errorf("issuer metadata: credential_issuer %q is not the offer's issuer %q", short(m.CredentialIssuer), short(issuer))
	}
	for name, v := range map[string]string{"credential_endpoint": m.CredentialEndpoint, "nonce_endpoint": m.NonceEndpoint, "deferred_credential_endpoint": m.DeferredEndpoint} {
		if v == "" && name != "credential_endpoint" {
			continue
		}
		if err := checkEndpoint(v); err != nil {
			return nil, fmt.Errorf("issuer metadata: %s: %w", name, err)
		}
	}
	return &m, nil
}

// ServerMetadata is the OAuth 2.0 Authorization Server Metadata (RFC 8414)
// of the clinic service, for the pre-authorized code flow.
type ServerMetadata struct {
	Issuer              string   `json:"issuer"`
	TokenEndpoint       string   `json:"token_endpoint"`
	GrantTypes          []string `json:"grant_types_supported,omitempty"`
	ResponseTypes       []string `json:"response_types_supported,omitempty"`
	TokenAuthMethods    []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	AnonymousPreAuthSup bool     `json:"pre-authorized_grant_anonymous_access_supported,omitempty"`
}

// NewServerMetadata is the authorization server metadata published at
// ServerMetadataPath below issuer: the credential issuer is its own
// authorization server, and wallets need no client registration.
func NewServerMetadata(issuer string) *ServerMetadata {
	base := strings.TrimSuffix(issuer, "/")
	return &ServerMetadata{Issuer: base, TokenEndpoint: base + TokenPath, GrantTypes: []string{GrantPreAuthorized},
		ResponseTypes: []string{}, TokenAuthMethods: []string{"none"}, AnonymousPreAuthSup: true}
}

// JSON is the metadata document.
func (m *ServerMetadata) JSON() []byte {
	b, _ := json.Marshal(m)
	return b
}

// ParseServerMetadata reads authorization server metadata fetched for
// issuer: its "issuer" must be that URL (RFC 8414 §3.3).
func ParseServerMetadata(data []byte, issuer string) (*ServerMetadata, error) {
	var m ServerMetadata
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("authorization server metadata: %w", err)
	}
	if m.Issuer != issuer {
		return nil, fmt.Errorf("authorization server metadata: issuer %q is not %q", short(m.Issuer), short(issuer))
	}
	if err := checkEndpoint(m.TokenEndpoint); err != nil {
		return nil, fmt.Errorf("authorization server metadata: token_endpoint: %w", err)
	}
	return &m, nil
}

func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q: want an https:// URL", short(s))
	}
	return nil
}

package oid4vci

import (
	"errors"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
)

// Every parser either refuses its input with its typed error or returns a
// value that formats and parses back to the same thing.

func FuzzParseOffer(f *testing.F) {
	o := testOffer()
	f.Add(o.URI())
	f.Add(string(o.JSON()))
	f.Add("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa")
	f.Add(`{"credential_issuer":"https://a","credential_configuration_ids":["x"],"grants":{"` + GrantPreAuthorized + `":{"pre-authorized_code":"c","tx_code":{}}}}`)
	f.Fuzz(func(t *testing.T, text string) {
		got, err := ParseOffer(text)
		if err != nil {
			var oe *OfferError
			if !errors.As(err, &oe) {
				t.Fatalf("untyped error %T %v", err, err)
			}
			return
		}
		again, err := ParseOffer(got.URI())
		if err != nil {
			t.Fatalf("an accepted offer does not parse back: %v", err)
		}
		if again.PreAuthorizedCode != got.PreAuthorizedCode || again.CredentialIssuer != got.CredentialIssuer || (again.TxCode == nil) != (got.TxCode == nil) {
			t.Fatalf("round trip changed the offer: %+v → %+v", got, again)
		}
	})
}

func FuzzParseTokenRequest(f *testing.F) {
	f.Add((&TokenRequest{Code: "abc", TxCode: "123456"}).Form().Encode())
	f.Add("grant_type=authorization_code")
	f.Add("grant_type=x&grant_type=y")
	f.Fuzz(func(t *testing.T, body string) {
		r, err := ParseTokenRequest([]byte(body))
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || oe.Code == "" || oe.Status != 400 {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		again, err := ParseTokenRequest([]byte(r.Form().Encode()))
		if err != nil || *again != *r {
			t.Fatalf("round trip: %v %+v %+v", err, r, again)
		}
	})
}

func FuzzParseCredentialRequest(f *testing.F) {
	f.Add(string((&CredentialRequest{ConfigurationID: ConfigSDJWT, Proofs: []string{"a.b.c"}}).JSON()))
	f.Add(`{"credential_configuration_id":"` + ConfigSDJWT + `","proof":{"proof_type":"jwt","jwt":"a.b.c"}}`)
	f.Add(`{"transaction_id":"t"}`)
	f.Fuzz(func(t *testing.T, body string) {
		r, err := ParseCredentialRequest([]byte(body), []string{ConfigSDJWT})
		if err == nil {
			if len(r.Proofs) == 0 || len(r.Proofs) > MaxBatch {
				t.Fatalf("accepted %d proofs", len(r.Proofs))
			}
			if _, err := ParseCredentialRequest(r.JSON(), []string{ConfigSDJWT}); err != nil {
				t.Fatalf("round trip: %v", err)
			}
		} else if oe := (*Error)(nil); !errors.As(err, &oe) {
			t.Fatalf("untyped error %T", err)
		}
		if _, err := ParseDeferredRequest([]byte(body)); err != nil {
			if oe := (*Error)(nil); !errors.As(err, &oe) {
				t.Fatalf("untyped error %T", err)
			}
		}
	})
}

func FuzzVerifyProof(f *testing.F) {
	holder, _ := jose.GenerateKey()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	good, _ := SignProof(holder, iss, "n1", now)
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, jwt string) {
		p, err := VerifyProof(0, jwt, iss, now)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || oe.Code != ErrInvalidProof {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if p.Key == nil || p.Nonce == "" {
			t.Fatalf("accepted without key or nonce: %+v", p)
		}
	})
}

// FuzzParseResponses: what a wallet reads from a clinic's server (metadata,
// credential responses, errors) is refused with an error or returned
// checked, never a panic.
func FuzzParseResponses(f *testing.F) {
	f.Add(string(NewIssuerMetadata(iss, MetadataOptions{Name: "C", Deferred: true}).JSON()))
	f.Add(string(NewServerMetadata(iss).JSON()))
	f.Add(`{"credentials":[{"credential":"a~"}]}`)
	f.Add(`{"transaction_id":"t","interval":5}`)
	f.Add(`{"error":"invalid_grant","error_description":"` + DescWrongPIN + `"}`)
	f.Fuzz(func(t *testing.T, body string) {
		if m, err := ParseIssuerMetadata([]byte(body), iss); err == nil {
			if m.CredentialIssuer != iss || checkEndpoint(m.CredentialEndpoint) != nil {
				t.Fatalf("accepted metadata %+v", m)
			}
		}
		if m, err := ParseServerMetadata([]byte(body), iss); err == nil && checkEndpoint(m.TokenEndpoint) != nil {
			t.Fatalf("accepted token endpoint %q", m.TokenEndpoint)
		}
		if r, err := ParseCredentialResponse([]byte(body)); err == nil && (len(r.Credentials) == 0) == (r.TransactionID == "") {
			t.Fatalf("accepted response %+v", r)
		}
		if e, ok := ParseError([]byte(body), 400); ok && (e.Code == "" || len(e.Description) > 1000) {
			t.Fatalf("accepted error %+v", e)
		}
	})
}

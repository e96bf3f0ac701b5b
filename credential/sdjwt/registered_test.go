package sdjwt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/jose"
)

// TestRegisteredClaimsNotDisclosable: a credential whose status (or vct,
// exp, nbf, iat, cnf, iss) is a disclosure is refused with a
// DisclosureError (bad-disclosure), and Issue never makes one.
func TestRegisteredClaimsNotDisclosable(t *testing.T) {
	f := setup(t)
	holderJWK := json.RawMessage(f.holder.Public().JWK())
	values := map[string]any{
		"iss": iss, "iat": 1795000000, "vct": VCT, "exp": 1895000000, "nbf": 1795000000,
		"cnf":    map[string]any{"jwk": holderJWK},
		"status": map[string]any{"status_list": map[string]any{"uri": "https://registry.example/status/1", "idx": 4711}},
	}
	for _, name := range []string{"status", "vct", "exp", "nbf", "iat", "cnf", "iss"} {
		d := disc(t, "salt-salt-salt-"+name, name, values[name])
		clear := map[string]any{"_sd": []string{Digest(d)}, "_sd_alg": "sha-256"}
		for _, n := range []string{"iss", "iat", "vct"} {
			if n != name {
				clear[n] = values[n]
			}
		}
		payload, _ := json.Marshal(clear)
		jwt := forgeJWT(t, f.issuer, jose.Header{Typ: TypVC}, string(payload))
		_, err := Verify(jwt+"~"+d+"~", f.opts())
		if name == "iss" {
			// Checked before disclosures: the issuer JWT has no iss.
			if err == nil || !strings.Contains(err.Error(), "iss: missing") {
				t.Errorf("iss disclosable: %v", err)
			}
		} else if !isType[*DisclosureError](err) || !strings.Contains(err.Error(), "registered claim") {
			t.Errorf("%s disclosable: %v, want a DisclosureError naming the registered claim", name, err)
		}
		// Issue refuses to make it disclosable, both ways.
		for _, c := range []Claim{{Name: name, Value: values[name], SD: true}, {Name: name, Value: []any{values[name]}, SDElements: true}} {
			if _, err := Issue(f.issuer, IssueRequest{Issuer: iss, Claims: []Claim{c}}); !isType[*FormatError](err) {
				t.Errorf("Issue with %s disclosable: %v", name, err)
			}
		}
	}
}

// TestIssueRefusesInvalidUTF8: encoding/json writes invalid UTF-8 as
// U+FFFD, so a credential issued from such a value would say something else
// than the issuer was given; Issue refuses it, wherever it sits.
//
// Cases found by fuzzing (verifier.FuzzVerifySignedSDJWT: a dose's country
// "\xff" was shown as "\ufffd").
func TestIssueRefusesInvalidUTF8(t *testing.T) {
	f := setup(t)
	var dose Dose
	dose.Country = "\xff"
	for _, c := range []Claim{
		{Name: "doses", Value: []any{dose}, SDElements: true},
		{Name: "given_name", Value: "Am\xe9lie", SD: true},
		{Name: "family_name", Value: "Ha\xc0ddad"},
		{Name: "x", Value: map[string]any{"k\xff": "v"}},
		{Name: "x", Value: json.RawMessage("\"\xff\"")},
		{Name: "n\xff", Value: "v"},
	} {
		if _, err := Issue(f.issuer, IssueRequest{Issuer: iss, Claims: []Claim{c}}); !isType[*FormatError](err) || !strings.Contains(err.Error(), "invalid UTF-8") {
			t.Errorf("Issue(%q: %#v) = %v, want a FormatError naming invalid UTF-8", c.Name, c.Value, err)
		}
	}
	if _, err := Issue(f.issuer, IssueRequest{Issuer: iss, Claims: []Claim{{Name: "given_name", Value: "Amélie \ufffd", SD: true}}}); err != nil {
		t.Errorf("valid UTF-8 (U+FFFD included) refused: %v", err)
	}
}

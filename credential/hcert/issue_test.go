package hcert_test

import (
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
)

// TestIssueRefusesInvalidUTF8: encoding/json reads invalid UTF-8 as U+FFFD,
// so a certificate issued from it would say something else than it was
// given. Cases found by fuzzing (verifier.FuzzVerifySignedHCERT: an "is" of
// "\xff" was shown as "\ufffd").
func TestIssueRefusesInvalidUTF8(t *testing.T) {
	_, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	iat := time.Date(2021, 6, 2, 0, 0, 0, 0, time.UTC)
	o := hcert.IssueOptions{Issuer: "FR", IssuedAt: iat, Expires: iat.AddDate(1, 0, 0), KID: []byte("kid")}
	bad := strings.Replace(hcerttest.Vaccination, "Ministère", "Minist\xe8re", 1)
	if _, err := hcert.Issue([]byte(bad), key, o); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("DCC with invalid UTF-8: %v", err)
	}
	o.Issuer = "F\xff"
	if _, err := hcert.Issue([]byte(hcerttest.Vaccination), key, o); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("issuer with invalid UTF-8: %v", err)
	}
	o.Issuer = "FR"
	if _, err := hcert.Issue([]byte(hcerttest.Vaccination), key, o); err != nil {
		t.Errorf("valid DCC refused: %v", err)
	}
}

package wallet

import (
	"errors"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
)

func names(ps []Profile) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Given)
	}
	return strings.Join(s, ",")
}

func TestProfiles(t *testing.T) {
	w := newTestWallet(t, Options{})
	var ids []string
	for _, g := range []string{"Amira", "Karim", "Layla"} {
		p, err := w.AddProfile(Profile{Given: g, Family: "Haddad", Country: "ae"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Country != "AE" || !strings.HasPrefix(p.HolderDID, "did:key:zDn") {
			t.Fatalf("added %+v", p)
		}
		ids = append(ids, p.ID)
	}
	list, _ := w.Profiles()
	if got := names(list); got != "Amira,Karim,Layla" {
		t.Fatalf("order %s", got)
	}
	if err := w.MoveProfile(ids[2], 0); err != nil {
		t.Fatal(err)
	}
	list, _ = w.Profiles()
	if got := names(list); got != "Layla,Amira,Karim" {
		t.Fatalf("after move %s", got)
	}
	if err := w.SetFavourite(ids[1]); err != nil {
		t.Fatal(err)
	}
	list, _ = w.Profiles()
	if got := names(list); got != "Karim,Layla,Amira" || !list[0].Favourite {
		t.Fatalf("after favourite %s", got)
	}
	if err := w.RenameProfile(ids[0], "  Amira  Noor ", "Haddad"); err != nil {
		t.Fatal(err)
	}
	if p, _ := w.Profile(ids[0]); p.Given != "Amira Noor" {
		t.Fatalf("rename: %q", p.Given)
	}
	// The holder key is stored and its did:key is the profile's.
	k, err := w.holderKey(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	did, _ := w.HolderDID(ids[0])
	if k.Public().DIDKey() != did {
		t.Fatal("holder key does not match HolderDID")
	}
	if _, err := jose.ParseDIDKey(did); err != nil {
		t.Fatal(err)
	}
	png, err := w.HolderQR(ids[0], 300)
	if err != nil {
		t.Fatal(err)
	}
	if texts, err := qr.Decode(png); err != nil || texts[0] != did {
		t.Fatalf("holder QR decodes to %v, %v", texts, err)
	}
	// Removing a profile with credentials needs confirmation.
	c := newClinic(t)
	jws := c.shc(t, demoRecord(t))
	cands, err := w.Import("card.smart-health-card", []byte(`{"verifiableCredential":["`+jws+`"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.KeepUnverified(cands[0], ids[0]); err != nil { // no trust: unknown issuer
		t.Fatal(err)
	}
	var ne *ProfileNotEmptyError
	if err := w.RemoveProfile(ids[0], false); !errors.As(err, &ne) || ne.Credentials != 1 {
		t.Fatalf("remove unconfirmed: %v", err)
	}
	if err := w.RemoveProfile(ids[0], true); err != nil {
		t.Fatal(err)
	}
	if cs, _ := w.Credentials(""); len(cs) != 0 {
		t.Fatalf("credentials left: %d", len(cs))
	}
	list, _ = w.Profiles()
	if got := names(list); got != "Karim,Layla" {
		t.Fatalf("after remove %s", got)
	}
	var nf *NotFoundError
	if err := w.MoveProfile("nope", 1); !errors.As(err, &nf) {
		t.Fatalf("move unknown: %v", err)
	}
	var pe *ProfileError
	for _, bad := range []Profile{{}, {Given: "A", Country: "FRA"}, {Given: "  "}} {
		if _, err := w.AddProfile(bad); !errors.As(err, &pe) {
			t.Errorf("AddProfile(%+v) = %v", bad, err)
		}
	}
}

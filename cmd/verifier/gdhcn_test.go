package main

import (
	"bytes"
	"encoding/asn1"
	"os"
	"path/filepath"
	"time"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/trust/gdhcntest"
)

// writeGDHCN writes WHO GDHCN trust-list files: dev-list.json and
// who-signing-dev.did.json (the published DEV list and its signer's DID
// document), own-list.json signed by own-signer.did.json's key and holding
// the DSC (country FRA) that signed vacc.txt (issued 2021-06-02), and
// tampered-list.json (own-list.json with that DSC's country changed).
func writeGDHCN(dir string) error {
	files := map[string][]byte{}
	for dst, src := range map[string]string{"dev-list.json": "trustlist-dev-v2.did.json", "who-signing-dev.did.json": "who-signing-dev.did.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "gdhcn", src))
		if err != nil {
			return err
		}
		files[dst] = b
	}
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{Country: "FR", EKU: []asn1.ObjectIdentifier{hcerttest.EKU["vaccination"]}})
	if err != nil {
		return err
	}
	iat := time.Date(2021, 6, 2, 0, 0, 0, 0, time.UTC)
	vacc, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{Issuer: "FR", IssuedAt: iat, Expires: iat.AddDate(1, 0, 0), KID: trust.DSCKID(der)})
	if err != nil {
		return err
	}
	sg, err := gdhcntest.NewSigner("did:web:trust.example:signing")
	if err != nil {
		return err
	}
	list, err := sg.List("did:web:trust.example:v2:trustlist", []gdhcntest.Entry{{Domain: "DCC", Country: "FRA", Usage: "DSC", KID: trust.DSCKID(der), Cert: der}}, iat)
	if err != nil {
		return err
	}
	files["own-list.json"], files["own-signer.did.json"], files["vacc.txt"] = list, sg.DIDDocument(), []byte(vacc+"\n")
	files["tampered-list.json"] = bytes.Replace(list, []byte(":DCC:FRA:DSC#"), []byte(":DCC:DEU:DSC#"), 1)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

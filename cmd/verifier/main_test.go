package main

import (
	"crypto"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"time"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/internal/spectest"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"verifier": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// writeRegistry writes a registry world (verifiertest) as files: policy.json,
// bundle, stale.bundle, below-quorum.bundle, old.bundle (version 2), <name>.txt credentials and
// <name>.proof proofs. Scripts verify with --at 2026-11-21T09:00:00Z.
func writeRegistry(dir string) error {
	w, err := verifiertest.New()
	if err != nil {
		return err
	}
	files := map[string][]byte{"policy.json": w.PolicyJSON, "bundle": w.Bundle, "stale.bundle": w.Stale, "below-quorum.bundle": w.BelowQuorum, "old.bundle": w.Old, "rules.bundle": w.Rules,
		"rules.json": assets.ContextPolicies()}
	for n, c := range w.Creds {
		files[n+".txt"] = []byte(c + "\n")
	}
	for n, p := range w.Proofs {
		files[n+".proof"] = p
	}
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

// writeHCERT writes EU DCC test files: dsc.pem and dsc.der (a P-256
// document signer, EKU vaccination), test-eku.pem (EKU test only), and
// HCERTs it signed: vacc.txt, vacc.png, test.txt (a test certificate: the
// wrong kind for its key usage), yf.txt (a yellow fever vaccination of
// 2021-06-01), recovery-ok.txt (signed by a DSC without
// EKU, in open.pem), issued 2021-06-02, expiring 2022-06-02.
func writeHCERT(dir string) error {
	iat := time.Date(2021, 6, 2, 0, 0, 0, 0, time.UTC)
	o := hcert.IssueOptions{Issuer: "FR", IssuedAt: iat, Expires: iat.AddDate(1, 0, 0)}
	files := map[string][]byte{}
	dsc := func(name string, eku []asn1.ObjectIdentifier) (crypto.Signer, []byte, error) {
		der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{EKU: eku, Country: "FR"})
		files[name+".pem"] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		return key, der, err
	}
	key, der, err := dsc("dsc", []asn1.ObjectIdentifier{hcerttest.EKU["vaccination"]})
	if err != nil {
		return err
	}
	files["dsc.der"] = der
	o.KID = trust.DSCKID(der)
	vacc, err := hcert.Issue([]byte(hcerttest.Vaccination), key, o)
	if err != nil {
		return err
	}
	test, err := hcert.Issue([]byte(hcerttest.Test), key, o)
	if err != nil {
		return err
	}
	// A WHO DDCC yellow fever vaccination of 2021-06-01 ("tg" 16541001).
	yf, err := hcert.Issue([]byte(strings.NewReplacer(`"tg":"840539006"`, `"tg":"16541001"`, `"mp":"EU/1/20/1528"`, `"mp":"YF-17D"`,
		`"dn":2,"sd":2`, `"dn":1,"sd":1`).Replace(hcerttest.Vaccination)), key, o)
	if err != nil {
		return err
	}
	files["yf.txt"] = []byte(yf + "\n")
	okey, oder, err := dsc("open", nil)
	if err != nil {
		return err
	}
	o.KID = trust.DSCKID(oder)
	rec, err := hcert.Issue([]byte(hcerttest.Recovery), okey, o)
	if err != nil {
		return err
	}
	sym, err := qr.Encode(vacc, qr.L)
	if err != nil {
		return err
	}
	png, err := sym.PNG(4)
	if err != nil {
		return err
	}
	files["vacc.txt"], files["vacc.png"] = []byte(vacc+"\n"), png
	files["test.txt"], files["recovery-ok.txt"] = []byte(test+"\n"), []byte(rec+"\n")
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

// TestScripts runs testdata/script/*.txtar with the official SMART Health
// Cards examples copied into each script's work directory as spec/…, and
// a VCI snapshot trusting the spec issuer as spec-trust.json.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			dst := filepath.Join(env.WorkDir, "spec")
			if err := os.CopyFS(dst, os.DirFS(filepath.Join(spectest.Dir(), "examples"))); err != nil {
				return err
			}
			snap, err := spectest.SnapshotJSON()
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(env.WorkDir, "spec-trust.json"), snap, 0o644); err != nil {
				return err
			}
			if err := writeHCERT(filepath.Join(env.WorkDir, "hc")); err != nil {
				return err
			}
			if err := writeHostile(filepath.Join(env.WorkDir, "hostile")); err != nil {
				return err
			}
			return writeRegistry(filepath.Join(env.WorkDir, "reg"))
		},
	})
}

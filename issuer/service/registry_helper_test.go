package service

import (
	"path/filepath"
	"testing"

	"github.com/immunopass/immunopass/issuer/fakeregistry"
)

// accreditedClinic makes a clinic data folder whose key is accredited in
// a fake registry serving on loopback (stopped when the test ends): the
// folder, the registry's base URL and the registry.
func accreditedClinic(t *testing.T) (dir, base string, reg *fakeregistry.Registry) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "clinic")
	if err := Init(dir, InitOptions{Issuer: "https://clinic.example", Passphrase: testPass, WorkFactor: 10, AdminPassword: testAdminPwd}); err != nil {
		t.Fatal(err)
	}
	reg = fakeregistry.New()
	// Accredit the clinic's key (Open decrypts it; read its public key).
	probe, err := Open(dir, testPass, Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg.AddIssuer("https://clinic.example", probe.key.Key.Public())
	probe.Close()
	base, err = reg.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Stop() })
	return dir, base, reg
}

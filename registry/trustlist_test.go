package registry

import (
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/trust/gdhcntest"
)

func TestImportTrustList(t *testing.T) {
	files, err := gdhcntest.Files("../testdata/gdhcn")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ImportTrustList(files["dev-list.json"], files["who-signing-dev.did.json"], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.DSCs) != 109 || rec.Signed.Format(time.RFC3339) != "2026-08-22T18:00:02Z" || len(rec.Countries()) < 10 {
		t.Fatalf("%d DSCs, signed %v, countries %v", len(rec.DSCs), rec.Signed, rec.Countries())
	}
	for _, d := range rec.DSCs {
		if len(d.KID) == 0 || d.Country == "" || d.List != "did:web:tng-cdn-dev.who.int:v2:trustlist" {
			t.Fatalf("DSC kid %x country %q list %q", d.KID, d.Country, d.List)
		}
	}
	if _, err := ImportTrustList(files["tampered-list.json"], files["own-signer.did.json"], time.Now()); err == nil || !strings.Contains(err.Error(), "nothing imported") {
		t.Fatalf("tampered: %v", err)
	}
	if _, err := ImportTrustList(files["own-list.json"], files["who-signing-dev.did.json"], time.Now()); err == nil {
		t.Fatal("wrong signer accepted")
	}
	if _, err := ImportTrustList(files["own-list.json"], []byte(`{}`), time.Now()); err == nil {
		t.Fatal("no signer accepted")
	}
}

package verifier

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/base45"
	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
	"github.com/immunopass/immunopass/credential/trust"
)

var (
	hcIat = time.Date(2021, 6, 2, 0, 0, 0, 0, time.UTC)
	hcExp = hcIat.AddDate(1, 0, 0)
	hcAt  = hcIat.AddDate(0, 1, 0)
)

type testDSC struct {
	der []byte
	key crypto.Signer
}

var dscCache sync.Map

// dscFor makes (once per name) a test DSC.
func dscFor(t *testing.T, name string, o hcerttest.DSCOptions) testDSC {
	t.Helper()
	if d, ok := dscCache.Load(name); ok {
		return d.(testDSC)
	}
	der, key, err := hcerttest.NewDSC(o)
	if err != nil {
		t.Fatal(err)
	}
	d := testDSC{der, key}
	dscCache.Store(name, d)
	return d
}

func issueHC(t *testing.T, d testDSC, payload string, o hcert.IssueOptions) string {
	t.Helper()
	if o.KID == nil {
		o.KID = trust.DSCKID(d.der)
	}
	if o.IssuedAt.IsZero() {
		o.IssuedAt, o.Expires = hcIat, hcExp
	}
	o.Issuer = "FR"
	text, err := hcert.Issue([]byte(payload), d.key, o)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// hc1Of wraps raw COSE bytes as HC1: text, zlib-compressed.
func hc1Of(raw []byte) string {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	return hcert.Prefix + base45.Encode(z.Bytes())
}

func TestHCERT(t *testing.T) {
	es := dscFor(t, "es", hcerttest.DSCOptions{})
	ps := dscFor(t, "ps", hcerttest.DSCOptions{Key: "rsa2048"})
	ekuVacc := dscFor(t, "ekuVacc", hcerttest.DSCOptions{EKU: []asn1.ObjectIdentifier{hcerttest.EKU["vaccination"]}})
	ekuProd := dscFor(t, "ekuProd", hcerttest.DSCOptions{EKU: []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}}})
	ekuTest := dscFor(t, "ekuTest", hcerttest.DSCOptions{EKU: []asn1.ObjectIdentifier{hcerttest.EKU["test"]}})
	expired := dscFor(t, "expired", hcerttest.DSCOptions{NotBefore: hcIat.AddDate(-2, 0, 0), NotAfter: hcIat.AddDate(0, 0, -1)})
	short := dscFor(t, "short", hcerttest.DSCOptions{NotBefore: hcIat.AddDate(-1, 0, 0), NotAfter: hcIat.AddDate(0, 6, 0)})
	weak := dscFor(t, "weak", hcerttest.DSCOptions{Key: "rsa1024"})
	p384 := dscFor(t, "p384", hcerttest.DSCOptions{Key: "p384"})
	other := dscFor(t, "other", hcerttest.DSCOptions{})

	store := trust.New()
	for _, d := range []testDSC{es, ps, ekuVacc, ekuProd, ekuTest, expired, short, weak, p384} {
		dsc, err := trust.NewDSC(d.der)
		if err != nil {
			t.Fatal(err)
		}
		store.AddDSC(dsc)
	}
	good := issueHC(t, es, hcerttest.Vaccination, hcert.IssueOptions{})
	tampered := []byte(good)
	tampered[len(tampered)-4] ^= 1 // still Base45, damaged content or signature
	// a P-256 signature under the kid of a P-384 DSC, alg ES256
	p384Forged := issueHC(t, testDSC{p384.der, es.key}, hcerttest.Vaccination, hcert.IssueOptions{})
	bomb := hc1Of(append([]byte{0xd2, 0x84, 0x40, 0xa0}, 0x9b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff))
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	zbomb := hcert.Prefix + base45.Encode(zb.Bytes())
	corrupt := hcert.Prefix + base45.Encode([]byte{0x78, 0xda, 1, 2, 3, 4, 5})

	cases := []struct {
		name, text string
		at         time.Time
		want       []string
		kind       string
	}{
		{"ES256, kid protected", good, hcAt, []string{OK}, hcert.KindVaccination},
		{"ES256, kid unprotected", issueHC(t, es, hcerttest.Vaccination, hcert.IssueOptions{KIDUnprotected: true}), hcAt, []string{OK}, hcert.KindVaccination},
		{"alg and kid unprotected, empty protected", issueHC(t, es, hcerttest.Vaccination, hcert.IssueOptions{HeadersUnprotected: true}), hcAt, []string{OK}, hcert.KindVaccination},
		{"untagged", issueHC(t, es, hcerttest.Vaccination, hcert.IssueOptions{Untagged: true}), hcAt, []string{OK}, hcert.KindVaccination},
		{"tag 61 around 18", issueHC(t, es, hcerttest.Vaccination, hcert.IssueOptions{CWTTag: true}), hcAt, []string{OK}, hcert.KindVaccination},
		{"float iat/exp", issueHC(t, es, hcerttest.Vaccination, hcert.IssueOptions{FloatTimes: true}), hcAt, []string{OK}, hcert.KindVaccination},
		{"PS256 RSA 2048", issueHC(t, ps, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{OK}, hcert.KindVaccination},
		{"test certificate", issueHC(t, es, hcerttest.Test, hcert.IssueOptions{}), hcAt, []string{OK}, hcert.KindTest},
		{"recovery certificate", issueHC(t, es, hcerttest.Recovery, hcert.IssueOptions{}), hcAt, []string{OK}, hcert.KindRecovery},
		{"EKU vaccination, vaccination", issueHC(t, ekuVacc, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{OK}, hcert.KindVaccination},
		{"EKU production OID, vaccination", issueHC(t, ekuProd, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{OK}, hcert.KindVaccination},
		{"EKU test, vaccination", issueHC(t, ekuTest, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{KeyUsage}, hcert.KindVaccination},
		{"EKU vaccination, recovery", issueHC(t, ekuVacc, hcerttest.Recovery, hcert.IssueOptions{}), hcAt, []string{KeyUsage}, hcert.KindRecovery},
		{"DSC expired before iat", issueHC(t, expired, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{KeyUsage}, hcert.KindVaccination},
		{"exp beyond the DSC", issueHC(t, short, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{KeyUsage}, hcert.KindVaccination},
		{"expired", good, hcExp.Add(time.Second), []string{Expired}, hcert.KindVaccination},
		{"exp inclusive", good, hcExp, []string{OK}, hcert.KindVaccination},
		{"not yet valid", good, hcIat.Add(-time.Second), []string{NotYetValid}, hcert.KindVaccination},
		{"RSA-1024 DSC", issueHC(t, testDSC{weak.der, ps.key}, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{BadKey}, ""},
		{"P-384 DSC, ES256", p384Forged, hcAt, []string{BadKey}, ""},
		{"unknown kid", issueHC(t, other, hcerttest.Vaccination, hcert.IssueOptions{}), hcAt, []string{UnknownKID}, ""},
		{"schema: two certificates in one", issueHC(t, es, strings.Replace(hcerttest.Vaccination, `"v":`, `"t":[],"v":`, 1), hcert.IssueOptions{}), hcAt, []string{Schema}, ""},
		{"schema: dose as text", issueHC(t, es, strings.Replace(hcerttest.Vaccination, `"dn":2`, `"dn":"2"`, 1), hcert.IssueOptions{}), hcAt, []string{Schema}, hcert.KindVaccination},
		{"corrupt zlib", corrupt, hcAt, []string{BadCompression}, ""},
		{"zlib bomb", zbomb, hcAt, []string{BadCompression}, ""},
		{"CBOR bomb", bomb, hcAt, []string{BadPayload}, ""},
		{"not Base45", "HC1:abc~", hcAt, []string{BadEncoding}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := &Verifier{Trust: store, At: tc.at}
			rs := v.Verify([]Input{{Name: "hc1.txt", Data: []byte(tc.text)}})
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			r := rs[0]
			if r.Format != FormatHCERT || !slices.Equal(r.Reasons, tc.want) || r.Valid != (tc.want[0] == OK) {
				t.Fatalf("format %s reasons %v (%v), want %v", r.Format, r.Reasons, r.Messages, tc.want)
			}
			if tc.kind != "" && r.Kind != tc.kind {
				t.Errorf("kind %q, want %q", r.Kind, tc.kind)
			}
			if tc.want[0] == OK && (r.Subject.Name != "Amira Haddad" || r.Issuer.ID != "FR") {
				t.Errorf("subject %+v issuer %+v", r.Subject, r.Issuer)
			}
		})
	}
	// The tampered text fails, with a reason, never valid.
	r := (&Verifier{Trust: store, At: hcAt}).Verify([]Input{{Name: "x", Data: tampered}})[0]
	if r.Valid {
		t.Fatal("a tampered HCERT verified")
	}

	// The record: name, partial birth date, the dose in words.
	r = (&Verifier{Trust: store, At: hcAt}).Verify([]Input{{Name: "x", Data: []byte(good)}})[0]
	if r.Subject.BirthDate != "2016-03" || len(r.Immunizations) != 1 {
		t.Fatalf("%+v", r)
	}
	im := r.Immunizations[0]
	if im.Vaccine.Display != "Comirnaty" || im.Dose != 2 || im.Date != "2021-06-01" || im.Country != "FR" {
		t.Fatalf("%+v", im)
	}
}

// TestHCERTTrustFile: --trust takes DSCs as PEM or DER.
func TestHCERTTrustFile(t *testing.T) {
	es := dscFor(t, "es", hcerttest.DSCOptions{})
	c, _ := x509.ParseCertificate(es.der)
	good := issueHC(t, es, hcerttest.Vaccination, hcert.IssueOptions{})
	for name, data := range map[string][]byte{"der": es.der, "pem": pemOf(c.Raw)} {
		s := trust.New()
		if err := s.Load(name, data); err != nil {
			t.Fatal(err)
		}
		r := (&Verifier{Trust: s, At: hcAt}).Verify([]Input{{Name: "x", Data: []byte(good)}})[0]
		if !r.Valid {
			t.Fatalf("%s: %v %v", name, r.Reasons, r.Messages)
		}
	}
}

func pemOf(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

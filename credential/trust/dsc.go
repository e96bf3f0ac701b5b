package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"time"
)

// DSC is an EU DCC document signer certificate: the key that signs HCERTs
// of one country, found by its kid.
type DSC struct {
	Cert    *x509.Certificate
	KID     []byte // the first 8 bytes of SHA-256 over the DER
	Country string // the certificate subject's C, or as a trust list names it
	// Usage, when set by a trust list, restricts the kinds the DSC may sign
	// ("vaccination", "test", "recovery"); the certificate's own EKU
	// applies too.
	Usage  []string
	Source string // the file or list it came from, for messages
}

// DSCKID returns the HCERT key id of a certificate: the first 8 bytes of
// SHA-256 over its DER.
func DSCKID(der []byte) []byte {
	h := sha256.Sum256(der)
	return h[:8]
}

// MaxDSCFile bounds a file of document signer certificates.
const MaxDSCFile = 4 << 20

// ParseDSCs reads document signer certificates as PEM (one or more
// "CERTIFICATE" blocks) or as one DER certificate, detected from the
// content.
func ParseDSCs(data []byte) ([]*DSC, error) {
	if len(data) > MaxDSCFile {
		return nil, fmt.Errorf("%d bytes, more than %d", len(data), MaxDSCFile)
	}
	var ders [][]byte
	if t := bytes.TrimSpace(data); bytes.HasPrefix(t, []byte("-----BEGIN")) {
		rest := t
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				return nil, fmt.Errorf("PEM block %q, want CERTIFICATE", b.Type)
			}
			ders = append(ders, b.Bytes)
		}
		if len(bytes.TrimSpace(rest)) != 0 {
			return nil, fmt.Errorf("text after the last PEM certificate: %q", short(rest))
		}
		if len(ders) == 0 {
			return nil, fmt.Errorf("no PEM certificate")
		}
	} else {
		ders = [][]byte{data}
	}
	var out []*DSC
	for i, der := range ders {
		d, err := NewDSC(der)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", i+1, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// NewDSC parses one DER certificate as a document signer.
func NewDSC(der []byte) (*DSC, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("not an X.509 certificate: %w", err)
	}
	d := &DSC{Cert: c, KID: DSCKID(c.Raw)}
	if len(c.Subject.Country) > 0 {
		d.Country = c.Subject.Country[0]
	}
	return d, nil
}

func short(b []byte) string {
	if len(b) > 24 {
		return string(b[:24]) + "…"
	}
	return string(b)
}

func (s *Store) loadDSCs(name string, data []byte) error {
	ds, err := ParseDSCs(data)
	if err != nil {
		return &FileError{Name: name, Problem: "document signer certificates: " + err.Error()}
	}
	for _, d := range ds {
		d.Source = name
		s.AddDSC(d)
	}
	return nil
}

// AddDSC trusts a document signer certificate for HCERT signatures.
func (s *Store) AddDSC(d *DSC) {
	if s.dscs == nil {
		s.dscs = map[string][]*DSC{}
	}
	k := string(d.KID)
	for _, e := range s.dscs[k] {
		if bytes.Equal(e.Cert.Raw, d.Cert.Raw) {
			return
		}
	}
	s.dscs[k] = append(s.dscs[k], d)
}

// DSCs returns the document signers with this kid (several certificates
// may share one; each is tried).
func (s *Store) DSCs(kid []byte) []*DSC { return s.dscs[string(kid)] }

// AllDSCs returns every trusted document signer.
func (s *Store) AllDSCs() []*DSC {
	var out []*DSC
	for _, ds := range s.dscs {
		out = append(out, ds...)
	}
	return out
}

// EKU OIDs of EU DCC document signers, by payload kind, in the form of the
// specification (1.3.6.1.4.1.1847.2021.1.x) and the one seen in production
// (1.3.6.1.4.1.0.1847.2021.1.x).
var dscEKU = map[string][]asn1.ObjectIdentifier{
	"test":        {{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}},
	"vaccination": {{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}},
	"recovery":    {{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 3}},
}

// isDCCEKU reports whether oid is one of the DCC EKU OIDs.
func isDCCEKU(oid asn1.ObjectIdentifier) bool {
	for _, l := range dscEKU {
		for _, o := range l {
			if o.Equal(oid) {
				return true
			}
		}
	}
	return false
}

// CheckDSCUse checks that d may have signed an HCERT of this kind issued at
// iat and expiring at exp: the certificate's validity contains both
// (inclusive), and when it carries DCC extended key usages (or a trust
// list restricts it), they include the kind. Failures are KeyUsageError.
func CheckDSCUse(d *DSC, kind string, iat, exp time.Time) error {
	kid := base64.StdEncoding.EncodeToString(d.KID)
	bad := func(f string, a ...any) error {
		return &KeyUsageError{Iss: d.Country, KID: kid, Problem: fmt.Sprintf(f, a...)}
	}
	c := d.Cert
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if iat.Before(c.NotBefore) || iat.After(c.NotAfter) {
		return bad("the certificate was issued %s, outside its document signer's validity (%s to %s)", ts(iat), ts(c.NotBefore), ts(c.NotAfter))
	}
	if exp.Before(c.NotBefore) || exp.After(c.NotAfter) {
		return bad("the certificate expires %s, beyond its document signer's validity (%s to %s)", ts(exp), ts(c.NotBefore), ts(c.NotAfter))
	}
	var dcc []asn1.ObjectIdentifier
	for _, o := range c.UnknownExtKeyUsage {
		if isDCCEKU(o) {
			dcc = append(dcc, o)
		}
	}
	if len(dcc) > 0 {
		ok := false
		for _, o := range dcc {
			for _, w := range dscEKU[kind] {
				ok = ok || o.Equal(w)
			}
		}
		if !ok {
			return bad("the document signer may not sign %s certificates (its extended key usage allows only %s)", kindName(kind), ekuNames(dcc))
		}
	}
	if len(d.Usage) > 0 && !contains(d.Usage, kind) {
		return bad("the trust list allows this document signer only for %v, not %s certificates", d.Usage, kindName(kind))
	}
	return nil
}

func kindName(kind string) string {
	if kind == "" {
		return "ambiguous"
	}
	return kind
}

func ekuNames(oids []asn1.ObjectIdentifier) string {
	var out []string
	for _, o := range oids {
		for k, l := range dscEKU {
			for _, w := range l {
				if o.Equal(w) && !contains(out, k) {
					out = append(out, k)
				}
			}
		}
	}
	return fmt.Sprint(out)
}

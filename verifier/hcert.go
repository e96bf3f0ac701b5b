package verifier

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/trust"
)

// hcertFormat is EU Digital COVID Certificates / WHO DDCC ("HC1:"):
// COSE_Sign1 signed by a document signer certificate (DSC) found by kid.
type hcertFormat struct{}

func (hcertFormat) name() string { return FormatHCERT }

func (hcertFormat) detect(text string) bool { return strings.HasPrefix(text, hcert.Prefix) }

func (hcertFormat) decode(text string) (any, error) { return hcert.Decode(text) }

func (hcertFormat) check(v *Verifier, input string, decoded any) Result {
	s := decoded.(*hcert.Sign1)
	kid := base64.StdEncoding.EncodeToString(s.KID)
	c, oerr := hcert.Open(s)
	iss := ""
	if c != nil {
		iss = c.Issuer
	}
	r := failed(input, FormatHCERT, nil)
	r.Issuer = Issuer{ID: iss, KID: kid}
	dscs := v.Trust.DSCs(s.KID)
	if len(dscs) == 0 {
		addErrors(&r, []error{&trust.UnknownKeyError{Iss: iss, KID: kid}})
		return r
	}
	var dsc *trust.DSC
	var verr error
	for _, d := range dscs {
		if verr = s.Verify(d.Cert.PublicKey); verr == nil {
			dsc = d
			break
		}
	}
	if dsc == nil {
		addErrors(&r, []error{verr})
		return r
	}
	r.Issuer.Name = dscName(dsc)
	if oerr != nil {
		addErrors(&r, []error{oerr})
		return r
	}
	// What the certificate says is shown once its signature holds.
	r.Kind = c.Kind
	r.Disclosed = []string{c.Kind}
	var errs []error
	if err := trust.CheckDSCUse(dsc, c.Kind, c.IssuedAt, c.Expires); err != nil {
		errs = append(errs, err)
	}
	if err := c.CheckTime(v.at()); err != nil {
		errs = append(errs, err)
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	} else if rec, err := c.Record(); err != nil {
		errs = append(errs, err)
	} else {
		fill(&r, rec)
		r.hc = c
	}
	addErrors(&r, errs)
	return finish(r)
}

// dscName is who a document signer names as its holder.
func dscName(d *trust.DSC) string {
	sub := d.Cert.Subject
	if len(sub.Organization) > 0 {
		return sub.Organization[0]
	}
	return sub.CommonName
}

// hcertReason maps the errors of package hcert to reason codes.
func hcertReason(err error) (string, bool) {
	var (
		enc  *hcert.EncodingError
		comp *hcert.CompressionError
		pay  *hcert.PayloadError
		hdr  *hcert.HeaderError
		key  *hcert.KeyError
		sch  *hcert.SchemaError
	)
	switch {
	case errors.As(err, &enc):
		return BadEncoding, true
	case errors.As(err, &comp):
		return BadCompression, true
	case errors.As(err, &pay):
		return BadPayload, true
	case errors.As(err, &hdr):
		return BadHeader, true
	case errors.As(err, &key):
		return BadKey, true
	case errors.Is(err, hcert.ErrBadSignature):
		return BadSignature, true
	case errors.Is(err, hcert.ErrExpired):
		return Expired, true
	case errors.Is(err, hcert.ErrNotYetValid):
		return NotYetValid, true
	case errors.As(err, &sch):
		return Schema, true
	}
	return "", false
}

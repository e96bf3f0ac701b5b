package issuer

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
)

// Issued is one credential made from one record.
type Issued struct {
	Record *vax.Record
	JWS    string
	RID    string
}

// Request says what to issue.
type Request struct {
	Issuer  string        // iss
	Expires time.Duration // 0: no exp
	// RIDUser is the clinic's stable id of the patient (an MRN); the rid is
	// derived from it so that revoking the patient's cards needs no lookup.
	// When empty, each card gets a random, unlinkable rid.
	RIDUser string
	Now     time.Time
	// Country is the clinic's country as its registry accreditation
	// states it; when set, SMART Health Cards are trimmed to fit a smaller
	// QR code (see shc.IssueOptions.Country). Leave it empty for an issuer
	// that verifiers know only from a VCI snapshot, which has no country.
	Country string
}

// ReadRecords reads EMR input: a FHIR R4 Bundle (JSON), or CSV rows in the
// format vax.ParseCSV documents. For a Bundle it also returns the bundle as
// given, so that what is signed is what the EMR said.
func ReadRecords(input []byte) ([]*vax.Record, [][]byte, error) {
	trimmed := bytes.TrimSpace(input)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		rec, err := vax.FromFHIR(trimmed)
		if err != nil {
			return nil, nil, err
		}
		return []*vax.Record{rec}, [][]byte{trimmed}, nil
	}
	recs, err := vax.ParseCSV(input)
	if err != nil {
		return nil, nil, err
	}
	var out []*vax.Record
	var bundles [][]byte
	for i := range recs {
		b, err := recs[i].FHIR()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, &recs[i])
		bundles = append(bundles, b)
	}
	return out, bundles, nil
}

// IssueSHC validates each record and signs it as a SMART Health Card that
// fits one QR code.
func (kf *KeyFile) IssueSHC(input []byte, req Request) ([]Issued, error) {
	recs, bundles, err := ReadRecords(input)
	if err != nil {
		return nil, err
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	var out []Issued
	for i, rec := range recs {
		if err := rec.Validate(now); err != nil {
			return nil, fmt.Errorf("record %d (%s): %w", i+1, rec.Patient.Name(), err)
		}
		rid := ""
		if req.RIDUser != "" {
			rid = shc.RID(kf.RIDSecret, kf.Key.Public().KID(), req.RIDUser)
		} else if rid, err = randomB64(8); err != nil {
			return nil, err
		}
		opt := shc.IssueOptions{Issuer: req.Issuer, NotBefore: now, RID: rid, Country: req.Country}
		if req.Expires > 0 {
			opt.Expires = now.Add(req.Expires)
		}
		jws, err := shc.Issue(kf.Key, bundles[i], opt)
		if err != nil {
			return nil, err
		}
		if len(jws) > shc.MaxSingleQRJWS {
			return nil, fmt.Errorf("record %d (%s): the card is %d characters, over the %d that fit one QR code; issue fewer doses per card", i+1, rec.Patient.Name(), len(jws), shc.MaxSingleQRJWS)
		}
		out = append(out, Issued{Record: rec, JWS: jws, RID: rid})
	}
	return out, nil
}

// Render formats a card for the output file's extension: .smart-health-card,
// .txt (the shc:/ text), .png or .svg (the QR code), .jws.
func Render(jws, path string) ([]byte, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".smart-health-card":
		return shc.FormatFile(jws), nil
	case ".jws":
		return []byte(jws + "\n"), nil
	case ".txt", ".png", ".svg":
		text, err := shc.EncodeQR(jws)
		if err != nil {
			return nil, err
		}
		if ext == ".txt" {
			return []byte(text + "\n"), nil
		}
		sym, err := qr.EncodeSHC(text)
		if err != nil {
			return nil, err
		}
		if ext == ".svg" {
			return sym.SVG(), nil
		}
		return sym.PNGSize(600)
	default:
		return nil, fmt.Errorf("output %q: unknown extension %q (want .smart-health-card, .txt, .png, .svg or .jws)", path, ext)
	}
}

// IssuedSD is one SD-JWT VC made from a record, bound to one holder key.
type IssuedSD struct {
	Record *vax.Record
	SDJWT  string // issuer JWT and every disclosure, "~"-terminated
	Index  int    // its status list index
	// StatusURI is the status list the index is in.
	StatusURI string
}

// IssueSDJWT signs one record as a batch of SD-JWT VCs, one per holder key:
// each has its own salts, holder key and random status index, so two
// presentations of the batch cannot be linked by a repeated signature, key
// or index. Revoking the record (st.Record) revokes them all.
func (kf *KeyFile) IssueSDJWT(input []byte, req Request, holders []*jose.Key, st *LocalStatus, record string) ([]IssuedSD, error) {
	return kf.issueSDJWT(input, req, holders, func() (sdjwt.StatusRef, error) {
		idx, err := st.Allocate(record)
		return sdjwt.StatusRef{URI: st.URI, Idx: idx}, err
	})
}

// IssueSDJWTWithStatus is IssueSDJWT with status entries allocated
// elsewhere (by the registry): one entry per holder, in order.
func (kf *KeyFile) IssueSDJWTWithStatus(input []byte, req Request, holders []*jose.Key, entries []StatusEntry) ([]IssuedSD, error) {
	if len(entries) != len(holders) {
		return nil, fmt.Errorf("%d status entries for %d holders", len(entries), len(holders))
	}
	next := 0
	return kf.issueSDJWT(input, req, holders, func() (sdjwt.StatusRef, error) {
		e := entries[next]
		next++
		return sdjwt.StatusRef{URI: e.URI, Idx: e.Idx}, nil
	})
}

func (kf *KeyFile) issueSDJWT(input []byte, req Request, holders []*jose.Key, allocate func() (sdjwt.StatusRef, error)) ([]IssuedSD, error) {
	recs, _, err := ReadRecords(input)
	if err != nil {
		return nil, err
	}
	if len(recs) != 1 {
		return nil, fmt.Errorf("SD-JWT credentials are bound to one person's keys: the input holds %d records, want 1", len(recs))
	}
	if len(holders) == 0 {
		return nil, fmt.Errorf("an SD-JWT VC is bound to its holder: give the wallet's did:key")
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	rec := recs[0]
	if err := rec.Validate(now); err != nil {
		return nil, fmt.Errorf("record (%s): %w", rec.Patient.Name(), err)
	}
	var out []IssuedSD
	for _, h := range holders {
		ref, err := allocate()
		if err != nil {
			return nil, err
		}
		ir := sdjwt.IssueRequest{
			Issuer: req.Issuer, IssuedAt: now, Holder: h,
			Status: &ref, Claims: sdjwt.FromRecord(rec),
		}
		if req.Expires > 0 {
			ir.Expires = now.Add(req.Expires)
		}
		is, err := sdjwt.Issue(kf.Key, ir)
		if err != nil {
			return nil, err
		}
		out = append(out, IssuedSD{Record: rec, SDJWT: is.String(), Index: ref.Idx, StatusURI: ref.URI})
	}
	return out, nil
}

// RenderSD formats an SD-JWT for the output file's extension: .sdjwt (the
// text), .txt (the IP1: QR text), .png or .svg (its QR code).
func RenderSD(sd, path string) ([]byte, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".sdjwt":
		return []byte(sd + "\n"), nil
	case ".txt", ".png", ".svg":
		text, err := sdjwt.EncodeQR(sd)
		if err != nil {
			return nil, err
		}
		if ext == ".txt" {
			return []byte(text + "\n"), nil
		}
		sym, err := qr.Encode(text, qr.L)
		if err != nil {
			return nil, err
		}
		if ext == ".svg" {
			return sym.SVG(), nil
		}
		return sym.PNGSize(800)
	default:
		return nil, fmt.Errorf("output %q: unknown extension %q for an SD-JWT (want .sdjwt, .txt, .png or .svg)", path, ext)
	}
}

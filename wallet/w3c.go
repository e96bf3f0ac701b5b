package wallet

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/divoc"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/credential/vc"
)

// DIVOC certificates and W3C verifiable credentials in the wallet.
//
// A DIVOC certificate is kept as the "B64:" text of its QR's ZIP archive
// when it came as a QR code, an archive file or "B64:" text (the archive's
// bytes exactly as issued: a JSON store cannot hold them raw), and as its
// certificate.json when it came as that file. Its ID is the SHA-256 of
// certificate.json as found (inside the archive or as the file), so the
// same certificate imported both ways is one credential. A VC-JWT is kept
// as its compact JWS (ID as for every JWS), a Data Integrity VC as its JSON
// document (ID the SHA-256 of that document).
//
// None of them can withhold anything or be bound to the holder's key:
// Present shows each whole and static, as its original code.

// Whole reports a format that has no selective disclosure and no holder
// binding: presented whole, static only, as the issuer made it.
func Whole(format string) bool {
	switch format {
	case FormatHCERT, FormatDIVOC, FormatVCJWT, FormatVCDI:
		return true
	}
	return false
}

// isW3C reports the JSON-LD and VC formats, whose unsigned data the wallet
// never shows from a credential whose signature or JSON-LD failed.
func isW3C(format string) bool {
	return format == FormatDIVOC || format == FormatVCJWT || format == FormatVCDI
}

// divocJSON returns certificate.json of a kept DIVOC text ("B64:" archive
// or the JSON itself).
func divocJSON(text string) ([]byte, error) {
	if strings.HasPrefix(text, divocB64Prefix) {
		return divoc.Unpack([]byte(text))
	}
	return []byte(text), nil
}

// w3cID is the ID of a DIVOC or Data Integrity text; ok is false for the
// other formats (a VC-JWT is a JWS: the common rule applies).
func w3cID(text string) (string, bool) {
	switch {
	case strings.HasPrefix(text, divocB64Prefix):
		cert, err := divoc.Unpack([]byte(text))
		if err != nil {
			// Unreadable: the text itself identifies it.
			cert = []byte(text)
		}
		sum := sha256.Sum256(cert)
		return hex.EncodeToString(sum[:]), true
	case strings.HasPrefix(text, "{"):
		sum := sha256.Sum256([]byte(text))
		return hex.EncodeToString(sum[:]), true
	}
	return "", false
}

// w3cValidity reads when a DIVOC, VC-JWT or Data Integrity credential was
// issued and when it expires, without verifying; ok is false when text is
// none of them.
func w3cValidity(text string) (iat, exp time.Time, ok bool) {
	if c := w3cParse(text); c != nil {
		return c.issued, c.expires, true
	}
	return time.Time{}, time.Time{}, false
}

// w3cRecord is what a W3C or DIVOC credential says, unverified.
type w3cRecord struct {
	rec             *vax.Record
	issued, expires time.Time
}

// w3cParse reads a DIVOC, VC-JWT or Data Integrity text without verifying
// it; nil when it is none of them or does not parse.
func w3cParse(text string) *w3cRecord {
	switch {
	case strings.HasPrefix(text, divocB64Prefix) || strings.HasPrefix(text, "{") && strings.Contains(text, `"ProofOfVaccinationCredential"`):
		cert, err := divocJSON(text)
		if err != nil {
			return nil
		}
		c, err := divoc.Parse(cert)
		if err != nil {
			return nil
		}
		out := &w3cRecord{rec: &vax.Record{Patient: vax.Patient{Family: c.Subject.Name}}}
		out.rec.Patient.BirthDate, _ = vax.ParseDate(c.Subject.BirthDate)
		out.issued, _ = time.Parse(time.RFC3339, c.Issued)
		for _, d := range c.Doses {
			date, err := vax.ParseDate(dayOf(d.Date))
			if err != nil {
				continue
			}
			im := vax.Immunization{Vaccine: vax.Coding{Display: d.Vaccine}, Date: date, DoseNumber: d.Number, SeriesDoses: d.Total,
				Lot: d.Batch, Performer: d.Facility, Country: d.Country, Status: vax.StatusCompleted}
			if d.ICD11 != "" {
				im.Vaccine.System, im.Vaccine.Code = vax.SystemICD11, d.ICD11
			}
			out.rec.Immunizations = append(out.rec.Immunizations, im)
		}
		return out
	case strings.HasPrefix(text, "{"):
		c, _, err := vc.ParseDI([]byte(text))
		if err != nil {
			return nil
		}
		return vcRecord(c)
	case strings.Count(text, ".") == 2 && !strings.Contains(text, "~"):
		j, err := jose.Parse(text)
		if err != nil {
			return nil
		}
		c, err := vc.ParseJWT(j.Header.Typ, j.Payload)
		if err != nil {
			return nil
		}
		return vcRecord(c)
	}
	return nil
}

func vcRecord(c *vc.Credential) *w3cRecord {
	out := &w3cRecord{rec: &vax.Record{Patient: vax.Patient{Given: []string{c.Recipient.GivenName}, Family: c.Recipient.FamilyName}},
		issued: c.NotBefore, expires: c.Expires}
	out.rec.Patient.BirthDate, _ = vax.ParseDate(c.Recipient.BirthDate)
	for _, e := range c.Events {
		date, err := vax.ParseDate(dayOf(e.Date))
		if err != nil {
			continue
		}
		im := vax.Immunization{Vaccine: vax.Coding{Display: e.Product}, Date: date, Lot: e.Batch, Performer: e.Centre,
			Country: e.Country, Status: vax.StatusCompleted}
		if e.ATC != "" {
			im.Vaccine.System, im.Vaccine.Code = "http://www.whocc.no/atc", e.ATC
		}
		fmt.Sscanf(e.Dose, "%d", &im.DoseNumber)
		out.rec.Immunizations = append(out.rec.Immunizations, im)
	}
	return out
}

// dayOf keeps the calendar date of an RFC 3339 date-time.
func dayOf(s string) string {
	if len(s) > 10 && s[10] == 'T' {
		return s[:10]
	}
	return s
}

// presentWhole is the QR text of a credential that is shown whole: the
// EU DCC's "HC1:" text, a DIVOC certificate's ZIP archive (binary: the QR
// code holds it in byte mode, as DIVOC's own QR does), a VC-JWT's compact
// JWS, a Data Integrity VC's JSON. The text form beside it is what a user
// may copy: "B64:" for DIVOC, else the same. It refuses, saying so, a
// credential too large for one QR code.
func presentWhole(c Credential) (qrText, text string, err error) {
	switch c.Format {
	case FormatDIVOC:
		var archive []byte
		if strings.HasPrefix(c.Text, divocB64Prefix) {
			archive, err = base64.StdEncoding.DecodeString(strings.TrimSpace(c.Text[len(divocB64Prefix):]))
			if err != nil {
				return "", "", &PresentError{Problem: "the kept DIVOC certificate is damaged: " + err.Error()}
			}
		} else if archive, err = divocArchive([]byte(c.Text)); err != nil {
			return "", "", err
		}
		qrText, text = string(archive), divocB64Prefix+base64.StdEncoding.EncodeToString(archive)
	default:
		qrText, text = c.Text, c.Text
	}
	// The wallet shows codes at level M: check that it fits there.
	if _, err := qr.Encode(qrText, qr.M); err != nil {
		return "", "", &PresentError{Problem: fmt.Sprintf("this %s is %d bytes, too large for one QR code: share the issuer's file instead", formatWords(c.Format), len(qrText))}
	}
	return qrText, text, nil
}

// formatWords names a whole-presented format in a sentence.
func formatWords(format string) string {
	switch format {
	case FormatDIVOC:
		return "DIVOC certificate"
	case FormatVCJWT:
		return "W3C verifiable credential (VC-JWT)"
	case FormatVCDI:
		return "W3C verifiable credential (Data Integrity)"
	case FormatHCERT:
		return "EU Digital COVID Certificate"
	}
	return format + " credential"
}

// divocArchive packs certificate.json the way DIVOC's QR does: a ZIP
// archive with the one deflated entry "certificate.json". The archive is
// the same bytes for the same certificate (no time stamp).
func divocArchive(cert []byte) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "certificate.json", Method: zip.Deflate})
	if err == nil {
		_, err = f.Write(cert)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

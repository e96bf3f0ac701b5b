package verifier

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/immunopass/immunopass/internal/display"
)

// WriteJSON writes one JSON object per result per line.
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range results {
		if r.Reasons == nil {
			r.Reasons = []string{}
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

var formatNames = map[string]string{
	FormatSHC:     "SMART Health Card",
	FormatSDJWTVC: "ImmunoPass credential (SD-JWT VC)",
	FormatHCERT:   "EU Digital COVID Certificate",
	FormatVCJWT:   "W3C verifiable credential",
	FormatDIVOC:   "DIVOC certificate",
	"":            "unrecognised input",
}

// what each reason means, in words for a school secretary or a border officer.
var reasonWords = map[string]string{
	BadQR:              "the QR code is not a health card code",
	BadChunks:          "the parts of a multi-part QR code do not fit together",
	QRDecodeError:      "no QR code could be read from the image",
	TooLarge:           "the input is larger than any genuine credential",
	BadEncoding:        "the credential text is damaged or not a credential",
	BadHeader:          "the credential uses a format or algorithm that is not allowed",
	BadCompression:     "the credential content is damaged",
	BadPayload:         "the credential content is malformed",
	BadSignature:       "the signature does not match: the credential was altered or forged",
	BadSignatureFormat: "the signature is in the wrong format",
	BadDisclosure:      "a disclosed item does not match what was signed",
	UnknownIssuer:      "the issuer is not in the trusted list",
	IssuerSuspended:    "the issuer is suspended",
	UnknownKID:         "the issuer's signing key is not in the trusted list",
	BadIssuerURL:       "the issuer address is malformed",
	BadKey:             "the issuer's published key is unusable",
	BadCRL:             "the issuer's revocation list is missing or unusable",
	WrongType:          "this is not a health card",
	Expired:            "the credential has expired",
	NotYetValid:        "the credential is not valid yet",
	Revoked:            "the issuer revoked this credential",
	Suspended:          "the issuer suspended this credential",
	KeyUsage:           "the issuer's key was not valid for this credential: outside its validity or scope, or compromised",
	Schema:             "the credential does not hold a valid vaccination record",
	HolderBinding:      "the person presenting is not the holder",
	ChallengeMismatch:  "the answer is not for this verifier's challenge",
	NotAnchored:        "the credential is not anchored in the registry log",
	Policy:             "this verifier does not accept this kind of credential",
}

var warningWords = map[string]string{
	StaleTrust:     "the trust data is past its refresh date",
	NotHolderBound: "a printed or copied code: it does not prove the bearer is the holder",
	ClockSkew:      "clocks disagree: see the detail for which one looks wrong",
}

var bindingWords = map[string]string{
	"static":    "none (printed or copied code)",
	"live":      "live code from the holder's phone, fresh",
	"challenge": "answer to this verifier's challenge",
}

// plural writes n with the noun's singular or plural form: "1 witness".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// WriteText writes a block per result that a school secretary can read.
func WriteText(w io.Writer, results []Result) error {
	var b strings.Builder
	for i, r := range results {
		if i > 0 {
			b.WriteString("\n")
		}
		verdict := "INVALID"
		if r.Valid {
			verdict = "VALID"
		}
		fmt.Fprintf(&b, "%s  %s  (%s)\n", verdict, formatNames[r.Format], display.Text(r.Input))
		if !r.Valid {
			for k, code := range r.Reasons {
				line := fmt.Sprintf("  Why:     %s [%s]", reasonWords[code], code)
				if k > 0 {
					line = fmt.Sprintf("           %s [%s]", reasonWords[code], code)
				}
				b.WriteString(line + "\n")
			}
			for _, m := range r.Messages {
				fmt.Fprintf(&b, "           detail: %s\n", display.Clip(m, 2*display.Max))
			}
		}
		for _, code := range r.Warnings {
			if code == StaleTrust && r.TrustAge != "" {
				fmt.Fprintf(&b, "  Warning: %s [%s]: the trust bundle is %s old\n", warningWords[code], code, r.TrustAge)
				continue
			}
			fmt.Fprintf(&b, "  Warning: %s [%s]\n", warningWords[code], code)
		}
		if r.Anchored != nil {
			// Log entries are numbered from 0 (C2SP tlog-tiles): say so, or
			// "entry 1 of 3" reads as the first of three.
			fmt.Fprintf(&b, "  Anchored: entry %d of the registry log (entries count from 0; the log holds %d), cosigned by %s\n",
				r.Anchored.Index, r.Anchored.LogSize, plural(r.Anchored.Cosigned, "witness", "witnesses"))
		}
		if words := bindingWords[r.Binding]; r.Format == FormatSDJWTVC && words != "" {
			fmt.Fprintf(&b, "  Binding: %s\n", words)
			if r.Withheld > 0 {
				fmt.Fprintf(&b, "  Shown:   %s (%s withheld)\n", display.Text(strings.Join(r.Disclosed, ", ")), plural(r.Withheld, "item", "items"))
			}
		}
		if r.Issuer.ID != "" {
			name := display.Text(r.Issuer.Name)
			if name == "" {
				name = "(not in the trusted list)"
			}
			fmt.Fprintf(&b, "  Issuer:  %s  %s\n", name, display.Text(r.Issuer.ID))
		}
		if r.Subject.Name != "" || r.Subject.BirthDate != "" {
			fmt.Fprintf(&b, "  Person:  %s", display.Text(r.Subject.Name))
			if r.Subject.BirthDate != "" {
				fmt.Fprintf(&b, ", born %s", display.Text(r.Subject.BirthDate))
			}
			b.WriteString("\n")
		}
		for k, im := range r.Immunizations {
			label := "  Doses:   "
			if k > 0 {
				label = "           "
			}
			name := im.Vaccine.Display
			if name == "" {
				name = im.Vaccine.System + " " + im.Vaccine.Code
			}
			fmt.Fprintf(&b, "%s%-10s  %s", label, display.Text(im.Date), display.Text(name))
			if im.Dose > 0 {
				fmt.Fprintf(&b, ", dose %d", im.Dose)
			}
			if im.Lot != "" {
				fmt.Fprintf(&b, ", lot %s", display.Text(im.Lot))
			}
			if im.Performer != "" {
				fmt.Fprintf(&b, ", %s", display.Text(im.Performer))
			}
			if im.Country != "" {
				fmt.Fprintf(&b, " (%s)", display.Text(im.Country))
			}
			b.WriteString("\n")
		}
		if r.Policy != nil {
			writePolicy(&b, r.Policy)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package verifier

import (
	"strings"

	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/vc"
)

// FormatVCDI is a W3C verifiable credential secured with a Data Integrity
// proof (eddsa-rdfc-2022, ecdsa-rdfc-2019) or a Linked Data proof of the
// older suites (Ed25519Signature2020, JsonWebSignature2020).
const FormatVCDI = "vc-di"

// vcdiFormat reads such a credential as JSON. The issuer must be in trust;
// a did:key issuer's key is the DID's own (its verificationMethod must be
// under the issuer's DID), a did:web issuer's comes from trust by the
// verificationMethod id or its fragment.
type vcdiFormat struct{}

func (vcdiFormat) name() string { return FormatVCDI }

func (vcdiFormat) detect(text string) bool { return isDIJSON([]byte(text)) }

// isDIJSON reports whether data is a JSON credential with a Data
// Integrity proof.
func isDIJSON(data []byte) bool {
	return len(data) > 0 && data[0] == '{' && (strings.Contains(string(data), `"DataIntegrityProof"`) || strings.Contains(string(data), `"Ed25519Signature2020"`) ||
		strings.Contains(string(data), `"JsonWebSignature2020"`) && strings.Contains(string(data), `"VerifiableCredential"`))
}

type vcdi struct {
	cred  *vc.Credential
	proof *vc.DIProof
}

func (vcdiFormat) decode(text string) (any, error) {
	c, p, err := vc.ParseDI([]byte(text))
	if err != nil {
		return nil, err
	}
	return &vcdi{c, p}, nil
}

func (vcdiFormat) check(v *Verifier, input string, decoded any) Result {
	d := decoded.(*vcdi)
	c, p := d.cred, d.proof
	r := failed(input, FormatVCDI, nil)
	r.Issuer = Issuer{ID: c.Issuer, KID: p.VerificationMethod}
	iss := v.Trust.Issuer(c.Issuer)
	if iss == nil {
		addErrors(&r, []error{&trust.UnknownIssuerError{Iss: c.Issuer}})
		return r
	}
	r.Issuer.Name = iss.Name
	if iss.Suspended {
		addErrors(&r, []error{&trust.SuspendedError{Iss: c.Issuer, At: iss.SuspendedAt}})
		return r
	}
	vmDID, frag, _ := strings.Cut(p.VerificationMethod, "#")
	var pub any
	switch {
	case strings.HasPrefix(c.Issuer, "did:key:"):
		if vmDID != c.Issuer {
			addErrors(&r, []error{&trust.UnknownKeyError{Iss: c.Issuer, KID: p.VerificationMethod}})
			return r
		}
		k, err := vc.DIKey(p.VerificationMethod)
		if err != nil {
			addErrors(&r, []error{&trust.BadKeyError{Iss: c.Issuer, KID: p.VerificationMethod, Err: err}})
			return r
		}
		pub = k
	default:
		for _, k := range iss.LDKeys() {
			if k.KID == p.VerificationMethod || k.KID == frag {
				pub = k.Public
			}
		}
		if pub == nil {
			for _, kid := range []string{p.VerificationMethod, frag} {
				if k, err := v.Trust.ResolveKey(c.Issuer, kid); err == nil {
					pub = k.PublicKey()
					break
				}
			}
		}
		if pub == nil {
			addErrors(&r, []error{&trust.UnknownKeyError{Iss: c.Issuer, KID: p.VerificationMethod}})
			return r
		}
	}
	if err := p.Verify(c, pub); err != nil {
		addErrors(&r, []error{err})
		return r
	}
	return v.vcChecked(r, c)
}

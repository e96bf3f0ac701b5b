package shc

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
)

// IssuerKey is what a Resolver knows about one (iss, kid).
type IssuerKey struct {
	Key        *jose.Key
	IssuerName string
	// CRLVersion is the key's "crlVersion", 0 when it has none.
	CRLVersion int
	// CRL is the key's revocation list, nil when trust holds none.
	CRL *CRL
}

// Resolver finds the key a card names. Implementations return errors that
// say which of issuer, key or CRL is unknown or unusable; Verify passes them
// through unchanged.
type Resolver interface {
	ResolveSHC(iss, kid string) (*IssuerKey, error)
}

// Skew is the clock difference tolerated on nbf: a card signed a few seconds
// "in the future" by a clinic whose clock runs ahead is still accepted.
const Skew = 60 * time.Second

// Verify checks a parsed card against trust at the instant at. It returns the
// issuer key that signed it. When the signature holds but the card fails
// later checks (type, revocation, validity), every failure is returned,
// joined with errors.Join, most serious first.
func Verify(c *Card, r Resolver, at time.Time) (*IssuerKey, error) {
	if err := CheckIssuerURL(c.Claims.Iss); err != nil {
		return nil, err
	}
	ik, err := r.ResolveSHC(c.Claims.Iss, c.JWS.Header.Kid)
	if err != nil {
		return nil, err
	}
	if err := c.JWS.Verify(ik.Key); err != nil {
		return ik, err
	}
	var errs []error
	if !slices.Contains(c.Claims.Types, TypeHealthCard) {
		errs = append(errs, &TypeError{Types: c.Claims.Types})
	}
	if ik.CRLVersion > 0 {
		switch {
		case ik.CRL == nil:
			errs = append(errs, &CRLError{KID: ik.Key.KID(), Problem: "the key has crlVersion " + strconv.Itoa(ik.CRLVersion) + " but trust holds no CRL for it"})
		case ik.CRL.Ctr != ik.CRLVersion:
			errs = append(errs, &CRLError{KID: ik.Key.KID(), Problem: "ctr " + strconv.Itoa(ik.CRL.Ctr) + " does not match the key's crlVersion " + strconv.Itoa(ik.CRLVersion)})
		default:
			if entry, revoked := ik.CRL.Revoked(c.Claims.RID, c.Claims.NBF); revoked {
				errs = append(errs, &RevokedError{RID: c.Claims.RID, Entry: entry})
			}
		}
	}
	now := float64(at.UnixNano()) / 1e9
	if c.Claims.HasExp && now >= c.Claims.Exp {
		errs = append(errs, &ValidityError{Err: ErrExpired, At: now, NBF: c.Claims.NBF, Exp: c.Claims.Exp})
	}
	if c.Claims.NBF > now+Skew.Seconds() {
		errs = append(errs, &ValidityError{Err: ErrNotYetValid, At: now, NBF: c.Claims.NBF, Exp: c.Claims.Exp})
	}
	return ik, errors.Join(errs...)
}

package verifier

import (
	"errors"
	"slices"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
)

// Reason codes, as fixed by DESIGN.md's verifier contract.
const (
	OK                 = "ok"
	BadQR              = "bad-qr"
	BadChunks          = "bad-chunks"
	QRDecodeError      = "qr-decode-error"
	TooLarge           = "too-large"
	BadEncoding        = "bad-encoding"
	BadHeader          = "bad-header"
	BadCompression     = "bad-compression"
	BadPayload         = "bad-payload"
	BadSignature       = "bad-signature"
	BadSignatureFormat = "bad-signature-format"
	BadDisclosure      = "bad-disclosure"
	UnknownIssuer      = "unknown-issuer"
	IssuerSuspended    = "issuer-suspended"
	UnknownKID         = "unknown-kid"
	BadIssuerURL       = "bad-issuer-url"
	BadKey             = "bad-key"
	BadCRL             = "bad-crl"
	WrongType          = "wrong-type"
	Expired            = "expired"
	NotYetValid        = "not-yet-valid"
	Revoked            = "revoked"
	Suspended          = "suspended"
	KeyUsage           = "key-usage"
	Schema             = "schema"
	HolderBinding      = "holder-binding"
	ChallengeMismatch  = "challenge-mismatch"
	NotAnchored        = "not-anchored"
	Policy             = "policy"
)

// Warning codes.
const (
	StaleTrust     = "stale-trust"
	NotHolderBound = "not-holder-bound"
	ClockSkew      = "clock-skew"
)

// UnsupportedError reports a credential format this verifier recognises but
// does not verify yet; it maps to the reason "policy".
type UnsupportedError struct{ Format string }

func (e *UnsupportedError) Error() string {
	return "this verifier does not accept " + e.Format + " credentials yet"
}

// SchemaError reports a credential whose signed content is not a valid
// vaccination record.
type SchemaError struct{ Err error }

func (e *SchemaError) Error() string { return "not a valid vaccination record: " + e.Err.Error() }
func (e *SchemaError) Unwrap() error { return e.Err }

// UnrecognisedError reports input that is no credential format at all.
type UnrecognisedError struct{ Start string }

func (e *UnrecognisedError) Error() string {
	return "not a credential: " + quoteShort(e.Start) + " is neither shc:/, HC1:, a JWS, an SD-JWT nor a .smart-health-card file"
}

// Reason maps an error from any stage of the pipeline to its reason code.
// This is the one place where errors become codes.
func Reason(err error) string {
	if err == nil {
		return OK
	}
	if code, ok := hcertReason(err); ok {
		return code
	}
	var (
		qrErr      *shc.QRError
		chunkErr   *shc.ChunkError
		shcLarge   *shc.TooLargeError
		imgLarge   *qr.ImageTooLargeError
		encErr     *jose.EncodingError
		hdrErr     *jose.HeaderError
		sigFmt     *jose.SignatureFormatError
		compErr    *shc.CompressionError
		payErr     *shc.PayloadError
		issURL     *shc.IssuerURLError
		typeErr    *shc.TypeError
		crlErr     *shc.CRLError
		unkIss     *trust.UnknownIssuerError
		unkKey     *trust.UnknownKeyError
		badKey     *trust.BadKeyError
		badCRL     *trust.BadCRLError
		unsup      *UnsupportedError
		schema     *SchemaError
		unrecog    *UnrecognisedError
		imgFormat  *qr.FormatError
		qrTooLarge *qr.TooLargeError
		sdFormat   *sdjwt.FormatError
		sdDisc     *sdjwt.DisclosureError
		sdType     *sdjwt.TypeError
		sdHolder   *sdjwt.HolderBindingError
		sdChal     *sdjwt.ChallengeError
		answered   *AnsweredError
		sdStatus   *sdjwt.StatusUnavailableError
		sdQR       *sdjwt.QRError
		suspended  *trust.SuspendedError
		keyUsage   *trust.KeyUsageError
		notAnch    *NotAnchoredError
		proofErr   *anchor.ProofError
		cpErr      *anchor.CheckpointError
	)
	switch {
	case errors.As(err, &notAnch):
		return NotAnchored
	case errors.As(err, &suspended):
		return IssuerSuspended
	case errors.As(err, &keyUsage):
		return KeyUsage
	case errors.As(err, &proofErr), errors.As(err, &cpErr):
		return BadEncoding
	case errors.As(err, &sdQR):
		return BadQR
	case errors.As(err, &sdDisc):
		return BadDisclosure
	case errors.As(err, &sdChal), errors.As(err, &answered):
		return ChallengeMismatch
	case errors.As(err, &sdHolder):
		return HolderBinding
	case errors.As(err, &sdType):
		return WrongType
	case errors.Is(err, sdjwt.ErrRevoked):
		return Revoked
	case errors.Is(err, sdjwt.ErrSuspended):
		return Suspended
	case errors.Is(err, sdjwt.ErrExpired):
		return Expired
	case errors.Is(err, sdjwt.ErrNotYetValid):
		return NotYetValid
	case errors.As(err, &sdStatus):
		return BadCRL
	case errors.As(err, &sdFormat):
		if sdFormat.Part == "presentation" || sdFormat.Part == "disclosures" {
			return BadEncoding
		}
		return BadPayload
	case errors.As(err, &chunkErr):
		return BadChunks
	case errors.As(err, &qrErr):
		return BadQR
	case errors.As(err, &shcLarge), errors.As(err, &imgLarge), errors.As(err, &qrTooLarge):
		return TooLarge
	case errors.Is(err, qr.ErrNoCode), errors.Is(err, qr.ErrBudget), errors.As(err, &imgFormat):
		return QRDecodeError
	case errors.As(err, &encErr), errors.As(err, &unrecog):
		return BadEncoding
	case errors.As(err, &hdrErr):
		return BadHeader
	case errors.As(err, &sigFmt):
		return BadSignatureFormat
	case errors.Is(err, jose.ErrBadSignature):
		return BadSignature
	case errors.As(err, &compErr):
		return BadCompression
	case errors.As(err, &payErr):
		return BadPayload
	case errors.As(err, &issURL):
		return BadIssuerURL
	case errors.As(err, &unkIss):
		return UnknownIssuer
	case errors.As(err, &unkKey):
		return UnknownKID
	case errors.As(err, &badKey):
		return BadKey
	case errors.As(err, &badCRL), errors.As(err, &crlErr):
		return BadCRL
	case errors.As(err, &typeErr):
		return WrongType
	case errors.Is(err, shc.ErrRevoked):
		return Revoked
	case errors.Is(err, shc.ErrExpired):
		return Expired
	case errors.Is(err, shc.ErrNotYetValid):
		return NotYetValid
	case errors.As(err, &schema):
		return Schema
	case errors.As(err, &unsup):
		return Policy
	}
	return BadPayload
}

// reasons flattens an error (possibly joined) into codes and messages, in
// order, without repeating a code.
func reasons(err error) (codes, messages []string) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	seen := map[string]bool{}
	for _, e := range errs {
		c := Reason(e)
		if !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
		messages = append(messages, e.Error())
	}
	return codes, messages
}

func quoteShort(s string) string {
	r := []rune(s)
	if len(r) > 24 {
		return "\"" + string(r[:24]) + "…\""
	}
	return "\"" + s + "\""
}

// Codes lists every reason and warning code the verifier can give, for the
// faces that put them in words (the web app's translations are checked
// against it).
func Codes() []string {
	codes := []string{OK}
	for c := range reasonWords {
		codes = append(codes, c)
	}
	for c := range warningWords {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

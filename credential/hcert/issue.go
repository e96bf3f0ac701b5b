package hcert

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/immunopass/immunopass/credential/base45"
)

// IssueOptions shape an issued HCERT. The zero layout is the common one:
// tag 18, alg and kid in the protected header, integer times. The other
// layouts exist because real issuers use them and verifiers must read
// them.
type IssueOptions struct {
	Issuer             string // CWT iss: the issuing country
	IssuedAt, Expires  time.Time
	KID                []byte // the DSC's kid (trust.DSCKID of its DER)
	KIDUnprotected     bool   // kid in the unprotected header only
	HeadersUnprotected bool   // alg and kid unprotected, empty protected bstr
	Untagged           bool   // no COSE tag 18
	CWTTag             bool   // CWT tag 61 around tag 18
	FloatTimes         bool   // iat and exp as CBOR floats
}

// Issue signs an EU DCC payload (its JSON form) as an HCERT and returns the
// "HC1:" text. signer holds a P-256 key (ES256) or an RSA key (PS256).
func Issue(dccJSON []byte, signer crypto.Signer, o IssueOptions) (string, error) {
	// encoding/json reads invalid UTF-8 as U+FFFD: the certificate would
	// say something else than it was given.
	if !utf8.Valid(dccJSON) || !utf8.ValidString(o.Issuer) {
		return "", fmt.Errorf("the EU DCC payload or its issuer %q is not valid UTF-8", o.Issuer)
	}
	dec := json.NewDecoder(bytes.NewReader(dccJSON))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return "", fmt.Errorf("the EU DCC payload is not JSON: %w", err)
	}
	var alg cose.Algorithm
	var algID int64
	switch k := signer.Public().(type) {
	case *ecdsa.PublicKey:
		alg, algID = cose.AlgorithmES256, AlgES256
	case *rsa.PublicKey:
		alg, algID = cose.AlgorithmPS256, AlgPS256
	default:
		return "", fmt.Errorf("a %T key cannot sign an HCERT", k)
	}
	enc, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		return "", err
	}
	var iat, exp any = o.IssuedAt.Unix(), o.Expires.Unix()
	if o.FloatTimes {
		iat, exp = float64(o.IssuedAt.Unix()), float64(o.Expires.Unix())
	}
	payload, err := enc.Marshal(map[int64]any{
		claimIss: o.Issuer, claimIat: iat, claimExp: exp,
		claimHCERT: map[int64]any{1: fromJSON(tree)},
	})
	if err != nil {
		return "", err
	}
	prot, unprot := map[int64]any{labelAlg: algID, labelKID: o.KID}, map[int64]any{}
	switch {
	case o.HeadersUnprotected:
		prot, unprot = map[int64]any{}, prot
	case o.KIDUnprotected:
		delete(prot, labelKID)
		unprot[labelKID] = o.KID
	}
	var protBytes []byte
	if len(prot) > 0 {
		if protBytes, err = enc.Marshal(prot); err != nil {
			return "", err
		}
	}
	s := &Sign1{Protected: protBytes, Payload: payload}
	tbs, err := s.ToBeSigned()
	if err != nil {
		return "", err
	}
	cs, err := cose.NewSigner(alg, signer)
	if err != nil {
		return "", err
	}
	if s.Signature, err = cs.Sign(rand.Reader, tbs); err != nil {
		return "", err
	}
	msg, err := enc.Marshal([]any{protBytes, unprot, payload, s.Signature})
	if err != nil {
		return "", err
	}
	if protBytes == nil {
		// An empty protected header is the empty bstr, not null.
		msg, err = enc.Marshal([]any{[]byte{}, unprot, payload, s.Signature})
		if err != nil {
			return "", err
		}
	}
	if !o.Untagged {
		msg = append([]byte{0xd2}, msg...)
		if o.CWTTag {
			msg = append([]byte{0xd8, 61}, msg...)
		}
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(msg)
	zw.Close()
	return Prefix + base45.Encode(z.Bytes()), nil
}

// fromJSON turns JSON numbers into CBOR integers where they are whole.
func fromJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = fromJSON(e)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// Package hcerttest makes document signer certificates (DSCs) and EU DCC
// payloads for tests: P-256, P-384 or RSA keys, with or without the DCC
// extended key usages, with any validity window.
package hcerttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"
)

// EKU OIDs of the DCC specification, by kind.
var EKU = map[string]asn1.ObjectIdentifier{
	"test":        {1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1},
	"vaccination": {1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2},
	"recovery":    {1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3},
}

// DSCOptions describe a test DSC.
type DSCOptions struct {
	Key       string // "p256" (default), "p384", "rsa2048", "rsa1024", "rsa3072"
	EKU       []asn1.ObjectIdentifier
	NotBefore time.Time
	NotAfter  time.Time
	Country   string // default "XX"
}

// NewDSC returns a self-signed DSC (DER) and its private key.
func NewDSC(o DSCOptions) ([]byte, crypto.Signer, error) {
	var key crypto.Signer
	var err error
	switch o.Key {
	case "", "p256":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa1024":
		key, err = rsa.GenerateKey(rand.Reader, 1024)
	case "rsa2048":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		key, err = rsa.GenerateKey(rand.Reader, 3072)
	}
	if err != nil {
		return nil, nil, err
	}
	if o.Country == "" {
		o.Country = "XX"
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = o.NotBefore.AddDate(10, 0, 0)
	}
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(time.Now().UnixNano()),
		Subject:            pkix.Name{Country: []string{o.Country}, Organization: []string{"Test Health Authority " + o.Country}, CommonName: "DSC " + o.Country},
		NotBefore:          o.NotBefore,
		NotAfter:           o.NotAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: o.EKU,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	return der, key, err
}

// Vaccination is a valid EU DCC 1.3.0 vaccination payload for a fictional
// person.
const Vaccination = `{"ver":"1.3.0","nam":{"fn":"Haddad","fnt":"HADDAD","gn":"Amira","gnt":"AMIRA"},"dob":"2016-03","v":[{"tg":"840539006","vp":"1119349007","mp":"EU/1/20/1528","ma":"ORG-100030215","dn":2,"sd":2,"dt":"2021-06-01","co":"FR","is":"Ministère de la Santé","ci":"URN:UVCI:01:FR:ABCDEFGH12345678#X"}]}`

// Test is a valid EU DCC 1.3.0 test payload.
const Test = `{"ver":"1.3.0","nam":{"fn":"Haddad","fnt":"HADDAD","gn":"Amira","gnt":"AMIRA"},"dob":"2016","t":[{"tg":"840539006","tt":"LP6464-4","nm":"Roche LightCycler qPCR","sc":"2021-06-01T10:00:00Z","tr":"260415000","tc":"Centre de test","co":"FR","is":"Ministère de la Santé","ci":"URN:UVCI:01:FR:TESTTEST12345678#Y"}]}`

// Recovery is a valid EU DCC 1.3.0 recovery payload.
const Recovery = `{"ver":"1.3.0","nam":{"fn":"Haddad","fnt":"HADDAD","gn":"Amira","gnt":"AMIRA"},"dob":"2016-03-04","r":[{"tg":"840539006","fr":"2021-05-01","co":"FR","is":"Ministère de la Santé","df":"2021-05-12","du":"2021-11-01","ci":"URN:UVCI:01:FR:RECOVERY12345678#Z"}]}`

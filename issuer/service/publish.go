package service

import (
	"path/filepath"

	"github.com/immunopass/immunopass/credential/jose"
	"time"

	"github.com/immunopass/immunopass/issuer"
)

// StatusTokenValidity is how long a served status list token is valid.
const StatusTokenValidity = 24 * time.Hour

func (s *Service) site() issuer.Site { return issuer.Site{Dir: filepath.Join(s.dir, SiteDirName)} }

// JWKS is the public key set verifiers fetch at Issuer + JWKSPath: every
// key of the clinic but those reported compromised (pending keys are
// published before they sign, retired ones keep verifying), each with its
// CRL version when it has revoked cards.
func (s *Service) JWKS() ([]byte, error) {
	keys, err := s.jwksKeys()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	extra := map[string]map[string]any{}
	for _, k := range keys {
		crl, err := s.site().CRL(k.KID())
		if err != nil {
			return nil, err
		}
		if crl != nil {
			extra[k.KID()] = map[string]any{"crlVersion": crl.Ctr}
		}
	}
	return jose.JWKS(keys, extra), nil
}

// CRL returns the CRL of one of the clinic's keys (nil when the key has
// revoked nothing, or kid is not the clinic's).
func (s *Service) CRL(kid string) ([]byte, error) {
	if s.keyFor(kid) == nil {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	crl, err := s.site().CRL(kid)
	if err != nil || crl == nil {
		return nil, err
	}
	return crl.Format(), nil
}

// StatusToken signs the current status list of the SD-JWT VCs as a Token
// Status List, valid for StatusTokenValidity.
func (s *Service) StatusToken() (string, error) {
	kf, err := s.signer()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status.Token(kf.Key, s.now(), StatusTokenValidity)
}

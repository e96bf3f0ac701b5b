package service

import (
	"path/filepath"
	"time"

	"github.com/immunopass/immunopass/issuer"
)

// StatusTokenValidity is how long a served status list token is valid.
const StatusTokenValidity = 24 * time.Hour

func (s *Service) site() issuer.Site { return issuer.Site{Dir: filepath.Join(s.dir, SiteDirName)} }

// JWKS is the public key set verifiers fetch at Issuer + JWKSPath, with
// the CRL version when the key has revoked cards.
func (s *Service) JWKS() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.site().JWKS(s.key.Key.Public())
}

// CRL returns the signing key's CRL for kid (nil when the key has revoked
// nothing, or kid is not the service's key).
func (s *Service) CRL(kid string) ([]byte, error) {
	if kid != s.KID() {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status.Token(s.key.Key, s.now(), StatusTokenValidity)
}

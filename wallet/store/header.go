package store

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Params are the argon2id parameters that turn a passphrase into the key
// that wraps the data key. They are stored in the header, so a store opens
// with the parameters it was created with.
type Params struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// DefaultParams are OWASP's first recommended argon2id setting (Password
// Storage Cheat Sheet): 46 MiB, 1 pass, 1 lane. They apply to new wallets
// only: a wallet keeps the parameters in its header (older ones: 64 MiB,
// 3 passes, 4 lanes). 46 MiB rather than 64 lowers the app's peak memory,
// since argon2id's buffer is live during unlock (214 → 197 MB measured).
var DefaultParams = Params{Time: 1, MemoryKiB: 46 << 10, Threads: 1}

// TestParams cost next to nothing: for tests and benchmarks of everything
// but the key derivation. Never for real wallets.
var TestParams = Params{Time: 1, MemoryKiB: 64, Threads: 1}

// Bounds that ParseHeader enforces, so a crafted header cannot make Open
// spend minutes or gigabytes.
const (
	MaxTime      = 64
	MaxMemoryKiB = 1 << 20 // 1 GiB
	MaxThreads   = 64
)

func (p Params) check() error {
	switch {
	case p.Time < 1 || p.Time > MaxTime:
		return fmt.Errorf("argon2 time %d outside 1..%d", p.Time, MaxTime)
	case p.Threads < 1 || p.Threads > MaxThreads:
		return fmt.Errorf("argon2 threads %d outside 1..%d", p.Threads, MaxThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > MaxMemoryKiB:
		return fmt.Errorf("argon2 memory %d KiB outside %d..%d", p.MemoryKiB, 8*uint32(p.Threads), MaxMemoryKiB)
	}
	return nil
}

func (p Params) String() string {
	return fmt.Sprintf("argon2id(t=%d, m=%d KiB, p=%d)", p.Time, p.MemoryKiB, p.Threads)
}

// Header layout (version 1), HeaderSize bytes:
//
//	0   8  magic "IPWALLET"
//	8   1  version (1)
//	9   4  argon2 time, big endian
//	13  4  argon2 memory KiB, big endian
//	17  1  argon2 threads
//	18  16 salt
//	34  24 XChaCha20-Poly1305 nonce
//	58  48 data key sealed under the KEK, with bytes 0..34 as additional data
const (
	headerMagic   = "IPWALLET"
	formatVersion = 1
	saltSize      = 16
	keySize       = 32
	headerPrefix  = 8 + 1 + 4 + 4 + 1 + saltSize
	// HeaderSize is the exact length of a version-1 header record.
	HeaderSize = headerPrefix + chacha20poly1305.NonceSizeX + keySize + chacha20poly1305.Overhead
)

// Header is the parsed header record.
type Header struct {
	Version int
	Params  Params
	Salt    [saltSize]byte
	Nonce   [chacha20poly1305.NonceSizeX]byte
	Wrapped [keySize + chacha20poly1305.Overhead]byte
}

// HeaderError reports a header record that is not one ParseHeader accepts.
type HeaderError struct{ Problem string }

func (e *HeaderError) Error() string { return "store header: " + e.Problem }

// ParseHeader parses a header record strictly. It checks the form only;
// whether the passphrase opens it is Unwrap's business.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) < 9 || string(b[:8]) != headerMagic {
		return nil, &HeaderError{Problem: fmt.Sprintf("not an ImmunoPass wallet store header: %q", trunc(b, 12))}
	}
	if b[8] != formatVersion {
		return nil, &HeaderError{Problem: fmt.Sprintf("unsupported version %d (this program reads %d)", b[8], formatVersion)}
	}
	if len(b) != HeaderSize {
		return nil, &HeaderError{Problem: fmt.Sprintf("%d bytes, want %d", len(b), HeaderSize)}
	}
	h := &Header{Version: int(b[8])}
	h.Params = Params{
		Time:      binary.BigEndian.Uint32(b[9:13]),
		MemoryKiB: binary.BigEndian.Uint32(b[13:17]),
		Threads:   b[17],
	}
	if err := h.Params.check(); err != nil {
		return nil, &HeaderError{Problem: err.Error()}
	}
	copy(h.Salt[:], b[18:headerPrefix])
	copy(h.Nonce[:], b[headerPrefix:headerPrefix+chacha20poly1305.NonceSizeX])
	copy(h.Wrapped[:], b[headerPrefix+chacha20poly1305.NonceSizeX:])
	return h, nil
}

// Format encodes the header; ParseHeader(h.Format()) gives h back.
func (h *Header) Format() []byte {
	b := make([]byte, 0, HeaderSize)
	b = append(b, headerMagic...)
	b = append(b, byte(h.Version))
	b = binary.BigEndian.AppendUint32(b, h.Params.Time)
	b = binary.BigEndian.AppendUint32(b, h.Params.MemoryKiB)
	b = append(b, h.Params.Threads)
	b = append(b, h.Salt[:]...)
	b = append(b, h.Nonce[:]...)
	return append(b, h.Wrapped[:]...)
}

func trunc(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func (h *Header) kek(passphrase []byte) []byte {
	p := h.Params
	return argon2.IDKey(passphrase, h.Salt[:], p.Time, p.MemoryKiB, p.Threads, keySize)
}

// wrap makes a header that wraps dk under a KEK derived from passphrase
// with a fresh salt.
func wrap(dk, passphrase []byte, p Params) (*Header, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	h := &Header{Version: formatVersion, Params: p}
	if _, err := rand.Read(h.Salt[:]); err != nil {
		return nil, err
	}
	if _, err := rand.Read(h.Nonce[:]); err != nil {
		return nil, err
	}
	kek := h.kek(passphrase)
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, err
	}
	ad := h.Format()[:headerPrefix]
	copy(h.Wrapped[:], aead.Seal(nil, h.Nonce[:], dk, ad))
	return h, nil
}

// unwrap returns the data key, or ErrWrongPassphrase.
func (h *Header) unwrap(passphrase []byte) ([]byte, error) {
	kek := h.kek(passphrase)
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, err
	}
	dk, err := aead.Open(nil, h.Nonce[:], h.Wrapped[:], h.Format()[:headerPrefix])
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return dk, nil
}

// keys are the subkeys of the data key.
type keys struct {
	seal []byte // XChaCha20-Poly1305 key for values
	mac  []byte // HMAC-SHA256 key for kind and id tags
}

func deriveKeys(dk []byte) (*keys, error) {
	seal, err := hkdf.Expand(sha256.New, dk, "immunopass wallet store v1: seal values", keySize)
	if err != nil {
		return nil, err
	}
	mac, err := hkdf.Expand(sha256.New, dk, "immunopass wallet store v1: tag names", keySize)
	if err != nil {
		return nil, err
	}
	return &keys{seal: seal, mac: mac}, nil
}

func (k *keys) zero() {
	clear(k.seal)
	clear(k.mac)
}

// sealer does the per-transaction crypto: one AEAD and one HMAC, made from
// the keys when the transaction starts and dropped when it ends.
type sealer struct {
	aead interface {
		Seal(dst, nonce, plaintext, ad []byte) []byte
		Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
	}
	mac hash.Hash
}

func (k *keys) sealer() (*sealer, error) {
	aead, err := chacha20poly1305.NewX(k.seal)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, mac: hmac.New(sha256.New, k.mac)}, nil
}

func (s *sealer) tag(parts ...[]byte) []byte {
	s.mac.Reset()
	for _, p := range parts {
		var n [binary.MaxVarintLen64]byte
		s.mac.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		s.mac.Write(p)
	}
	return s.mac.Sum(nil)
}

func (s *sealer) kindTag(kind string) []byte { return s.tag([]byte("kind"), []byte(kind)) }

func (s *sealer) idTag(kind, id string) []byte {
	return s.tag([]byte("id"), []byte(kind), []byte(id))
}

// Sealed record: version (1) || nonce (24) || ciphertext. The plaintext of a
// record is uvarint(len(id)) || id || value; of a kind-name record, the kind.
func (s *sealer) seal(ad, plain []byte) ([]byte, error) {
	out := make([]byte, 1+chacha20poly1305.NonceSizeX, 1+chacha20poly1305.NonceSizeX+len(plain)+chacha20poly1305.Overhead)
	out[0] = formatVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], plain, ad), nil
}

var errOpen = errors.New("sealed value does not open")

func (s *sealer) open(ad, sealed []byte) ([]byte, error) {
	if len(sealed) < 1+chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead || sealed[0] != formatVersion {
		return nil, errOpen
	}
	n := 1 + chacha20poly1305.NonceSizeX
	return s.aead.Open(nil, sealed[1:n], sealed[n:], ad)
}

func recordAD(kindTag, idTag []byte) []byte {
	return bytes.Join([][]byte{{formatVersion, 'r'}, kindTag, idTag}, nil)
}

func kindAD(kindTag []byte) []byte {
	return bytes.Join([][]byte{{formatVersion, 'k'}, kindTag}, nil)
}

func sealRecordPlain(id string, value []byte) []byte {
	b := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(id)+len(value)), uint64(len(id)))
	b = append(b, id...)
	return append(b, value...)
}

func parseRecordPlain(p []byte) (id string, value []byte, ok bool) {
	n, w := binary.Uvarint(p)
	if w <= 0 || n > uint64(len(p)-w) {
		return "", nil, false
	}
	return string(p[w : w+int(n)]), p[w+int(n):], true
}

package status

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Versions of the specifications implemented here.
const (
	// Draft is the IETF Token Status List draft this package follows.
	Draft = "draft-ietf-oauth-status-list-17"
	// BitstringVersion is the W3C specification this package follows.
	BitstringVersion = "W3C Bitstring Status List v1.0 (Recommendation, 2025-05-15)"
)

// Status values, as the draft's Status Types registry names them.
const (
	Valid     uint8 = 0 // VALID
	Invalid   uint8 = 1 // INVALID: revoked, annulled, recalled
	Revoked         = Invalid
	Suspended uint8 = 2 // SUSPENDED: temporarily invalid; needs 2 bits or more
)

// Limits.
const (
	// MinSize is the fewest entries [New] accepts: herd privacy, and the W3C
	// minimum of 131,072 entries (16 KiB of bits).
	MinSize = 131072
	// MaxListBytes bounds an uncompressed list, built or parsed: room for
	// 134 million 1-bit or 16 million 8-bit entries.
	MaxListBytes = 16 << 20
	// MaxTokenLen bounds the compact serialization ParseToken and
	// ParseBitstringCredential read.
	MaxTokenLen = 32 << 20
)

// ErrFull is returned by [List.Allocate] when every index has been handed out.
var ErrFull = errors.New("status list is full: every index is allocated")

// IndexError reports an index outside a list.
type IndexError struct {
	Index int
	Len   int // number of entries in the list
}

func (e *IndexError) Error() string {
	return fmt.Sprintf("status index %d out of range: the list has %d entries", e.Index, e.Len)
}

// ValueError reports a status value that does not fit the list's bits.
type ValueError struct {
	Value uint8
	Bits  int
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("status value %d does not fit in %d bit(s)", e.Value, e.Bits)
}

// SizeError reports a list shape that cannot be built.
type SizeError struct {
	Bits, Size int
	Problem    string
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("status list of %d entries of %d bit(s): %s", e.Size, e.Bits, e.Problem)
}

// List is a status list: Len entries of Bits bits each, stored in the IETF
// byte order (entry 0 in the least significant bits of byte 0). It also
// remembers which indexes have been allocated. A List is not safe for
// concurrent use.
type List struct {
	bits  int
	size  int
	data  []byte
	alloc []uint64 // allocation bitmap, made on first use
	used  int      // number of allocated indexes
}

// New returns a list of size entries of bits bits, all [Valid]. bits must be
// 1, 2, 4 or 8; size must be at least [MinSize], a multiple of 8, and small
// enough that the list fits in [MaxListBytes].
func New(bits, size int) (*List, error) {
	if size < MinSize {
		return nil, &SizeError{Bits: bits, Size: size, Problem: fmt.Sprintf("fewer than %d entries gives no herd privacy", MinSize)}
	}
	return newList(bits, size)
}

// newList is New without the herd-privacy minimum, for tests and parsed lists.
func newList(bits, size int) (*List, error) {
	if !validBits(bits) {
		return nil, &SizeError{Bits: bits, Size: size, Problem: "bits must be 1, 2, 4 or 8"}
	}
	if size <= 0 || size%8 != 0 {
		return nil, &SizeError{Bits: bits, Size: size, Problem: "size must be a positive multiple of 8"}
	}
	if size > MaxListBytes/bits*8 {
		return nil, &SizeError{Bits: bits, Size: size, Problem: fmt.Sprintf("more than %d bytes", MaxListBytes)}
	}
	return &List{bits: bits, size: size, data: make([]byte, size*bits/8)}, nil
}

// fromBytes wraps a decoded IETF byte array (taken, not copied).
func fromBytes(bits int, data []byte) *List {
	return &List{bits: bits, size: len(data) * 8 / bits, data: data}
}

func validBits(b int) bool { return b == 1 || b == 2 || b == 4 || b == 8 }

// Bits returns the number of bits per entry.
func (l *List) Bits() int { return l.bits }

// Len returns the number of entries.
func (l *List) Len() int { return l.size }

// Bytes returns a copy of the uncompressed byte array in IETF order.
func (l *List) Bytes() []byte { return append([]byte(nil), l.data...) }

// Get returns the status of entry idx.
func (l *List) Get(idx int) (uint8, error) {
	if idx < 0 || idx >= l.size {
		return 0, &IndexError{Index: idx, Len: l.size}
	}
	return l.get(idx), nil
}

func (l *List) get(idx int) uint8 {
	per := 8 / l.bits
	shift := uint(idx%per) * uint(l.bits)
	mask := byte(1)<<l.bits - 1 // 0xFF for 8 bits: the shift wraps to 0
	return l.data[idx/per] >> shift & mask
}

// Set sets the status of entry idx to v.
func (l *List) Set(idx int, v uint8) error {
	if idx < 0 || idx >= l.size {
		return &IndexError{Index: idx, Len: l.size}
	}
	if l.bits < 8 && v >= 1<<l.bits {
		return &ValueError{Value: v, Bits: l.bits}
	}
	per := 8 / l.bits
	shift := uint(idx%per) * uint(l.bits)
	mask := byte(1)<<l.bits - 1
	b := &l.data[idx/per]
	*b = *b&^(mask<<shift) | v<<shift
	return nil
}

// Allocated reports whether idx has been handed out by Allocate or marked
// with MarkAllocated. It is false for indexes outside the list.
func (l *List) Allocated(idx int) bool {
	if idx < 0 || idx >= l.size || l.alloc == nil {
		return false
	}
	return l.alloc[idx/64]&(1<<(idx%64)) != 0
}

// Free returns how many indexes are still unallocated.
func (l *List) Free() int { return l.size - l.used }

// MarkAllocated records idx as allocated, for rebuilding the allocation
// state from a ledger. Marking an index twice is not an error.
func (l *List) MarkAllocated(idx int) error {
	if idx < 0 || idx >= l.size {
		return &IndexError{Index: idx, Len: l.size}
	}
	l.mark(idx)
	return nil
}

func (l *List) mark(idx int) {
	if l.alloc == nil {
		l.alloc = make([]uint64, (l.size+63)/64)
	}
	w, m := &l.alloc[idx/64], uint64(1)<<(idx%64)
	if *w&m == 0 {
		*w |= m
		l.used++
	}
}

// rejectionTries is how many uniform draws Allocate makes before it falls
// back to choosing among the free indexes directly; with half the list free
// the fallback runs once in 2^32 calls.
const rejectionTries = 32

// Allocate hands out an index that was never allocated before, chosen
// uniformly at random among the free ones with randomness read from rand
// (crypto/rand.Reader in production). It returns [ErrFull] when none is
// left, and rand's error if reading fails.
func (l *List) Allocate(rand io.Reader) (int, error) {
	free := l.Free()
	if free == 0 {
		return 0, ErrFull
	}
	if l.alloc == nil {
		l.alloc = make([]uint64, (l.size+63)/64)
	}
	for range rejectionTries {
		idx, err := uniform(rand, l.size)
		if err != nil {
			return 0, err
		}
		if !l.Allocated(idx) {
			l.mark(idx)
			return idx, nil
		}
	}
	// Mostly full: pick the r-th free index, r uniform in [0, free).
	r, err := uniform(rand, free)
	if err != nil {
		return 0, err
	}
	for w, word := range l.alloc {
		valid := 64
		if rest := l.size - w*64; rest < 64 {
			valid = rest
		}
		zeros := ^word
		if valid < 64 {
			zeros &= 1<<valid - 1
		}
		n := bits.OnesCount64(zeros)
		if r >= n {
			r -= n
			continue
		}
		for ; ; r-- {
			b := bits.TrailingZeros64(zeros)
			if r == 0 {
				idx := w*64 + b
				l.mark(idx)
				return idx, nil
			}
			zeros &^= 1 << b
		}
	}
	panic("status: free count out of step with the allocation bitmap")
}

// uniform returns an integer uniform in [0, n), n > 0, by rejection
// sampling over 64-bit draws (no modulo bias).
func uniform(rand io.Reader, n int) (int, error) {
	var buf [8]byte
	limit := ^uint64(0) - ^uint64(0)%uint64(n) // a multiple of n
	for {
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return 0, fmt.Errorf("status: reading randomness: %w", err)
		}
		x := binary.LittleEndian.Uint64(buf[:])
		if x < limit {
			return int(x % uint64(n)), nil
		}
	}
}

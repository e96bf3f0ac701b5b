package shc

import (
	"encoding/binary"
	"math/bits"
)

// This file is a raw DEFLATE (RFC 1951) decoder for card payloads. A card
// is a kilobyte or two: compress/flate spends most of that time setting up
// its reader and fetching the input byte by byte through an interface; this
// one reads the slice directly through a 64-bit bit buffer, decodes codes
// of up to 9 bits with one table look-up and longer ones bit by bit. It
// accepts exactly what compress/flate accepts (FuzzInflate holds it to
// that): complete Huffman codes only (or a single one-bit code), no length
// or distance symbol outside the RFC's ranges, no distance reaching before
// the start of the output.

// errCorrupt and errShort are what the decoder reports; inflateRaw wraps
// them in a *CompressionError.
type inflateError string

func (e inflateError) Error() string { return string(e) }

const (
	errCorrupt inflateError = "corrupt input"
	errShort   inflateError = "unexpected end of the stream"
	errLarge   inflateError = "output over the limit"
)

type bitReader struct {
	in   []byte
	pos  int
	bits uint64
	n    uint // number of valid bits in bits
}

// fill tops the bit buffer up to at least 56 bits, or to what the input
// has left. Away from the end it loads eight bytes at once; the bits above
// n are then the next input bytes in place, so loading them again later
// ORs in the same values.
func (br *bitReader) fill() {
	if br.pos+8 <= len(br.in) {
		br.bits |= binary.LittleEndian.Uint64(br.in[br.pos:]) << br.n
		k := (63 - br.n) >> 3
		br.pos += int(k)
		br.n += k << 3
		return
	}
	for br.n <= 56 && br.pos < len(br.in) {
		br.bits |= uint64(br.in[br.pos]) << br.n
		br.pos++
		br.n += 8
	}
}

// get reads n ≤ 16 bits, least significant first.
func (br *bitReader) get(n uint) (int, error) {
	if br.n < n {
		br.fill()
		if br.n < n {
			return 0, errShort
		}
	}
	v := int(br.bits & (1<<n - 1))
	br.bits >>= n
	br.n -= n
	return v, nil
}

const fastBits = 9

// huffman is a canonical Huffman code: a table for codes of up to fastBits
// bits (entry: symbol<<4 | length; 0 for none) and, for longer codes, the
// count of codes of each length and the symbols in code order.
type huffman struct {
	table  [1 << fastBits]uint16
	count  [16]uint16
	symbol [288]uint16
	empty  bool
}

// init builds the code from code lengths, refusing what compress/flate
// refuses: a code that is over-subscribed or incomplete, unless it is a
// single one-bit code. An all-zero code is accepted but decodes nothing.
func (h *huffman) init(lengths []uint8) error {
	h.count = [16]uint16{}
	minLen, maxLen := 0, 0
	for _, l := range lengths {
		if l == 0 {
			continue
		}
		h.count[l]++
		if minLen == 0 || int(l) < minLen {
			minLen = int(l)
		}
		maxLen = max(maxLen, int(l))
	}
	h.empty = maxLen == 0
	if h.empty {
		return nil
	}
	code := 0
	var next [16]int
	for l := minLen; l <= maxLen; l++ {
		code <<= 1
		next[l] = code
		code += int(h.count[l])
	}
	if code != 1<<maxLen && !(code == 1 && maxLen == 1) {
		return errCorrupt
	}
	var offs [16]int
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + int(h.count[l])
	}
	h.table = [1 << fastBits]uint16{}
	for sym, l := range lengths {
		if l == 0 {
			continue
		}
		h.symbol[offs[l]] = uint16(sym)
		offs[l]++
		c := next[l]
		next[l]++
		if l > fastBits {
			continue
		}
		r := int(bits.Reverse16(uint16(c)) >> (16 - l))
		for k := r; k < 1<<fastBits; k += 1 << l {
			h.table[k] = uint16(sym)<<4 | uint16(l)
		}
	}
	return nil
}

// sym decodes one symbol.
func (br *bitReader) sym(h *huffman) (int, error) {
	if h.empty {
		return 0, errCorrupt
	}
	if br.n < 15 {
		br.fill()
	}
	if e := h.table[br.bits&(1<<fastBits-1)]; e != 0 && uint(e&15) <= br.n {
		l := uint(e & 15)
		br.bits >>= l
		br.n -= l
		return int(e >> 4), nil
	}
	// A longer code, or the input is about to end: bit by bit.
	code, first, index := 0, 0, 0
	for l := 1; l <= 15; l++ {
		if br.n == 0 {
			return 0, errShort
		}
		code |= int(br.bits & 1)
		br.bits >>= 1
		br.n--
		count := int(h.count[l])
		if code-first < count {
			return int(h.symbol[index+code-first]), nil
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return 0, errCorrupt
}

var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clenOrder   = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// fixedLit and fixedDist are the codes of RFC 1951 §3.2.6. Distance codes
// 30 and 31 have lengths, as in the RFC, and are refused when met.
var fixedLit, fixedDist = func() (*huffman, *huffman) {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	lit, dist := new(huffman), new(huffman)
	if lit.init(l[:]) != nil || dist.init(d[:]) != nil {
		panic("shc: fixed Huffman codes")
	}
	return lit, dist
}()

// inflater holds a decoder's tables between cards.
type inflater struct {
	lit, dist, clen huffman
	lengths         [286 + 30]uint8
	out             []byte // scratch output, reused
}

// inflate decodes data into f.out and returns it with the number of input
// bytes after the end of the stream. It stops with errLarge once the output
// would pass limit bytes.
func (f *inflater) inflate(data []byte, limit int) (out []byte, trailing int, err error) {
	br := &bitReader{in: data}
	out = f.out[:0]
	defer func() {
		if cap(out) <= 64<<10 {
			f.out = out[:0] // keep a grown buffer, unless a big card grew it
		}
	}()
	for {
		final, err := br.get(1)
		if err != nil {
			return out, 0, err
		}
		typ, err := br.get(2)
		if err != nil {
			return out, 0, err
		}
		switch typ {
		case 0:
			// Stored: skip to a byte boundary, give back whole buffered bytes.
			br.bits >>= br.n % 8
			br.n -= br.n % 8
			br.pos -= int(br.n / 8)
			br.bits, br.n = 0, 0
			if br.pos+4 > len(data) {
				return out, 0, errShort
			}
			n := int(data[br.pos]) | int(data[br.pos+1])<<8
			nn := int(data[br.pos+2]) | int(data[br.pos+3])<<8
			br.pos += 4
			if n != ^nn&0xffff {
				return out, 0, errCorrupt
			}
			// As compress/flate does: copy what is there, so a truncated
			// block is over the limit only if the bytes present are.
			if len(out)+min(n, len(data)-br.pos) > limit {
				return out, 0, errLarge
			}
			if br.pos+n > len(data) {
				return out, 0, errShort
			}
			out = append(out, data[br.pos:br.pos+n]...)
			br.pos += n
		case 1:
			if out, err = f.codes(br, out, fixedLit, fixedDist, limit); err != nil {
				return out, 0, err
			}
		case 2:
			if err := f.dynamic(br); err != nil {
				return out, 0, err
			}
			if out, err = f.codes(br, out, &f.lit, &f.dist, limit); err != nil {
				return out, 0, err
			}
		default:
			return out, 0, errCorrupt
		}
		if final == 1 {
			return out, len(data) - br.pos + int(br.n/8), nil
		}
	}
}

// dynamic reads a dynamic block's code lengths and builds its codes.
func (f *inflater) dynamic(br *bitReader) error {
	hlit, err := br.get(5)
	if err != nil {
		return err
	}
	hdist, err := br.get(5)
	if err != nil {
		return err
	}
	hclen, err := br.get(4)
	if err != nil {
		return err
	}
	nlit, ndist := hlit+257, hdist+1
	if nlit > 286 || ndist > 30 {
		return errCorrupt
	}
	var cl [19]uint8
	for i := range hclen + 4 {
		v, err := br.get(3)
		if err != nil {
			return err
		}
		cl[clenOrder[i]] = uint8(v)
	}
	if err := f.clen.init(cl[:]); err != nil {
		return err
	}
	lengths := f.lengths[:nlit+ndist]
	for i := 0; i < len(lengths); {
		s, err := br.sym(&f.clen)
		if err != nil {
			return err
		}
		if s < 16 {
			lengths[i] = uint8(s)
			i++
			continue
		}
		var rep int
		var v uint8
		switch s {
		case 16:
			if i == 0 {
				return errCorrupt
			}
			v = lengths[i-1]
			r, err := br.get(2)
			if err != nil {
				return err
			}
			rep = 3 + r
		case 17:
			r, err := br.get(3)
			if err != nil {
				return err
			}
			rep = 3 + r
		default: // 18
			r, err := br.get(7)
			if err != nil {
				return err
			}
			rep = 11 + r
		}
		if i+rep > len(lengths) {
			return errCorrupt
		}
		for range rep {
			lengths[i] = v
			i++
		}
	}
	if err := f.lit.init(lengths[:nlit]); err != nil {
		return err
	}
	return f.dist.init(lengths[nlit:])
}

// codes decodes one block's literals and matches up to its end-of-block.
func (f *inflater) codes(br *bitReader, out []byte, lit, dist *huffman, limit int) ([]byte, error) {
	for {
		s, err := br.sym(lit)
		if err != nil {
			return out, err
		}
		switch {
		case s < 256:
			if len(out) >= limit {
				return out, errLarge
			}
			out = append(out, byte(s))
			continue
		case s == 256:
			return out, nil
		case s > 285:
			return out, errCorrupt
		}
		s -= 257
		e, err := br.get(uint(lengthExtra[s]))
		if err != nil {
			return out, err
		}
		length := int(lengthBase[s]) + e
		d, err := br.sym(dist)
		if err != nil {
			return out, err
		}
		if d > 29 {
			return out, errCorrupt
		}
		e, err = br.get(uint(distExtra[d]))
		if err != nil {
			return out, err
		}
		back := int(distBase[d]) + e
		if back > len(out) {
			return out, errCorrupt
		}
		if len(out)+length > limit {
			return out, errLarge
		}
		// Copy; an overlapping match repeats the last back bytes.
		start := len(out) - back
		for length > 0 {
			n := min(length, back)
			out = append(out, out[start:start+n]...)
			start += n
			length -= n
		}
	}
}

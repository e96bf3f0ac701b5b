package qr

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// errInterlaced sends an interlaced PNG to the standard decoder: its rows
// do not arrive in order.
var errInterlaced = errors.New("interlaced")

// pngInfo is what decodePNGGray needs from a PNG's IHDR, PLTE and tRNS.
type pngInfo struct {
	w, h       int
	depth      int
	colorType  int
	interlaced bool
	palette    [256]uint8 // luminance on white of each palette entry
	nPalette   int
	// key is the tRNS colour of a grey or truecolour image, drawn white.
	key    [3]uint16
	hasKey bool
}

// pngChunks reads the chunks of a PNG after its signature, checking CRCs.
type pngChunks struct {
	data []byte
	off  int
}

func (c *pngChunks) next() (typ string, body []byte, err error) {
	if len(c.data)-c.off < 12 {
		return "", nil, io.ErrUnexpectedEOF
	}
	n := binary.BigEndian.Uint32(c.data[c.off:])
	if n > 1<<31-1 || uint64(len(c.data)-c.off-12) < uint64(n) {
		return "", nil, io.ErrUnexpectedEOF
	}
	ln := int(n)
	typ = string(c.data[c.off+4 : c.off+8])
	body = c.data[c.off+8 : c.off+8+ln]
	crc := binary.BigEndian.Uint32(c.data[c.off+8+ln:])
	if crc32.ChecksumIEEE(c.data[c.off+4:c.off+8+ln]) != crc {
		return "", nil, fmt.Errorf("chunk %q: checksum mismatch", typ)
	}
	c.off += 12 + ln
	return typ, body, nil
}

// idatReader streams the concatenated IDAT chunks.
type idatReader struct {
	c   *pngChunks
	cur []byte
	end bool
}

func (r *idatReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.end {
			return 0, io.EOF
		}
		save := r.c.off
		typ, body, err := r.c.next()
		if err != nil {
			return 0, err
		}
		if typ != "IDAT" {
			r.c.off, r.end = save, true
			return 0, io.EOF
		}
		r.cur = body
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// decodePNGGray decodes a non-interlaced PNG straight into luminance shrunk
// to at most maxPixels (as toGrayScaled does), one row at a time: its
// memory is a few rows and the result, whatever the image's size. It checks
// ctx every few rows. An interlaced PNG gives errInterlaced.
func decodePNGGray(ctx context.Context, data []byte, maxPixels int) (*gray, error) {
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errors.New("not a PNG")
	}
	c := &pngChunks{data: data, off: 8}
	var info pngInfo
	typ, body, err := c.next()
	if err != nil {
		return nil, err
	}
	if typ != "IHDR" || len(body) != 13 {
		return nil, errors.New("no IHDR chunk first")
	}
	w, h := binary.BigEndian.Uint32(body[0:]), binary.BigEndian.Uint32(body[4:])
	if err := checkSize(int(min(w, 1<<30)), int(min(h, 1<<30))); err != nil {
		return nil, err
	}
	info.w, info.h, info.depth, info.colorType = int(w), int(h), int(body[8]), int(body[9])
	if body[10] != 0 || body[11] != 0 || body[12] > 1 {
		return nil, errors.New("unknown compression, filter or interlace method")
	}
	info.interlaced = body[12] == 1
	channels, ok := map[int]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[info.colorType]
	if !ok || !validDepth(info.colorType, info.depth) {
		return nil, fmt.Errorf("colour type %d at bit depth %d", info.colorType, info.depth)
	}
	if info.interlaced {
		return nil, errInterlaced
	}
	var rgb []byte // PLTE
	for {
		save := c.off
		typ, body, err := c.next()
		if err != nil {
			return nil, err
		}
		switch typ {
		case "PLTE":
			if len(body)%3 != 0 || len(body) == 0 || len(body) > 768 {
				return nil, errors.New("bad PLTE chunk")
			}
			rgb = body
			info.nPalette = len(body) / 3
			for i := 0; i < info.nPalette; i++ {
				info.palette[i] = lum8(uint32(body[3*i]), uint32(body[3*i+1]), uint32(body[3*i+2]), 255)
			}
		case "tRNS":
			switch info.colorType {
			case 3:
				for i, a := range body[:min(len(body), info.nPalette)] {
					info.palette[i] = lum8(uint32(rgb[3*i]), uint32(rgb[3*i+1]), uint32(rgb[3*i+2]), uint32(a))
				}
			case 0:
				if len(body) >= 2 {
					info.key[0], info.hasKey = binary.BigEndian.Uint16(body), true
				}
			case 2:
				if len(body) >= 6 {
					info.key = [3]uint16{binary.BigEndian.Uint16(body), binary.BigEndian.Uint16(body[2:]), binary.BigEndian.Uint16(body[4:])}
					info.hasKey = true
				}
			}
		case "IDAT":
			c.off = save
		case "IEND":
			return nil, errors.New("no image data")
		}
		if typ == "IDAT" {
			break
		}
	}
	if info.colorType == 3 && info.nPalette == 0 {
		return nil, errors.New("paletted image without PLTE")
	}
	zr, err := zlib.NewReader(&idatReader{c: c})
	if err != nil {
		return nil, err
	}
	defer zr.Close()

	bitsPP := channels * info.depth
	rowBytes := (info.w*bitsPP + 7) / 8
	bpp := max(1, bitsPP/8) // filter distance
	prev := make([]byte, rowBytes)
	cur := make([]byte, rowBytes+1)
	lum := make([]uint8, info.w)

	k := 1
	for (info.w/k)*(info.h/k) > maxPixels {
		k++
	}
	g := newGray(info.w/k, info.h/k)
	sums := make([]uint32, g.w)
	div := uint32(k * k)
	for y := 0; y < info.h; y++ {
		if y%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if _, err := io.ReadFull(zr, cur); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		row := cur[1:]
		if err := unfilter(cur[0], row, prev, bpp); err != nil {
			return nil, err
		}
		oy := y / k
		if oy >= g.h {
			break // the rows left do not fill a whole block
		}
		info.lumRow(row, lum)
		if k == 1 {
			copy(g.pix[y*g.w:], lum)
		} else {
			for ox := range sums {
				s := uint32(0)
				for _, v := range lum[ox*k : (ox+1)*k] {
					s += uint32(v)
				}
				sums[ox] += s
			}
			if y%k == k-1 {
				out := g.pix[oy*g.w : (oy+1)*g.w]
				for ox, s := range sums {
					out[ox] = uint8((s + div/2) / div)
				}
				clear(sums)
			}
		}
		// keep the unfiltered row as the previous one
		copy(prev, row)
	}
	return g, nil
}

func validDepth(colorType, depth int) bool {
	switch colorType {
	case 0:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case 3:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8
	}
	return depth == 8 || depth == 16
}

func unfilter(f byte, row, prev []byte, bpp int) error {
	switch f {
	case 0:
	case 1:
		for i := bpp; i < len(row); i++ {
			row[i] += row[i-bpp]
		}
	case 2:
		for i := range row {
			row[i] += prev[i]
		}
	case 3:
		for i := range row {
			var left int
			if i >= bpp {
				left = int(row[i-bpp])
			}
			row[i] += uint8((left + int(prev[i])) / 2)
		}
	case 4:
		for i := range row {
			var a, c int
			if i >= bpp {
				a, c = int(row[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			p := a + b - c
			pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
			switch {
			case pa <= pb && pa <= pc:
				row[i] += uint8(a)
			case pb <= pc:
				row[i] += uint8(b)
			default:
				row[i] += uint8(c)
			}
		}
	default:
		return fmt.Errorf("unknown row filter %d", f)
	}
	return nil
}

// lum8 is the luminance of an 8-bit colour with alpha, composited on white,
// as lumRow computes it.
func lum8(r, g, b, a uint32) uint8 {
	l := (299*r + 587*g + 114*b + 500) / 1000
	return uint8((l*a + 255*(255-a) + 127) / 255)
}

// lumRow converts one unfiltered row to luminance.
func (p *pngInfo) lumRow(row []byte, dst []uint8) {
	w := len(dst)
	switch p.colorType {
	case 0:
		if p.depth == 16 {
			for x := 0; x < w; x++ {
				v := binary.BigEndian.Uint16(row[2*x:])
				dst[x] = uint8(v >> 8)
				if p.hasKey && v == p.key[0] {
					dst[x] = 255
				}
			}
			return
		}
		mask := uint(1)<<p.depth - 1
		for x := 0; x < w; x++ {
			bit := x * p.depth
			v := uint(row[bit/8]>>(8-p.depth-bit%8)) & mask
			dst[x] = uint8(v * 255 / mask)
			if p.hasKey && uint16(v) == p.key[0] {
				dst[x] = 255
			}
		}
	case 3:
		mask := uint(1)<<p.depth - 1
		for x := 0; x < w; x++ {
			bit := x * p.depth
			i := int(uint(row[bit/8]>>(8-p.depth-bit%8)) & mask)
			if i < p.nPalette {
				dst[x] = p.palette[i]
			} else {
				dst[x] = 0 // an index past the palette draws black, as image/png does
			}
		}
	case 2:
		if p.depth == 16 {
			for x := 0; x < w; x++ {
				r, g, b := binary.BigEndian.Uint16(row[6*x:]), binary.BigEndian.Uint16(row[6*x+2:]), binary.BigEndian.Uint16(row[6*x+4:])
				dst[x] = lum8(uint32(r>>8), uint32(g>>8), uint32(b>>8), 255)
				if p.hasKey && [3]uint16{r, g, b} == p.key {
					dst[x] = 255
				}
			}
			return
		}
		for x := 0; x < w; x++ {
			r, g, b := row[3*x], row[3*x+1], row[3*x+2]
			dst[x] = lum8(uint32(r), uint32(g), uint32(b), 255)
			if p.hasKey && [3]uint16{uint16(r), uint16(g), uint16(b)} == p.key {
				dst[x] = 255
			}
		}
	case 4:
		if p.depth == 16 {
			for x := 0; x < w; x++ {
				v, a := row[4*x], row[4*x+2]
				dst[x] = lum8(uint32(v), uint32(v), uint32(v), uint32(a))
			}
			return
		}
		for x := 0; x < w; x++ {
			dst[x] = lum8(uint32(row[2*x]), uint32(row[2*x]), uint32(row[2*x]), uint32(row[2*x+1]))
		}
	case 6:
		if p.depth == 16 {
			for x := 0; x < w; x++ {
				dst[x] = lum8(uint32(row[8*x]), uint32(row[8*x+2]), uint32(row[8*x+4]), uint32(row[8*x+6]))
			}
			return
		}
		for x := 0; x < w; x++ {
			dst[x] = lum8(uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3]))
		}
	}
}

package status

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/immunopass/immunopass/internal/b64"
)

// ErrTooLarge is wrapped by a [CompressionError] for a list that would
// inflate past [MaxListBytes]: a compression bomb, or a list too big to use.
var ErrTooLarge = fmt.Errorf("inflates past %d bytes", MaxListBytes)

// limitError is ErrTooLarge for a limit below MaxListBytes.
type limitError int

func (e limitError) Error() string        { return fmt.Sprintf("inflates past %d bytes", int(e)) }
func (e limitError) Is(target error) bool { return target == ErrTooLarge }

// EncodingError reports a list value ("lst" or "encodedList") that is not
// canonical unpadded base64url (with the multibase 'u' prefix for W3C).
type EncodingError struct {
	Field   string
	Problem string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("status list %s: %s", e.Field, e.Problem)
}

// CompressionError reports a list whose compressed bytes are not exactly one
// valid ZLIB (IETF) or GZIP (W3C) stream, or that inflate past MaxListBytes.
type CompressionError struct {
	Format string // "zlib" or "gzip"
	Err    error
}

func (e *CompressionError) Error() string {
	return fmt.Sprintf("status list %s stream: %v", e.Format, e.Err)
}

func (e *CompressionError) Unwrap() error { return e.Err }

// maxEncodedLen bounds a base64url list before it is decoded: stored DEFLATE
// blocks add 5 bytes per 65,535, plus headers.
var maxEncodedLen = base64.RawURLEncoding.EncodedLen(MaxListBytes + MaxListBytes/65535*5 + 64)

// decodeB64 decodes canonical unpadded base64url (no line breaks, zero
// trailing bits).
func decodeB64(field, s string) ([]byte, error) {
	if s == "" {
		return nil, &EncodingError{Field: field, Problem: "empty"}
	}
	if len(s) > maxEncodedLen {
		return nil, &EncodingError{Field: field, Problem: fmt.Sprintf("%d characters, more than a %d-byte list can need", len(s), MaxListBytes)}
	}
	if i := strings.IndexAny(s, "\r\n="); i >= 0 {
		return nil, &EncodingError{Field: field, Problem: fmt.Sprintf("not unpadded base64url: %q at offset %d", s[i], i)}
	}
	b, err := b64.Decode(s)
	if err != nil {
		return nil, &EncodingError{Field: field, Problem: "not unpadded base64url: " + err.Error()}
	}
	return b, nil
}

// inflate decompresses exactly one stream of the given format from src,
// reading at most MaxListBytes+1 bytes of output whatever src claims.
func inflate(format string, src []byte) ([]byte, error) {
	return inflateN(format, src, MaxListBytes)
}

// inflateN is inflate with an output limit of at most MaxListBytes.
func inflateN(format string, src []byte, limit int) ([]byte, error) {
	fail := func(err error) error { return &CompressionError{Format: format, Err: err} }
	var tooLarge error = ErrTooLarge
	if limit < MaxListBytes {
		tooLarge = limitError(limit)
	}
	br := bytes.NewReader(src) // an io.ByteReader: the decompressor reads no further than its stream
	var dec io.ReadCloser
	switch format {
	case "deflate": // raw DEFLATE (RFC 1951): no header, no checksum
		dec = flate.NewReader(br)
	case "zlib":
		r, err := zlib.NewReader(br)
		if err != nil {
			return nil, fail(err)
		}
		dec = r
	case "gzip":
		r, err := gzip.NewReader(br)
		if err != nil {
			return nil, fail(err)
		}
		r.Multistream(false)
		dec = r
	default:
		panic("status: unknown compression " + format)
	}
	out := make([]byte, 0, min(64<<10, limit+1))
	lr := io.LimitReader(dec, int64(limit)+1)
	for {
		if len(out) == cap(out) { // double, up to the limit: at most 2× limit allocated in all
			grown := make([]byte, len(out), min(2*cap(out), limit+1))
			copy(grown, out)
			out = grown
		}
		n, err := lr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > limit {
			return nil, fail(tooLarge)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fail(errors.New("truncated"))
			}
			return nil, fail(err)
		}
	}
	if err := dec.Close(); err != nil {
		return nil, fail(err)
	}
	if br.Len() != 0 {
		return nil, fail(fmt.Errorf("%d bytes after the end of the stream", br.Len()))
	}
	return out, nil
}

// deflate compresses data at the best compression level.
func deflate(format string, data []byte) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch format {
	case "deflate":
		w, _ = flate.NewWriter(&buf, flate.BestCompression)
	case "zlib":
		w, _ = zlib.NewWriterLevel(&buf, flate.BestCompression)
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, flate.BestCompression)
	default:
		panic("status: unknown compression " + format)
	}
	w.Write(data) // writes to a bytes.Buffer do not fail
	w.Close()
	return buf.Bytes()
}

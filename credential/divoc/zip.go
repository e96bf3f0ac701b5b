package divoc

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Size bounds of a DIVOC QR payload.
const (
	MaxZip  = 16 << 10 // the archive (a QR code holds under 3 KB)
	MaxCert = 64 << 10 // certificate.json, inflated
)

// ZipError reports a QR payload that is not the one-entry archive DIVOC
// writes.
type ZipError struct{ Problem string }

func (e *ZipError) Error() string { return "divoc: " + e.Problem }

// zipMagic starts a ZIP local file header.
const zipMagic = "PK\x03\x04"

// IsPayload reports whether text is a DIVOC QR payload: a raw ZIP archive
// or "B64:" and the archive in base64.
func IsPayload(text string) bool {
	return strings.HasPrefix(text, zipMagic) || strings.HasPrefix(text, "B64:")
}

// Unpack returns certificate.json from a DIVOC QR payload: the raw ZIP
// archive (byte mode) or "B64:" + its standard base64. The archive must
// hold exactly one entry, named certificate.json, stored or deflated, not
// encrypted, starting at the first byte, within MaxZip before and MaxCert
// after inflating (the declared size is not trusted: inflating stops at
// the bound).
func Unpack(payload []byte) ([]byte, error) {
	if b, ok := bytes.CutPrefix(payload, []byte("B64:")); ok {
		b = bytes.TrimSpace(b)
		if len(b) > base64.StdEncoding.EncodedLen(MaxZip) {
			return nil, &ZipError{Problem: fmt.Sprintf("B64: payload of %d characters, more than a %d-byte archive", len(b), MaxZip)}
		}
		raw, err := base64.StdEncoding.DecodeString(string(b))
		if err != nil {
			return nil, &ZipError{Problem: "text after B64: is not standard base64"}
		}
		payload = raw
	}
	if len(payload) > MaxZip {
		return nil, &ZipError{Problem: fmt.Sprintf("archive of %d bytes, more than the %d allowed", len(payload), MaxZip)}
	}
	if !bytes.HasPrefix(payload, []byte(zipMagic)) {
		return nil, &ZipError{Problem: "not a ZIP archive (no PK\\x03\\x04 at the start)"}
	}
	zr, err := zip.NewReader(bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		return nil, &ZipError{Problem: "damaged ZIP archive: " + err.Error()}
	}
	if len(zr.File) != 1 {
		return nil, &ZipError{Problem: fmt.Sprintf("the archive holds %d entries; DIVOC writes exactly one, certificate.json", len(zr.File))}
	}
	f := zr.File[0]
	switch {
	case f.Name != "certificate.json":
		return nil, &ZipError{Problem: fmt.Sprintf("the archive's entry is %q, not certificate.json", f.Name)}
	case f.Flags&0x1 != 0:
		return nil, &ZipError{Problem: "the archive's entry is encrypted"}
	case f.Method != zip.Store && f.Method != zip.Deflate:
		return nil, &ZipError{Problem: fmt.Sprintf("compression method %d (only stored or deflated)", f.Method)}
	case f.UncompressedSize64 > MaxCert:
		return nil, &ZipError{Problem: fmt.Sprintf("certificate.json declares %d bytes, more than the %d allowed", f.UncompressedSize64, MaxCert)}
	}
	// The one entry's local header is the one at offset 0: nothing hides
	// before it.
	if len(payload) < 30 {
		return nil, &ZipError{Problem: "truncated ZIP archive"}
	}
	first := 30 + int64(payload[26]) + int64(payload[27])<<8 + int64(payload[28]) + int64(payload[29])<<8
	if off, err := f.DataOffset(); err != nil || off != first {
		return nil, &ZipError{Problem: "the archive's entry is not the one at its start"}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &ZipError{Problem: "certificate.json: " + err.Error()}
	}
	defer rc.Close()
	out, err := io.ReadAll(io.LimitReader(rc, MaxCert+1))
	if err != nil {
		if errors.Is(err, zip.ErrChecksum) {
			return nil, &ZipError{Problem: "certificate.json fails its CRC-32: the archive is damaged"}
		}
		return nil, &ZipError{Problem: "certificate.json does not inflate: " + err.Error()}
	}
	if len(out) > MaxCert {
		return nil, &ZipError{Problem: fmt.Sprintf("certificate.json inflates past %d bytes (a zip bomb?)", MaxCert)}
	}
	return out, nil
}

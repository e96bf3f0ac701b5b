package sdjwt

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/immunopass/immunopass/internal/b64"

	"github.com/immunopass/immunopass/credential/base45"
)

// QRPrefix starts the compact QR form of a presentation:
//
//	"IP1:" Base45( raw DEFLATE( container ) )
//
// where the container is a version byte (1), the number of disclosures
// and whether a KB-JWT follows (uvarints), then every part — issuer JWT
// header, payload, signature; each disclosure; KB-JWT header, payload,
// signature — as uvarint length and the part's base64url-decoded bytes.
// DEFLATE then sees the JSON itself, and Base45 fills the QR code in
// alphanumeric mode: a full presentation with key binding takes about a
// quarter fewer modules than the SD-JWT text in byte mode. Base64url is
// canonical, so decoding restores the exact text that was signed and
// hashed.
const QRPrefix = "IP1:"

// QRError reports a compact QR text that cannot be decoded.
type QRError struct{ Problem string }

func (e *QRError) Error() string { return "presentation qr: " + e.Problem }

// EncodeQR returns the compact QR text of a presentation.
func EncodeQR(presentation string) (string, error) {
	p, err := Split(presentation)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, jwt := range []string{p.IssuerJWT, p.KBJWT} {
		if jwt == "" {
			continue
		}
		segs := strings.Split(jwt, ".")
		if len(segs) != 3 {
			return "", &FormatError{Part: "jwt", Problem: "not three parts"}
		}
		parts = append(parts, segs...)
	}
	// Order: issuer JWT parts, disclosures, KB-JWT parts.
	ordered := append(append(append([]string{}, parts[:3]...), p.Disclosures...), parts[3:]...)
	var c bytes.Buffer
	c.WriteByte(1)
	c.Write(binary.AppendUvarint(nil, uint64(len(p.Disclosures))))
	kb := uint64(0)
	if p.KBJWT != "" {
		kb = 1
	}
	c.Write(binary.AppendUvarint(nil, kb))
	for _, s := range ordered {
		b, err := b64.Decode(s)
		if err != nil {
			return "", &FormatError{Part: "presentation", Problem: "a part is not unpadded base64url"}
		}
		c.Write(binary.AppendUvarint(nil, uint64(len(b))))
		c.Write(b)
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(c.Bytes())
	w.Close()
	return QRPrefix + base45.Encode(z.Bytes()), nil
}

// DecodeQR turns a compact QR text back into the presentation text.
func DecodeQR(text string) (string, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), QRPrefix)
	if !ok {
		return "", &QRError{Problem: fmt.Sprintf("does not start with %q", QRPrefix)}
	}
	z, err := base45.Decode(rest)
	if err != nil {
		return "", &QRError{Problem: err.Error()}
	}
	r := flate.NewReader(bytes.NewReader(z))
	c, err := io.ReadAll(io.LimitReader(r, MaxPresentation+1))
	if err != nil {
		return "", &QRError{Problem: "not raw DEFLATE: " + err.Error()}
	}
	if len(c) > MaxPresentation {
		return "", &QRError{Problem: "inflates past the presentation limit"}
	}
	rd := bytes.NewReader(c)
	if v, err := rd.ReadByte(); err != nil || v != 1 {
		return "", &QRError{Problem: "unknown container version"}
	}
	nd, err1 := binary.ReadUvarint(rd)
	kb, err2 := binary.ReadUvarint(rd)
	if err1 != nil || err2 != nil || nd > MaxDisclosures || kb > 1 {
		return "", &QRError{Problem: "bad container header"}
	}
	n := 3 + int(nd) + 3*int(kb)
	enc := base64.RawURLEncoding
	segs := make([]string, 0, n)
	for i := 0; i < n; i++ {
		l, err := binary.ReadUvarint(rd)
		if err != nil || l > uint64(rd.Len()) || l == 0 {
			return "", &QRError{Problem: fmt.Sprintf("part %d is truncated", i)}
		}
		b := make([]byte, l)
		rd.Read(b)
		segs = append(segs, enc.EncodeToString(b))
	}
	if rd.Len() != 0 {
		return "", &QRError{Problem: fmt.Sprintf("%d bytes after the last part", rd.Len())}
	}
	p := Presentation{IssuerJWT: strings.Join(segs[:3], "."), Disclosures: segs[3 : 3+nd]}
	if kb == 1 {
		p.KBJWT = strings.Join(segs[3+nd:], ".")
	}
	return p.String(), nil
}

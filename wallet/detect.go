package wallet

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
)

// MaxImport bounds one imported file.
const MaxImport = 16 << 20

// Input kinds found by detection.
const (
	kindImage = "image"
	kindPDF   = "pdf"
	kindSHCF  = "smart-health-card"
	kindText  = "text"
	// kindZip is a DIVOC certificate's QR payload saved as a file: the raw
	// ZIP archive holding certificate.json.
	kindZip = "zip"
)

// formatProof marks a found text that is an anchoring proof
// (c2sp.org/tlog-proof@v1), not a credential.
const formatProof = "tlog-proof"

// ImportError reports an input in which no credential could be found.
type ImportError struct {
	Name    string
	Problem string
	Err     error
}

func (e *ImportError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Name, e.Problem, e.Err)
	}
	return e.Name + ": " + e.Problem
}

func (e *ImportError) Unwrap() error { return e.Err }

// UnreadableError says why what was found in an input decodes to no
// credential: one reason per text (a truncated "shc:/" paste, a challenge,
// a JWS that is not a health card).
type UnreadableError struct{ Reasons []string }

func (e *UnreadableError) Error() string { return strings.Join(e.Reasons, "; ") }

// UnverifiedError is Keep refusing a credential that does not verify: the
// user must be warned first (KeepUnverified keeps it, marked with Status).
type UnverifiedError struct {
	ID     string
	Status Status
}

func (e *UnverifiedError) Error() string {
	return fmt.Sprintf("credential %s is %s, not verified: keep it only after warning the user", short(e.ID), e.Status)
}

func short(id string) string { return id[:min(len(id), 12)] }

// found is one credential text found in an input, normalised: an SHC as its
// compact JWS, an SD-JWT as "~" text, anything else as found.
type found struct {
	source string
	format string // a guess; the verifier decides
	text   string
	err    error // the text was recognised but could not be decoded
}

// detectKind says what an input is, by name and content.
func detectKind(name string, data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return kindPDF
	case bytes.HasPrefix(data, []byte(zipMagic)):
		return kindZip
	case bytes.HasPrefix(data, []byte("\x89PNG")), bytes.HasPrefix(data, []byte("\xff\xd8")),
		bytes.HasPrefix(data, []byte("GIF8")):
		return kindImage
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".svg":
		return kindImage
	case ".pdf":
		return kindPDF
	}
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	switch {
	case bytes.HasPrefix(t, []byte("<")):
		return kindImage // SVG
	case bytes.HasPrefix(t, []byte("{")):
		return kindSHCF
	case !utf8.Valid(t):
		return kindImage
	}
	return kindText
}

// pdfImageBudget bounds the time spent reading the images of one PDF.
var pdfImageBudget = 20 * time.Second

// extract finds the credential texts in one input. It returns an
// *ImportError when it finds none.
func extract(name string, data []byte) ([]found, error) {
	if len(data) > MaxImport {
		return nil, &ImportError{Name: name, Problem: fmt.Sprintf("file too large (%d bytes, limit %d)", len(data), MaxImport)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ImportError{Name: name, Problem: "empty"}
	}
	var texts []found
	switch detectKind(name, data) {
	case kindPDF:
		imgs, err := pdfImages(data)
		if err != nil {
			return nil, &ImportError{Name: name, Problem: "cannot read the PDF", Err: err}
		}
		// The PDF's images share one time budget: a document full of
		// large photos cannot hold the import for seconds per image.
		ctx, cancel := context.WithTimeout(context.Background(), pdfImageBudget)
		defer cancel()
		read := 0
		for _, im := range imgs {
			ts, err := qr.DecodeContext(ctx, im.data)
			if errors.Is(err, qr.ErrBudget) {
				break
			}
			read++
			if err != nil {
				continue // a logo, a photo: not every image is a QR code
			}
			for _, t := range ts {
				texts = append(texts, found{source: fmt.Sprintf("%s page %d", name, im.page), text: t})
			}
		}
		if len(texts) == 0 && read < len(imgs) {
			return nil, &ImportError{Name: name, Problem: fmt.Sprintf("no QR code found in the first %d of the PDF's %d images; the others were not read (time allowed: %v)", read, len(imgs), pdfImageBudget)}
		}
		if len(texts) == 0 {
			return nil, &ImportError{Name: name, Problem: fmt.Sprintf("no QR code found in the PDF's %d images", len(imgs))}
		}
	case kindImage:
		ts, err := qr.Decode(data)
		if err != nil {
			return nil, &ImportError{Name: name, Problem: "no readable QR code", Err: err}
		}
		for _, t := range ts {
			texts = append(texts, found{source: name, text: t})
		}
	case kindZip:
		// A DIVOC archive: the verifier reads it strictly (one entry,
		// size caps, no bomb); the wallet keeps it as "B64:" text.
		texts = append(texts, found{source: name, text: string(data)})
	case kindSHCF:
		if isCredentialJSON(data) {
			// certificate.json (DIVOC) or a JSON VC with a Data
			// Integrity proof: the document itself is the credential.
			doc := string(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
			f := found{source: name, text: doc}
			if !hasMember(data, "proof") && !strings.Contains(doc, `"ProofOfVaccinationCredential"`) {
				f.format, f.err = FormatVCDI, errUnsignedVC
			}
			texts = append(texts, f)
			break
		}
		jws, err := shc.ParseFile(bytes.TrimSpace(data))
		if err != nil {
			return nil, &ImportError{Name: name, Problem: "not a .smart-health-card file", Err: err}
		}
		for i, j := range jws {
			src := name
			if len(jws) > 1 {
				src = fmt.Sprintf("%s #%d", name, i+1)
			}
			texts = append(texts, found{source: src, format: FormatSHC, text: j})
		}
		return texts, nil
	default:
		rest, proofs := splitProofs(string(data))
		texts = scanText(name, rest)
		for _, p := range proofs {
			texts = append(texts, found{source: name, format: formatProof, text: p})
		}
		if len(texts) == 0 {
			return nil, &ImportError{Name: name, Problem: fmt.Sprintf("no credential in the text %s", quoteShort(string(data)))}
		}
	}
	return normalise(texts), nil
}

// credPattern finds credential texts inside pasted prose: the QR forms by
// prefix, and JWS / SD-JWT by shape.
var credPattern = regexp.MustCompile(`B64:[A-Za-z0-9+/]+={0,2}|(?i:shc:/(?:[0-9]+/[0-9]+/)?[0-9]+)|HC1:[0-9A-Z $%*+\-./:]+|IP1:[0-9A-Z $%*+\-./:]+|IPC1:[0-9A-Z $%*+\-./:]+|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:~[A-Za-z0-9_.-]*)*`)

// scanText finds credential texts in pasted text: one per line, or embedded
// in prose. Base45 allows spaces, so an HC1:/IP1: match runs to the end of
// its line and is trimmed.
func scanText(name string, s string) []found {
	var out []found
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			continue
		}
		ms := credPattern.FindAllString(line, -1)
		for j, m := range ms {
			m = strings.TrimRight(m, " .")
			if m == "" {
				continue
			}
			// A DIVOC "B64:" text that ends a wrapped-length line (60 to
			// 200 characters: a whole archive is some 2,000) without
			// padding goes on over the next lines, as a mail client wraps
			// it: lines of base64 alone are joined while they are as long
			// as the first of them; a shorter one is the last.
			if j == len(ms)-1 && strings.HasPrefix(m, divocB64Prefix) && strings.HasSuffix(line, m) && !strings.HasSuffix(m, "=") &&
				len(line) >= 60 && len(line) <= 200 {
				width := 0
				for i+1 < len(lines) {
					next := strings.TrimSpace(lines[i+1])
					if !isBase64Line(next) || width != 0 && len(next) > width {
						break
					}
					i++
					m += next
					if width == 0 {
						width = len(next)
					}
					if len(next) < width || strings.HasSuffix(next, "=") {
						break
					}
				}
			}
			out = append(out, found{source: name, text: m})
		}
	}
	return out
}

// isBase64Line reports a non-empty line of standard base64 characters only.
func isBase64Line(l string) bool {
	if l == "" {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// normalise turns QR texts into the texts the wallet keeps: shc:/ into the
// JWS (chunks reassembled), IP1: into the SD-JWT.
func normalise(in []found) []found {
	var out []found
	chunks := map[int][]*shc.Chunk{}
	chunkSrc := map[int]string{}
	var totals []int
	for _, f := range in {
		t := strings.TrimSpace(f.text)
		if strings.HasPrefix(f.text, zipMagic) {
			// Binary: trimming could cut the archive's last bytes.
			t = f.text
		}
		switch {
		case f.format == formatProof, f.err != nil:
			out = append(out, f)
		case strings.HasPrefix(t, anchor.ProofHeader+"\n"), strings.HasPrefix(t, anchor.ProofHeader+"\r\n"):
			// A QR code whose text is a tlog-proof: the credential's
			// second QR.
			out = append(out, found{source: f.source, format: formatProof, text: normaliseProof(t)})
		case len(t) >= 5 && strings.EqualFold(t[:5], "shc:/"):
			c, err := shc.ParseQR(t)
			if err != nil {
				out = append(out, found{source: f.source, format: FormatSHC, text: t, err: err})
				continue
			}
			if c.Total > 1 {
				if _, ok := chunks[c.Total]; !ok {
					totals = append(totals, c.Total)
				}
				chunks[c.Total] = append(chunks[c.Total], c)
				if c.Index == 1 || chunkSrc[c.Total] == "" {
					chunkSrc[c.Total] = f.source
				}
				continue
			}
			out = append(out, found{source: f.source, format: FormatSHC, text: c.JWS})
		case strings.HasPrefix(t, sdjwt.QRPrefix):
			p, err := sdjwt.DecodeQR(t)
			if err != nil {
				out = append(out, found{source: f.source, format: FormatSDJWTVC, text: t, err: err})
				continue
			}
			out = append(out, found{source: f.source, format: FormatSDJWTVC, text: p})
		case strings.HasPrefix(t, sdjwt.ChallengePrefix):
			out = append(out, found{source: f.source, text: t, err: errors.New("this is a verifier's challenge, not a credential: answer it from the present screen")})
		case strings.HasPrefix(t, zipMagic):
			// A DIVOC QR's byte segment (or archive file): kept as
			// "B64:" text, which stores, pastes and prints as text and
			// which every DIVOC verifier reads too.
			out = append(out, found{source: f.source, format: FormatDIVOC, text: divocB64Prefix + base64.StdEncoding.EncodeToString([]byte(t))})
		case strings.HasPrefix(t, divocB64Prefix):
			out = append(out, found{source: f.source, format: FormatDIVOC, text: t})
		case strings.HasPrefix(t, "{") && strings.Contains(t, `"ProofOfVaccinationCredential"`):
			out = append(out, found{source: f.source, format: FormatDIVOC, text: t})
		case strings.HasPrefix(t, "{"):
			out = append(out, found{source: f.source, format: FormatVCDI, text: t})
		case strings.HasPrefix(t, "HC1:"):
			out = append(out, found{source: f.source, format: FormatHCERT, text: t})
		case strings.Contains(t, "~"):
			out = append(out, found{source: f.source, format: FormatSDJWTVC, text: t})
		default:
			out = append(out, found{source: f.source, text: t})
		}
	}
	sort.Ints(totals)
	for _, n := range totals {
		jws, err := shc.Assemble(chunks[n])
		if err != nil {
			out = append(out, found{source: chunkSrc[n], format: FormatSHC, err: err})
			continue
		}
		out = append(out, found{source: chunkSrc[n], format: FormatSHC, text: jws})
	}
	return out
}

// zipMagic starts a ZIP archive (a DIVOC QR payload); divocB64Prefix
// starts its text form.
const (
	zipMagic       = "PK\x03\x04"
	divocB64Prefix = "B64:"
)

// isCredentialJSON reports a JSON file that is itself one credential (a
// DIVOC certificate.json, a W3C VC with a Data Integrity proof) rather than
// a .smart-health-card file: an object with "@context" and no
// "verifiableCredential" (extract refuses one without a proof as unsigned).
// Only the top-level member names are read.
func isCredentialJSON(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &top) != nil {
		return false
	}
	_, ctx := top["@context"]
	_, vcs := top["verifiableCredential"]
	return ctx && !vcs
}

// errUnsignedVC refuses a JSON verifiable credential without a proof.
var errUnsignedVC = errors.New(`a W3C credential without a "proof": it is not signed, so nothing in it can be trusted`)

// hasMember reports a top-level member of a JSON object.
func hasMember(data []byte, name string) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &top) != nil {
		return false
	}
	_, ok := top[name]
	return ok
}

// splitProofs separates anchoring proofs from pasted text or a .proof file:
// each proof runs from a "c2sp.org/tlog-proof@v1" line to the next such
// line or the end; credential lines come before the first (the verifier
// reads text inputs the same way).
func splitProofs(s string) (rest string, proofs []string) {
	lines := strings.SplitAfter(s, "\n")
	var cur []string
	flush := func() {
		if cur != nil {
			proofs = append(proofs, normaliseProof(strings.Join(cur, "")))
		}
	}
	var restLines []string
	for _, l := range lines {
		if strings.TrimRight(l, "\r\n") == anchor.ProofHeader {
			flush()
			cur = []string{l}
			continue
		}
		if cur != nil {
			cur = append(cur, l)
		} else {
			restLines = append(restLines, l)
		}
	}
	flush()
	return strings.Join(restLines, ""), proofs
}

// normaliseProof turns CRLF into LF and ends the proof with one newline, as
// files and QR scanners vary on both.
func normaliseProof(p string) string {
	return strings.TrimRight(strings.ReplaceAll(p, "\r\n", "\n"), "\n") + "\n"
}

func quoteShort(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > 32 {
		return fmt.Sprintf("%q…", string(r[:32]))
	}
	return fmt.Sprintf("%q", string(r))
}

package anchor

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// MaxNote bounds a checkpoint note; real ones are a few hundred bytes.
const MaxNote = 16 << 10

// maxSignatures bounds the signature lines of one note.
const maxSignatures = 64

// CheckpointVerifier checks checkpoints against what an operator trusts: the
// log's origin and key, the witnesses' keys and the quorum.
type CheckpointVerifier struct {
	origin    string
	logKey    string
	log       note.Verifier
	witnesses []note.Verifier
	quorum    int
}

// NewCheckpointVerifier builds a verifier from the log origin, the log's note
// verifier key (Ed25519, "name+hash+base64"), the witnesses' verifier keys
// (cosignature/v1, or plain Ed25519 vkeys, which are read as cosignature/v1
// keys) and the quorum, 0 ≤ quorum ≤ number of distinct witnesses.
func NewCheckpointVerifier(origin, logKey string, witnessKeys []string, quorum int) (*CheckpointVerifier, error) {
	if origin == "" {
		return nil, fmt.Errorf("empty log origin")
	}
	lv, err := note.NewVerifier(logKey)
	if err != nil {
		return nil, fmt.Errorf("log key %q: %v", logKey, err)
	}
	v := &CheckpointVerifier{origin: origin, logKey: logKey, log: lv, quorum: quorum}
	seen := map[string]bool{}
	for _, k := range witnessKeys {
		wv, err := fnote.NewVerifierForCosignatureV1(k)
		if err != nil {
			return nil, fmt.Errorf("witness key %q: %v", k, err)
		}
		id := fmt.Sprintf("%s+%08x", wv.Name(), wv.KeyHash())
		if seen[id] {
			return nil, fmt.Errorf("witness key %q is listed twice", k)
		}
		seen[id] = true
		v.witnesses = append(v.witnesses, wv)
	}
	if quorum < 0 || quorum > len(v.witnesses) {
		return nil, fmt.Errorf("quorum %d is not between 0 and the %d witnesses", quorum, len(v.witnesses))
	}
	return v, nil
}

// Origin returns the trusted log origin.
func (v *CheckpointVerifier) Origin() string { return v.origin }

// Quorum returns how many witness cosignatures a checkpoint needs.
func (v *CheckpointVerifier) Quorum() int { return v.quorum }

// sigLine is one signature line of a note.
type sigLine struct {
	name string
	hash uint32
	sig  []byte // after the 4-byte key hash
}

// splitNote checks the note envelope and returns the signed text (with its
// final newline), the checkpoint body lines and the signature lines.
func splitNote(data []byte) (text []byte, body []string, sigs []sigLine, err error) {
	bad := func(format string, a ...any) error { return &CheckpointError{Problem: fmt.Sprintf(format, a...)} }
	if len(data) > MaxNote {
		return nil, nil, nil, bad("%d bytes, more than the %d allowed", len(data), MaxNote)
	}
	if !utf8.Valid(data) {
		return nil, nil, nil, bad("not UTF-8")
	}
	for _, r := range string(data) {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return nil, nil, nil, bad("control character %q", r)
		}
	}
	i := bytes.Index(data, []byte("\n\n"))
	if i < 0 {
		return nil, nil, nil, bad("no blank line between the body and the signatures")
	}
	text = data[:i+1]
	body = strings.Split(string(data[:i]), "\n")
	rest := data[i+2:]
	if len(rest) == 0 || rest[len(rest)-1] != '\n' {
		return nil, nil, nil, bad("signature lines must end with a newline")
	}
	for _, line := range strings.Split(string(rest[:len(rest)-1]), "\n") {
		l, ok := strings.CutPrefix(line, "\u2014 ")
		if !ok {
			return nil, nil, nil, bad("signature line %q does not start with \"\u2014 \"", short(line))
		}
		name, b64, ok := strings.Cut(l, " ")
		if !ok || name == "" || strings.ContainsAny(name, "+ ") {
			return nil, nil, nil, bad("signature line %q: malformed key name", short(line))
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(b64)
		if err != nil || len(raw) < 5 {
			return nil, nil, nil, bad("signature line %q: signature is not base64 of at least 5 bytes", short(line))
		}
		sigs = append(sigs, sigLine{name: name, hash: binary.BigEndian.Uint32(raw), sig: raw[4:]})
		if len(sigs) > maxSignatures {
			return nil, nil, nil, bad("more than %d signatures", maxSignatures)
		}
	}
	return text, body, sigs, nil
}

// ParseCheckpoint parses a signed checkpoint note without verifying any
// signature: origin, tree size, root hash, extension lines, and at least
// one well-formed signature line.
func ParseCheckpoint(data []byte) (*Checkpoint, error) {
	_, body, _, err := splitNote(data)
	if err != nil {
		return nil, err
	}
	return parseBody(body, data)
}

func parseBody(body []string, data []byte) (*Checkpoint, error) {
	bad := func(format string, a ...any) error { return &CheckpointError{Problem: fmt.Sprintf(format, a...)} }
	if len(body) < 3 {
		return nil, bad("%d body lines, want origin, size and root hash", len(body))
	}
	for n, l := range body {
		if l == "" {
			return nil, bad("body line %d is empty", n+1)
		}
	}
	c := &Checkpoint{Origin: body[0], Note: append([]byte(nil), data...)}
	size, err := strconv.ParseUint(body[1], 10, 64)
	if err != nil || (len(body[1]) > 1 && body[1][0] == '0') {
		return nil, bad("tree size %q is not a decimal number", short(body[1]))
	}
	c.Size = size
	h, err := base64.StdEncoding.Strict().DecodeString(body[2])
	if err != nil || len(h) != 32 {
		return nil, bad("root hash %q is not base64 of 32 bytes", short(body[2]))
	}
	copy(c.Hash[:], h)
	c.Extensions = append([]string(nil), body[3:]...)
	return c, nil
}

// VerifyCheckpoint parses a checkpoint note and checks it against v: the
// origin, the log signature and at least quorum witness cosignatures. The
// returned Checkpoint lists the verified cosignatures, in witness order.
func VerifyCheckpoint(data []byte, v *CheckpointVerifier) (*Checkpoint, error) {
	text, body, sigs, err := splitNote(data)
	if err != nil {
		return nil, err
	}
	c, err := parseBody(body, data)
	if err != nil {
		return nil, err
	}
	if c.Origin != v.origin {
		return nil, &OriginError{Want: v.origin, Got: c.Origin}
	}
	logOK := false
	for _, s := range sigs {
		if s.name == v.log.Name() && s.hash == v.log.KeyHash() && v.log.Verify(text, s.sig) {
			logOK = true
			break
		}
	}
	if !logOK {
		return nil, &LogSignatureError{Origin: c.Origin, Key: v.log.Name()}
	}
	for _, w := range v.witnesses {
		for _, s := range sigs {
			if s.name != w.Name() || s.hash != w.KeyHash() || len(s.sig) < 8 || !w.Verify(text, s.sig) {
				continue
			}
			t := int64(binary.BigEndian.Uint64(s.sig))
			c.Cosigned = append(c.Cosigned, Cosig{Name: w.Name(), Time: time.Unix(t, 0).UTC()})
			break
		}
	}
	if len(c.Cosigned) < v.quorum {
		e := &QuorumError{Have: len(c.Cosigned), Want: v.quorum, Witnesses: len(v.witnesses)}
		for _, s := range c.Cosigned {
			e.Cosigned = append(e.Cosigned, s.Name)
		}
		return nil, e
	}
	return c, nil
}

func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

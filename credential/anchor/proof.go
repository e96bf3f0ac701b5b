package anchor

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// ProofHeader is the first line of a c2sp.org/tlog-proof@v1 proof.
const ProofHeader = "c2sp.org/tlog-proof@v1"

// MaxProof bounds a proof: 64 hashes and a checkpoint note.
const MaxProof = MaxNote + 4<<10

// maxHashes is more than any inclusion proof in a tree of 2^64 entries.
const maxHashes = 64

// Proof is a parsed tlog-proof: the index of an entry, its inclusion proof
// and the checkpoint the proof is against. ParseProof does not verify it.
type Proof struct {
	// Extra is the optional opaque data of the "extra" line, or nil.
	Extra      []byte
	Index      uint64
	Hashes     [][32]byte
	Checkpoint []byte // the signed note, as received
}

// ParseProof parses a c2sp.org/tlog-proof@v1 text strictly: the header line,
// an optional "extra <base64>" line, "index N", one standard-base64 SHA-256
// hash per line, a blank line, and a checkpoint note that parses. Lines end
// with "\n". It verifies nothing.
func ParseProof(data []byte) (*Proof, error) {
	bad := func(line int, format string, a ...any) error {
		return &ProofError{Line: line, Problem: fmt.Sprintf(format, a...)}
	}
	if len(data) > MaxProof {
		return nil, bad(0, "%d bytes, more than the %d allowed", len(data), MaxProof)
	}
	sep := bytes.Index(data, []byte("\n\n"))
	if sep < 0 {
		return nil, bad(0, "no blank line before the checkpoint")
	}
	lines := strings.Split(string(data[:sep]), "\n")
	if lines[0] != ProofHeader {
		return nil, bad(1, "%q is not the header %q", short(lines[0]), ProofHeader)
	}
	p := &Proof{}
	n := 1
	if e, ok := cutLine(lines, n, "extra "); ok {
		b, err := base64.StdEncoding.Strict().DecodeString(e)
		if err != nil {
			return nil, bad(n+1, "extra data is not standard base64")
		}
		p.Extra = b
		n++
	}
	if n >= len(lines) {
		return nil, bad(n+1, "missing the \"index N\" line")
	}
	idx, ok := cutLine(lines, n, "index ")
	v, err := strconv.ParseUint(idx, 10, 64)
	if !ok || err != nil || (len(idx) > 1 && idx[0] == '0') {
		return nil, bad(n+1, "%q is not \"index N\"", short(lines[n]))
	}
	p.Index = v
	for n++; n < len(lines); n++ {
		h, err := base64.StdEncoding.Strict().DecodeString(lines[n])
		if err != nil || len(h) != 32 {
			return nil, bad(n+1, "%q is not a base64 SHA-256 hash", short(lines[n]))
		}
		if len(p.Hashes) == maxHashes {
			return nil, bad(n+1, "more than %d proof hashes", maxHashes)
		}
		p.Hashes = append(p.Hashes, [32]byte(h))
	}
	p.Checkpoint = append([]byte(nil), data[sep+2:]...)
	if _, err := ParseCheckpoint(p.Checkpoint); err != nil {
		return nil, err
	}
	return p, nil
}

// Format returns the proof as c2sp.org/tlog-proof@v1 text. For a proof
// from ParseProof it returns the bytes that were parsed.
func (p *Proof) Format() []byte {
	var b bytes.Buffer
	b.WriteString(ProofHeader + "\n")
	if p.Extra != nil {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	fmt.Fprintf(&b, "index %d\n", p.Index)
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteByte('\n')
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// Verify checks that the checkpoint is trusted by v and that digest is the
// log entry at p.Index of the tree it commits to. It returns the verified
// checkpoint.
func (p *Proof) Verify(digest [32]byte, v *CheckpointVerifier) (*Checkpoint, error) {
	c, err := VerifyCheckpoint(p.Checkpoint, v)
	if err != nil {
		return nil, err
	}
	if err := p.Includes(digest, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Includes checks the inclusion proof of digest at p.Index against a
// checkpoint the caller has already verified.
func (p *Proof) Includes(digest [32]byte, c *Checkpoint) error {
	hashes := make([][]byte, len(p.Hashes))
	for i := range p.Hashes {
		hashes[i] = p.Hashes[i][:]
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(digest[:])
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, c.Size, leaf, hashes, c.Hash[:]); err != nil {
		return &InclusionError{Digest: digest, Index: p.Index, Size: c.Size, Err: err}
	}
	return nil
}

func cutLine(lines []string, n int, prefix string) (string, bool) {
	if n >= len(lines) {
		return "", false
	}
	return strings.CutPrefix(lines[n], prefix)
}

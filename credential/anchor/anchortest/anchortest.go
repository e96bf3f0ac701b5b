// Package anchortest is an in-memory transparency log with witnesses, for
// tests that need real tlog-proofs and cosigned checkpoints without running
// a registry. Keys are generated fresh for each Log; nothing is persisted.
package anchortest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/immunopass/immunopass/credential/anchor"
)

// Log is an in-memory log whose checkpoints are signed by a log key and
// cosigned by its witnesses.
type Log struct {
	Origin string
	// LogKey is the log's note verifier key.
	LogKey string
	// WitnessKeys are the witnesses' verifier keys, in witness order.
	WitnessKeys []string
	signer      note.Signer
	witnesses   []*cosigner
	tree        *testonly.Tree
	index       map[[32]byte]uint64
}

// New makes a log with the given origin and number of witnesses.
func New(origin string, witnesses int) (*Log, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	l := &Log{Origin: origin, LogKey: vkey, signer: s, tree: testonly.New(rfc6962.DefaultHasher), index: map[[32]byte]uint64{}}
	for i := range witnesses {
		c, vkey, err := newCosigner(fmt.Sprintf("witness%d.example", i+1))
		if err != nil {
			return nil, err
		}
		l.witnesses = append(l.witnesses, c)
		l.WitnessKeys = append(l.WitnessKeys, vkey)
	}
	return l, nil
}

// Verifier returns a checkpoint verifier that trusts this log and its
// witnesses with the given quorum.
func (l *Log) Verifier(quorum int) *anchor.CheckpointVerifier {
	v, err := anchor.NewCheckpointVerifier(l.Origin, l.LogKey, l.WitnessKeys, quorum)
	if err != nil {
		panic(err)
	}
	return v
}

// Add appends a digest (once) and returns its index.
func (l *Log) Add(d [32]byte) uint64 {
	if i, ok := l.index[d]; ok {
		return i
	}
	i := l.tree.Size()
	l.tree.AppendData(d[:])
	l.index[d] = i
	return i
}

// Size returns the number of entries.
func (l *Log) Size() uint64 { return l.tree.Size() }

// Checkpoint returns the current checkpoint signed by the log and cosigned
// by the first cosigners witnesses, with their timestamps set to at.
func (l *Log) Checkpoint(cosigners int, at time.Time) []byte {
	root := l.tree.Hash()
	body := fmt.Sprintf("%s\n%d\n%s\n", l.Origin, l.tree.Size(), base64.StdEncoding.EncodeToString(root))
	signers := []note.Signer{l.signer}
	for _, w := range l.witnesses[:cosigners] {
		w.at = at
		signers = append(signers, w)
	}
	out, err := note.Sign(&note.Note{Text: body}, signers...)
	if err != nil {
		panic(err)
	}
	return out
}

// Proof returns the tlog-proof of digest d (which must have been added)
// against the current checkpoint, cosigned as by Checkpoint.
func (l *Log) Proof(d [32]byte, cosigners int, at time.Time) *anchor.Proof {
	i, ok := l.index[d]
	if !ok {
		panic("anchortest: digest not in the log")
	}
	hashes, err := l.tree.InclusionProof(i, l.tree.Size())
	if err != nil {
		panic(err)
	}
	p := &anchor.Proof{Index: i, Checkpoint: l.Checkpoint(cosigners, at)}
	for _, h := range hashes {
		p.Hashes = append(p.Hashes, [32]byte(h))
	}
	return p
}

// Consistency returns a consistency proof between two sizes.
func (l *Log) Consistency(size1, size2 uint64) ([][]byte, error) {
	return l.tree.ConsistencyProof(size1, size2)
}

// cosigner makes cosignature/v1 signatures with a chosen timestamp.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	at   time.Time
}

func newCosigner(name string) (*cosigner, string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	raw := append([]byte{4}, pub...)
	// The key hash is the verifier's; build one to learn it.
	vkey := fmt.Sprintf("%s+%08x+%s", name, 0, base64.StdEncoding.EncodeToString(raw))
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, "", err
	}
	vkey = fmt.Sprintf("%s+%08x+%s", name, v.KeyHash(), base64.StdEncoding.EncodeToString(raw))
	return &cosigner{name: name, hash: v.KeyHash(), key: priv}, vkey, nil
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Sign(msg []byte) ([]byte, error) {
	t := uint64(c.at.Unix())
	if !strings.HasSuffix(string(msg), "\n") {
		return nil, fmt.Errorf("note text must end in a newline")
	}
	m := fmt.Appendf(nil, "cosignature/v1\ntime %d\n%s", t, msg)
	sig := binary.BigEndian.AppendUint64(nil, t)
	return append(sig, ed25519.Sign(c.key, m)...), nil
}

package anchor_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/anchor/anchortest"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func digest(i int) [32]byte { return sha256.Sum256(fmt.Appendf(nil, "credential %d", i)) }

func newLog(t testing.TB, entries int) *anchortest.Log {
	l, err := anchortest.New("registry.example/immunopass/log", 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		l.Add(digest(i))
	}
	return l
}

func TestDigest(t *testing.T) {
	jwt := "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
	if anchor.Digest(jwt) != sha256.Sum256([]byte(jwt)) {
		t.Error("compact JWS: not the SHA-256 of the text")
	}
	if anchor.Digest(jwt+"~WyJhIiwiYiJd~kb") != anchor.Digest(jwt) || anchor.Digest(jwt+"~") != anchor.Digest(jwt) {
		t.Error("SD-JWT: must hash only the issuer JWT")
	}
}

func TestProofVerify(t *testing.T) {
	l := newLog(t, 13)
	for i := range 13 {
		p := l.Proof(digest(i), 2, t0)
		round, err := anchor.ParseProof(p.Format())
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if !bytes.Equal(round.Format(), p.Format()) {
			t.Fatalf("entry %d: Format(ParseProof(x)) != x", i)
		}
		c, err := round.Verify(digest(i), l.Verifier(2))
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if c.Size != 13 || round.Index != uint64(i) || len(c.Cosigned) != 2 || !c.Latest().Equal(t0) {
			t.Fatalf("entry %d: checkpoint %+v", i, c)
		}
	}
}

func TestProofErrors(t *testing.T) {
	l := newLog(t, 5)
	other := newLog(t, 5)
	good := l.Proof(digest(3), 3, t0)
	cases := []struct {
		name   string
		proof  func() *anchor.Proof
		digest [32]byte
		v      *anchor.CheckpointVerifier
		check  func(error) bool
	}{
		{"wrong digest", func() *anchor.Proof { return good }, digest(2), l.Verifier(2), isA[*anchor.InclusionError]},
		{"wrong index", func() *anchor.Proof { p := *good; p.Index = 2; return &p }, digest(3), l.Verifier(2), isA[*anchor.InclusionError]},
		{"index past size", func() *anchor.Proof { p := *good; p.Index = 9; return &p }, digest(3), l.Verifier(2), isA[*anchor.InclusionError]},
		{"hash altered", func() *anchor.Proof {
			p := *good
			p.Hashes = append([][32]byte(nil), p.Hashes...)
			p.Hashes[0][0] ^= 1
			return &p
		}, digest(3), l.Verifier(2), isA[*anchor.InclusionError]},
		{"below quorum", func() *anchor.Proof { return l.Proof(digest(3), 1, t0) }, digest(3), l.Verifier(2), func(err error) bool {
			var q *anchor.QuorumError
			return errors.As(err, &q) && q.Have == 1 && q.Want == 2 && q.Witnesses == 3 && strings.Contains(err.Error(), "1 valid witness cosignatures of the 2 required")
		}},
		{"other log", func() *anchor.Proof { return other.Proof(digest(3), 3, t0) }, digest(3), l.Verifier(2), isA[*anchor.LogSignatureError]},
		{"quorum of another log's witnesses", func() *anchor.Proof { return good }, digest(3), mustVerifier(t, l.Origin, l.LogKey, other.WitnessKeys, 1), isA[*anchor.QuorumError]},
		{"wrong origin", func() *anchor.Proof { return good }, digest(3), mustVerifier(t, "elsewhere/log", l.LogKey, nil, 0), isA[*anchor.OriginError]},
		{"tampered size", func() *anchor.Proof {
			p := *good
			p.Checkpoint = bytes.Replace(p.Checkpoint, []byte("\n5\n"), []byte("\n6\n"), 1)
			return &p
		}, digest(3), l.Verifier(0), isA[*anchor.LogSignatureError]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.proof().Verify(c.digest, c.v)
			if err == nil || !c.check(err) {
				t.Fatalf("got %T %v", err, err)
			}
		})
	}
	if _, err := good.Verify(digest(3), l.Verifier(3)); err != nil {
		t.Fatal(err)
	}
}

func isA[T error](err error) bool { var t T; return errors.As(err, &t) }

func mustVerifier(t *testing.T, origin, logKey string, w []string, q int) *anchor.CheckpointVerifier {
	v, err := anchor.NewCheckpointVerifier(origin, logKey, w, q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewCheckpointVerifier(t *testing.T) {
	l := newLog(t, 1)
	for _, c := range []struct {
		name     string
		origin   string
		log      string
		w        []string
		q        int
		contains string
	}{
		{"empty origin", "", l.LogKey, nil, 0, "empty log origin"},
		{"bad log key", l.Origin, "nope", nil, 0, "log key \"nope\""},
		{"bad witness", l.Origin, l.LogKey, []string{"x+1+2"}, 0, "witness key"},
		{"duplicate witness", l.Origin, l.LogKey, []string{l.WitnessKeys[0], l.WitnessKeys[0]}, 1, "listed twice"},
		{"quorum too high", l.Origin, l.LogKey, l.WitnessKeys, 4, "quorum 4"},
		{"negative quorum", l.Origin, l.LogKey, l.WitnessKeys, -1, "quorum -1"},
	} {
		_, err := anchor.NewCheckpointVerifier(c.origin, c.log, c.w, c.q)
		if err == nil || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.contains)
		}
	}
}

// proofCases are texts ParseProof must refuse, with what the error says.
var proofCases = []struct{ text, want string }{
	{"", "no blank line"},
	{"c2sp.org/tlog-proof@v2\nindex 1\n\n", "is not the header"},
	{"c2sp.org/tlog-proof@v1\n\n", "missing"},
	{"c2sp.org/tlog-proof@v1\nindex 01\n\n", "is not \"index N\""},
	{"c2sp.org/tlog-proof@v1\nindex -1\n\n", "is not \"index N\""},
	{"c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n", "is not \"index N\""},
	{"c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\n", "extra data"},
	{"c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n", "is not a base64 SHA-256 hash"},
	{"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n1\n", "no blank line between"},
	{"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n1\nAAAA\n\n— log AAAAAAAA\n", "root hash"},
	{"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\nx\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— log AAAAAAAA\n", "tree size"},
	{"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n- log AAAAAAAA\n", "does not start with"},
	{"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— log AAAA\n", "at least 5 bytes"},
	{"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— log AAAAAAAA", "end with a newline"},
	{"c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— log AAAAAAAA\r\n", "control character"},
}

func TestParseProofErrors(t *testing.T) {
	for _, c := range proofCases {
		_, err := anchor.ParseProof([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseProof(%q) = %v, want %q", c.text, err, c.want)
		}
	}
	ok := "c2sp.org/tlog-proof@v1\nextra AQID\nindex 0\n\nlog\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n\n— log AAAAAAAA\n"
	p, err := anchor.ParseProof([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Format()) != ok || !bytes.Equal(p.Extra, []byte{1, 2, 3}) {
		t.Fatalf("round trip: %q", p.Format())
	}
	c, _ := anchor.ParseCheckpoint(p.Checkpoint)
	if c.Origin != "log" || c.Size != 1 || len(c.Extensions) != 1 {
		t.Fatalf("checkpoint %+v", c)
	}
}

func FuzzParseProof(f *testing.F) {
	l := newLog(f, 6)
	f.Add(l.Proof(digest(4), 2, t0).Format())
	for _, c := range proofCases {
		f.Add([]byte(c.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := anchor.ParseProof(data)
		if err != nil {
			return
		}
		// Parse then format gives the input back, or the parser was too lax.
		if !bytes.Equal(p.Format(), data) {
			t.Fatalf("Format(ParseProof(%q)) = %q", data, p.Format())
		}
		p.Verify(digest(4), l.Verifier(1))
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	l := newLog(f, 3)
	f.Add(l.Checkpoint(3, t0))
	f.Add([]byte("log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— log AAAAAAAA\n"))
	v := l.Verifier(2)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := anchor.ParseCheckpoint(data)
		if err != nil {
			if _, verr := anchor.VerifyCheckpoint(data, v); verr == nil {
				t.Fatal("verified a checkpoint that does not parse")
			}
			return
		}
		if c.Origin == "" || !bytes.Equal(c.Note, data) {
			t.Fatalf("bad parse %+v", c)
		}
		if vc, err := anchor.VerifyCheckpoint(data, v); err == nil && (len(vc.Cosigned) < 2 || vc.Size != c.Size) {
			t.Fatalf("verified below quorum: %+v", vc)
		}
	})
}

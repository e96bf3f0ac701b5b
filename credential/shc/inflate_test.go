package shc

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stdInflate is the reference: compress/flate with the same limit and the
// same trailing-bytes rule, as the package decoded before inflate.go.
func stdInflate(data []byte, limit int) ([]byte, error) {
	br := bytes.NewReader(data)
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(flate.NewReader(br), int64(limit)+1))
	if n > int64(limit) {
		return nil, &TooLargeError{What: "inflated payload", Size: int(n), Limit: limit}
	}
	if err != nil {
		return nil, &CompressionError{Problem: "not raw DEFLATE: " + err.Error()}
	}
	if br.Len() != 0 {
		return nil, &CompressionError{Problem: fmt.Sprintf("%d bytes after the end of the DEFLATE stream", br.Len())}
	}
	return buf.Bytes(), nil
}

// ours runs inflate.go with a small limit, so that the fuzzer reaches it.
func ours(data []byte, limit int) ([]byte, error) {
	var f inflater
	out, trailing, err := f.inflate(data, limit)
	switch {
	case err == errLarge:
		return nil, &TooLargeError{}
	case err != nil:
		return nil, &CompressionError{Problem: err.Error()}
	case trailing != 0:
		return nil, &CompressionError{Problem: fmt.Sprintf("%d bytes after the end of the DEFLATE stream", trailing)}
	}
	return out, nil
}

// agree fails t unless both decoders give the same bytes, or both refuse
// the input for the same kind of reason (too large, corrupt, or the same
// number of trailing bytes).
func agree(t *testing.T, data []byte, limit int) {
	t.Helper()
	want, werr := stdInflate(data, limit)
	got, err := ours(data, limit)
	var wl, gl *TooLargeError
	switch {
	case werr == nil && err == nil:
		if !bytes.Equal(got, want) {
			t.Fatalf("inflate(%x): %q, compress/flate gives %q", data, got, want)
		}
	case (werr == nil) != (err == nil):
		t.Fatalf("inflate(%x): error %v, compress/flate: %v", data, err, werr)
	case errors.As(werr, &wl) != errors.As(err, &gl):
		// A stream both damaged and over the limit is refused by both,
		// but which reason comes first depends on when compress/flate
		// hands out what it decoded (at block ends and full windows, and
		// never after a read error): either reason is right then.
		if _, rerr := ours(data, 1<<30); rerr != nil && !errors.As(rerr, new(*TooLargeError)) {
			return
		}
		t.Fatalf("inflate(%x): error %v, compress/flate: %v", data, err, werr)
	case strings.Contains(werr.Error(), "after the end") && werr.Error() != err.Error():
		t.Fatalf("inflate(%x): error %v, compress/flate: %v", data, err, werr)
	}
}

func deflateLevel(data []byte, level int) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, level)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// inflateSeeds are streams of every block type: stored, fixed, dynamic,
// several blocks, long matches, the spec examples' payloads, and a few
// broken ones.
func inflateSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 3000)
	for i := range random {
		random[i] = byte(r.IntN(256))
	}
	texts := [][]byte{nil, []byte("a"), []byte(strings.Repeat("abc", 1000)), random, []byte(strings.Repeat("x", 5000))}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "shc", "examples", "example-0*-c-jws-payload-minified.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, b)
	}
	for _, text := range texts {
		for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly} {
			seeds = append(seeds, deflateLevel(text, level))
		}
	}
	seeds = append(seeds, []byte{}, []byte{0x03}, []byte{0xff, 0xff}, []byte{0x78, 0x9c, 0x03, 0x00}, append(deflateLevel([]byte("abc"), 9), 0))
	return seeds
}

func TestInflateAgreesWithCompressFlate(t *testing.T) {
	for _, s := range inflateSeeds(t) {
		agree(t, s, MaxPayload)
		agree(t, s, 100) // the limit, hit in every block type
		// Every truncation and a flipped bit in each byte.
		for i := 0; i < len(s) && i < 400; i++ {
			agree(t, s[:i], MaxPayload)
			c := bytes.Clone(s)
			c[i] ^= 1 << (i % 8)
			agree(t, c, MaxPayload)
		}
	}
}

func FuzzInflate(f *testing.F) {
	for _, s := range inflateSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data, 4096)
	})
}

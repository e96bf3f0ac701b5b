package status

import (
	"testing"
	"time"
)

// BenchmarkStatusLookup: a million-entry 1-bit token with 1% revoked.
func BenchmarkStatusLookup(b *testing.B) {
	k, _ := testKeys(b)
	l := revokedList(b, 1)
	iat := time.Unix(1_790_000_000, 0)
	compact, err := l.Token(k, "https://registry.example/status/1", iat, time.Time{}, 0)
	if err != nil {
		b.Fatal(err)
	}
	idx := 123_457
	b.Run("parse+lookup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			t, err := ParseToken(compact)
			if err != nil {
				b.Fatal(err)
			}
			t.verified = true // the signature is measured separately below
			if _, err := t.Status(idx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+verify+lookup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			t, err := ParseToken(compact)
			if err != nil {
				b.Fatal(err)
			}
			if err := t.Verify(k.Public()); err != nil {
				b.Fatal(err)
			}
			if _, err := t.Status(idx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lookup", func(b *testing.B) {
		t, err := ParseToken(compact)
		if err != nil {
			b.Fatal(err)
		}
		if err := t.Verify(k.Public()); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := t.Status(idx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTokenSize builds and signs the million-entry token and reports
// its size, 1-bit and 2-bit, and the W3C credential's.
func BenchmarkTokenSize(b *testing.B) {
	k, _ := testKeys(b)
	iat := time.Unix(1_790_000_000, 0)
	for _, bits := range []int{1, 2} {
		l := revokedList(b, bits)
		b.Run(map[int]string{1: "1-bit", 2: "2-bit"}[bits], func(b *testing.B) {
			var n int
			for b.Loop() {
				tok, err := l.Token(k, "https://registry.example/status/1", iat, iat.Add(24*time.Hour), 6*time.Hour)
				if err != nil {
					b.Fatal(err)
				}
				n = len(tok)
			}
			b.ReportMetric(float64(n), "token-bytes")
		})
	}
	l := revokedList(b, 1)
	b.Run("w3c", func(b *testing.B) {
		var n int
		for b.Loop() {
			vc, err := l.BitstringCredential(k, "https://registry.example/w3c/1", PurposeRevocation, "https://registry.example", iat)
			if err != nil {
				b.Fatal(err)
			}
			n = len(vc)
		}
		b.ReportMetric(float64(n), "vc-bytes")
	})
}

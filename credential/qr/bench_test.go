package qr

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkDecodeQRImage(b *testing.B) {
	for _, bc := range []struct{ name, path string }{
		{"clean600", filepath.Join(shcExamples, "png", "example-00-g-qr-code-0.png")},
		{"phone", "testdata/degraded/numeric_1200_phone.jpg"},
	} {
		data, err := os.ReadFile(bc.path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeSHC(b *testing.B) {
	text := shcText(rand.New(rand.NewSource(8)), 2390)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeSHC(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSymbolPNG(b *testing.B) {
	s, err := EncodeSHC(shcText(rand.New(rand.NewSource(8)), 2390))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PNG(6); err != nil {
			b.Fatal(err)
		}
	}
}

package qr

import (
	"archive/zip"
	"bytes"
	"testing"
)

// TestBinaryPayload: a QR code whose byte segment is binary (a DIVOC
// certificate's ZIP archive) decodes to exactly its bytes.
func TestBinaryPayload(t *testing.T) {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create("certificate.json")
	f.Write([]byte(`{"name":"Asha Verma","evidence":[{"dose":1}]}`))
	w.Close()
	sym, err := Encode(b.String(), L)
	if err != nil {
		t.Fatal(err)
	}
	png, err := sym.PNG(4)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := Decode(png)
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 || texts[0] != b.String() {
		t.Fatalf("decoded %q, want the %d archive bytes", texts, b.Len())
	}
}

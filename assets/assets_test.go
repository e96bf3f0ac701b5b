package assets

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"testing"
)

func TestEmbedded(t *testing.T) {
	for name, b := range map[string][]byte{
		"vaccines.csv":     VaccineCodes(),
		"demo/record.json": DemoRecord(),
		"demo/record.csv":  DemoRecordCSV(),
	} {
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	b := DemoRecord()
	b[0] = 'x'
	if DemoRecord()[0] != '{' {
		t.Fatal("DemoRecord shares its bytes")
	}
}

// TestDemoRecordSize keeps the demo record small enough for a SMART Health
// Card in one QR code. The limit is on the JWS: at most 1195 characters for
// a version 22 QR code at error correction L. Of those, the signature takes
// 86, a header with a 43-character kid about 100, and the rest of the
// payload around the Bundle (iss, nbf, type, fhirVersion, a rid) some 150
// once deflated and in base64url. That leaves about 850 base64url characters,
// or 640 bytes, for the raw-DEFLATE (SHC "zip":"DEF") of the minified Bundle.
func TestDemoRecordSize(t *testing.T) {
	b := DemoRecord()
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(compact.Bytes(), b) {
		t.Fatal("demo/record.json is not minified")
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(b)
	w.Close()
	t.Logf("demo bundle: %d bytes minified, %d deflated", len(b), z.Len())
	if z.Len() > 640 {
		t.Fatalf("demo bundle deflates to %d bytes, more than the 640 a one-QR card allows", z.Len())
	}
}

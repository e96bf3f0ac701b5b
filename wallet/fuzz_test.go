package wallet

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/divoc/divoctest"
)

// The import parsers must never panic and never return a candidate text
// that is not in the input's decoding; these targets feed them anything.

func FuzzExtract(f *testing.F) {
	c := newClinic(f)
	jws := c.shc(f, demoRecord(f))
	f.Add("card.smart-health-card", []byte(`{"verifiableCredential":["`+jws+`"]}`))
	f.Add("paste", []byte("shc:/56762909524320603460292437404460"))
	f.Add("paste", []byte("shc:/2/2/5676\nshc:/1/2/0909"))
	f.Add("paste", []byte("IP1:NCFOXN%TS3DH"))
	f.Add("paste", []byte("HC1:6BFOXN%TS3DH0YOJ58S"))
	f.Add("x.sd-jwt", []byte("eyJhbGciOiJFUzI1NiJ9.e30.sig~WyJzYWx0IiwibiIsInYiXQ~"))
	f.Add("card.png", shcQRPNG(f, jws))
	f.Add("x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	f.Add("x.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"))
	// DIVOC: the QR's archive as a file, "B64:" text, certificate.json; a
	// W3C VC as JSON with a proof and as a VC-JWT.
	archive := divoctest.Zip([]string{"certificate.json"}, [][]byte{[]byte(`{"type":["ProofOfVaccinationCredential"]}`)})
	f.Add("qr.zip", archive)
	f.Add("paste", []byte("Certificate: B64:"+base64.StdEncoding.EncodeToString(archive)+"\n"))
	f.Add("certificate.json", []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["ProofOfVaccinationCredential"],"proof":{}}`))
	f.Add("vc.json", []byte(`{"@context":[],"proof":{"type":"DataIntegrityProof"},"verifiableCredential":1}`))
	f.Add("vc.jwt", []byte("eyJhbGciOiJFUzI1NiIsInR5cCI6InZjK2p3dCJ9.e30.c2ln"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		// Images and PDFs end in the QR decoding ladder, which may spend
		// up to ≈ 2 s on one hostile image by design: a mutated PNG then
		// outlives a 4 s CI fuzz run ("context deadline exceeded" in CI).
		// Those paths have their own targets: credential/qr's FuzzDecode
		// and FuzzPDFImages below. This one fuzzes detection and text.
		if k := detectKind(name, data); k == kindImage || k == kindPDF {
			return
		}
		fs, err := extract(name, data)
		if err == nil && len(fs) == 0 {
			t.Fatal("no error and nothing found")
		}
	})
}

func FuzzScanText(f *testing.F) {
	for _, s := range []string{
		"shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745222809286133314564376531415906402203064504590856435503414245413640370636654171372412363803043756220467374075323239254334433260573601064529047007\n",
		"Here: shc:/1/2/0123 and shc:/2/2/456.",
		"HC1:NCF 1 2 3\nIP1:ABC DEF",
		"a.b.c~d~e.f.g",
		"IPC1:XYZ",
		"B64:UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAQAAAAY2VydGlmaWNhdGUuanNvbg==",
		"see B64:AAAA= and a.b.c",
		"B64:UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAQAAAAY2VydGlmaWNhdGUuanNvbgAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nAAAQAAAAY2VydA\nthanks",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fd := range scanText("paste", s) {
			// A DIVOC "B64:" text may be joined from wrapped lines.
			in, text := s, fd.text
			if strings.HasPrefix(text, "B64:") {
				in, text = strings.Join(strings.Fields(in), ""), strings.Join(strings.Fields(text), "")
			}
			if !strings.Contains(in, text) {
				t.Fatalf("found %q which is not in the input", fd.text)
			}
		}
		_ = normalise(scanText("paste", s))
	})
}

func FuzzPDFImages(f *testing.F) {
	f.Add(printout(f, shcQRPNG(f, newClinic(f).shc(f, demoRecord(f)))))
	f.Add([]byte("%PDF-1.4\n%%EOF"))
	f.Add([]byte("%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<18 {
			return
		}
		imgs, err := pdfImages(data)
		if err == nil && len(imgs) > MaxPDFImages {
			t.Fatalf("%d images", len(imgs))
		}
	})
}

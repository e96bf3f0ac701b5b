package web

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/issuer/service"
)

// TestRecordPDFCodesScan: the printout's QR codes, read back from the PDF's
// images, are the entry's card and SD-JWT VC; a revoked entry is not
// printed.
func TestRecordPDFCodesScan(t *testing.T) {
	e := newEnv(t, Options{})
	rec, bundle, err := service.ReadRecord(assets.DemoRecord())
	if err != nil {
		t.Fatal(err)
	}
	hk, _ := jose.GenerateKey()
	en, err := e.svc.Issue("nurse1", service.Submission{Record: rec, Bundle: bundle, Holders: []string{hk.Public().DIDKey()}})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := RecordPDF(en, "https://clinic.example")
	if err != nil {
		t.Fatal(err)
	}
	conf := model.NewDefaultConfiguration()
	conf.Offline = true
	var got []string
	err = api.ExtractImages(bytes.NewReader(pdf), nil, func(im model.Image, _ bool, _ int) error {
		b, err := io.ReadAll(im)
		if err != nil {
			return err
		}
		texts, err := qr.Decode(b)
		if err != nil {
			t.Errorf("image %dx%d: %v", im.Width, im.Height, err)
		}
		got = append(got, texts...)
		return nil
	}, conf)
	if err != nil {
		t.Fatal(err)
	}
	card, _ := shc.EncodeQR(en.SHC)
	sd, _ := sdjwt.EncodeQR(en.SDJWT[0].SDJWT)
	if !slices.Contains(got, card) || !slices.Contains(got, sd) {
		t.Fatalf("the PDF's codes (%d) are not the card and the SD-JWT VC", len(got))
	}
	if _, err := e.svc.Revoke("admin", en.ID, "test"); err != nil {
		t.Fatal(err)
	}
	en, _ = e.svc.Entry(en.ID)
	if _, err := RecordPDF(en, "https://clinic.example"); err == nil {
		t.Error("a revoked record was printed")
	}
}

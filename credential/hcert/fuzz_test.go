package hcert_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/hcert/hcerttest"
)

// seeds returns the common vectors' texts, and their COSE and CBOR stages.
func seeds(f *testing.F) (texts []string, coses, cbors [][]byte) {
	files, _ := filepath.Glob("../../testdata/dcc/common/2DCode/raw/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var v struct{ PREFIX, COSE, CBOR string }
		if json.Unmarshal(b, &v) != nil {
			continue
		}
		texts = append(texts, v.PREFIX)
		if c, err := hex.DecodeString(v.COSE); err == nil {
			coses = append(coses, c)
		}
		if c, err := hex.DecodeString(v.CBOR); err == nil {
			cbors = append(cbors, c)
		}
	}
	return texts, coses, cbors
}

// FuzzDecode runs every stage on arbitrary text: no panic, and a decoded
// certificate that verifies came from the key.
func FuzzDecode(f *testing.F) {
	der, key, err := hcerttest.NewDSC(hcerttest.DSCOptions{})
	if err != nil {
		f.Fatal(err)
	}
	_ = der
	good, err := hcert.Issue([]byte(hcerttest.Vaccination), key, hcert.IssueOptions{Issuer: "FR", KID: []byte("12345678"), IssuedAt: time.Unix(1.6e9, 0), Expires: time.Unix(1.7e9, 0)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	texts, _, _ := seeds(f)
	for _, s := range texts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := hcert.Decode(text)
		if err != nil {
			return
		}
		_ = s.Verify(key.Public())
		c, err := hcert.Open(s)
		if err != nil {
			return
		}
		_ = c.CheckTime(time.Unix(1.65e9, 0))
		if c.Validate() == nil {
			if _, err := c.Record(); err != nil {
				t.Fatalf("schema-valid but unmappable: %v", err)
			}
		}
	})
}

// FuzzParseCOSE parses arbitrary COSE bytes.
func FuzzParseCOSE(f *testing.F) {
	_, coses, _ := seeds(f)
	for _, c := range coses {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := hcert.ParseCOSE(data)
		if err == nil {
			if len(s.KID) == 0 {
				t.Fatal("a COSE message without kid parsed")
			}
			if _, err := s.ToBeSigned(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzOpen maps arbitrary CWT payloads (and DCC CBOR placed in one).
func FuzzOpen(f *testing.F) {
	_, coses, cbors := seeds(f)
	for _, c := range coses {
		if s, err := hcert.ParseCOSE(c); err == nil {
			f.Add(s.Payload)
		}
	}
	for _, c := range cbors {
		// {1: "XX", 4: 2e9, 6: 1e9, -260: {1: DCC}}
		p := append([]byte{0xa4, 0x01, 0x62, 'X', 'X', 0x04, 0x1a, 0x77, 0x35, 0x94, 0x00, 0x06, 0x1a, 0x3b, 0x9a, 0xca, 0x00, 0x39, 0x01, 0x03, 0xa1, 0x01}, c...)
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := hcert.Open(&hcert.Sign1{Payload: payload})
		if err != nil {
			return
		}
		if c.Validate() == nil {
			_, _ = c.Record()
		}
	})
}

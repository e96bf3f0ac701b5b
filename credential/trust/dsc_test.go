package trust

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseDSCs reads arbitrary PEM or DER: no panic, and every DSC it
// returns is keyed by the SHA-256 of its DER.
func FuzzParseDSCs(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/dcc/common/2DCode/raw/CO*.json")
	for _, file := range files[:min(len(files), 6)] {
		b, _ := os.ReadFile(file)
		var v struct {
			TESTCTX struct{ CERTIFICATE string }
		}
		if json.Unmarshal(b, &v) != nil {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(v.TESTCTX.CERTIFICATE)
		if err != nil {
			continue
		}
		f.Add(der)
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ParseDSCs(data)
		if err != nil {
			return
		}
		for _, d := range ds {
			if string(d.KID) != string(DSCKID(d.Cert.Raw)) {
				t.Fatal("kid is not the SHA-256 prefix of the DER")
			}
		}
	})
}

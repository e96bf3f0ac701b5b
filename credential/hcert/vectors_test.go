package hcert_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/base45"
	"github.com/immunopass/immunopass/credential/hcert"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
)

type vector struct {
	JSON   json.RawMessage
	Prefix string `json:"PREFIX"`
	TwoD   string `json:"2DCODE"`
	Ctx    struct {
		Certificate string `json:"CERTIFICATE"`
		Clock       string `json:"VALIDATIONCLOCK"`
		Description string `json:"DESCRIPTION"`
	} `json:"TESTCTX"`
	Expected map[string]bool `json:"EXPECTEDRESULTS"`
}

func parseClock(t *testing.T, s string) time.Time {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if c, err := time.Parse(l, s); err == nil {
			return c
		}
	}
	t.Fatalf("validation clock %q", s)
	return time.Time{}
}

// stages runs one vector through every stage and returns which passed;
// a stage after the first failure is absent.
func stages(t *testing.T, v *vector) map[string]bool {
	got := map[string]bool{}
	pass := func(stage string, ok bool) bool { got[stage] = ok; return ok }
	if v.TwoD != "" {
		png, err := base64.StdEncoding.DecodeString(v.TwoD)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := qr.Decode(png)
		pass("EXPECTEDPICTUREDECODE", err == nil && len(texts) == 1 && texts[0] == v.Prefix)
	}
	_, decErr := hcert.Decode(v.Prefix)
	if !pass("EXPECTEDUNPREFIX", strings.HasPrefix(v.Prefix, hcert.Prefix)) {
		return got
	}
	raw, err := base45.Decode(v.Prefix[len(hcert.Prefix):])
	if !pass("EXPECTEDB45DECODE", err == nil) {
		return got
	}
	data, err := hcert.Inflate(raw)
	if !pass("EXPECTEDCOMPRESSION", err == nil) {
		return got
	}
	s, err := hcert.ParseCOSE(data)
	if !pass("EXPECTEDDECODE", err == nil) {
		return got
	}
	delete(got, "EXPECTEDDECODE") // decided with the payload's CBOR below
	if decErr != nil {
		t.Fatalf("stages pass but Decode: %v", decErr)
	}
	c, oerr := hcert.Open(s)
	var pe *hcert.PayloadError
	if !pass("EXPECTEDDECODE", !errors.As(oerr, &pe) || pe.Part != "cbor") {
		return got
	}
	der, err := base64.StdEncoding.DecodeString(v.Ctx.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	dsc, err := trust.NewDSC(der)
	if err != nil {
		t.Fatal(err)
	}
	store := trust.New()
	store.AddDSC(dsc)
	ds := store.DSCs(s.KID)
	var verr error = errors.New("unknown kid")
	if len(ds) == 1 {
		verr = s.Verify(ds[0].Cert.PublicKey)
	}
	if !pass("EXPECTEDVERIFY", verr == nil && oerr == nil) {
		return got
	}
	if len(v.JSON) > 0 {
		var want, have any
		_ = json.Unmarshal(v.JSON, &want)
		js, err := c.JSON()
		if err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(js, &have)
		pass("EXPECTEDVALIDJSON", reflect.DeepEqual(want, have))
	}
	if !pass("EXPECTEDKEYUSAGE", trust.CheckDSCUse(dsc, c.Kind, c.IssuedAt, c.Expires) == nil) {
		return got
	}
	if !pass("EXPECTEDEXPIRATIONCHECK", c.CheckTime(parseClock(t, v.Ctx.Clock)) == nil) {
		return got
	}
	pass("EXPECTEDSCHEMAVALIDATION", c.Validate() == nil)
	return got
}

// TestCommonVectors runs the EU dgc-testdata common vectors: every stage
// flag a vector states agrees, with the vector's DSC as the only trust and
// its validation clock.
func TestCommonVectors(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/dcc/common/2DCode/raw/*.json")
	if len(files) < 38 {
		t.Fatalf("%d vectors, want 38", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var v vector
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			if v.TwoD == "" {
				delete(v.Expected, "EXPECTEDPICTUREDECODE") // no image to read
			}
			got := stages(t, &v)
			for flag, want := range v.Expected {
				have, ran := got[flag]
				switch {
				case !ran && want:
					t.Errorf("%s: want pass, an earlier stage failed (%v) — %s", flag, got, v.Ctx.Description)
				case ran && have != want:
					t.Errorf("%s = %v, want %v (%s)", flag, have, want, v.Ctx.Description)
				}
			}
			// The verdict: invalid at the first false flag.
			for _, want := range v.Expected {
				if !want {
					return
				}
			}
			for flag, have := range got {
				if !have {
					if _, stated := v.Expected[flag]; !stated {
						t.Errorf("unstated stage %s fails on a vector whose flags all pass (%s)", flag, v.Ctx.Description)
					}
				}
			}
		})
	}
}

package webapi

import (
	"bytes"
	"embed"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
)

//go:embed warm
var warmFiles embed.FS

// warmCase is one public test credential and the instant it is valid at.
type warmCase struct {
	input, trust string
	at           time.Time
}

var warmCases = []warmCase{
	{"warm/shc.txt", "warm/shc-trust.json", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"warm/hcert.txt", "warm/hcert-dsc.pem", time.Date(2021, 5, 21, 12, 26, 7, 0, time.UTC)},
}

// Warm verifies public test credentials (warm/README.md: a SMART Health
// Card and an EU DCC) against their own trust, apart from the page's, and
// reads the card's QR code from a picture as from a camera frame. In the browser every WebAssembly function
// is compiled on its first call and some tables are built on first use, so
// a page's first verdict cost 5–6 times a later one (0.3 s against 50 ms);
// the page calls Warm once it is ready, before anyone has had time to
// scan. Nothing is kept and the App's state is not touched. It returns the
// verdicts, for the tests.
func (a *App) Warm() ([]verifier.Result, error) {
	var out []verifier.Result
	for _, c := range warmCases {
		data, err := warmFiles.ReadFile(c.input)
		if err != nil {
			return nil, err
		}
		trustData, err := warmFiles.ReadFile(c.trust)
		if err != nil {
			return nil, err
		}
		st := trust.New()
		if err := st.Load(c.trust, trustData); err != nil {
			return nil, fmt.Errorf("%s: %w", c.trust, err)
		}
		v := &verifier.Verifier{Trust: st, At: c.at}
		out = append(out, v.Verify([]verifier.Input{{Name: c.input, Data: data}})...)
	}
	// A camera frame holding a code: the decoder's steps after a QR
	// symbol is found run only then.
	pic, err := warmFiles.ReadFile("warm/shc.png")
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(pic))
	if err != nil {
		return nil, err
	}
	text, err := qr.DecodeFrame(img, FrameBudget)
	if err != nil {
		return nil, fmt.Errorf("warm/shc.png: %w", err)
	}
	if want, _ := warmFiles.ReadFile("warm/shc.txt"); strings.TrimSpace(string(want)) != text {
		return nil, fmt.Errorf("warm/shc.png holds %q, not warm/shc.txt", shortText(text))
	}
	return out, nil
}

func shortText(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// Package webapi is what the verifier's web app runs on the device,
// compiled to WebAssembly (cmd/verifier-wasm): trust files loaded into
// memory, camera frames decoded, scanned or typed codes repaired and
// collected (verifier/scan), and verdicts as the JSON of `verifier verify
// --json`. It keeps nothing beyond the chunks of a card being scanned, and
// does no I/O: the page hands it bytes. It builds natively too, so that it
// is tested with go test.
package webapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"strings"
	"sync"
	"time"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/scan"
)

// MaxTrustFile bounds one trust file handed to the page.
const MaxTrustFile = 8 << 20

// App is one page's verifier. Safe for concurrent use.
type App struct {
	mu     sync.Mutex
	trust  *trust.Store
	policy *trust.Policy
	coll   scan.Collector
	// the context in force (context.go): its name, the rules' language,
	// and the policies found (dropped when trust is loaded)
	ctxName, lang string
	ctxSet        *policy.Set
	ctxFrom       string
	ctxErr        error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns an App with no trust yet.
func New() *App { return &App{trust: trust.New()} }

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// LoadTrust adds one trust file: a trust policy (which must come before
// the registry bundles it checks), a bundle, a VCI snapshot, DSC
// certificates, a GDHCN trust list, or a status list.
func (a *App) LoadTrust(name string, data []byte) error {
	if len(data) > MaxTrustFile {
		return fmt.Errorf("%s: %d bytes, more than the %d a trust file may have", name, len(data), MaxTrustFile)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ctxSet, a.ctxErr = nil, nil // a bundle may bring its own rules
	t := bytes.TrimSpace(data)
	switch {
	case trust.IsBundle(t):
		if a.policy == nil {
			return fmt.Errorf("%s: a registry bundle needs the trust policy first", name)
		}
		_, err := a.trust.LoadBundle(name, data, a.policy, a.now())
		return err
	case bytes.HasPrefix(t, []byte("ey")):
		return a.trust.LoadStatus(name, data)
	case bytes.HasPrefix(t, []byte("{")) && !trust.IsGDHCNList(t) && !bytes.Contains(t, []byte(`"issuerInfo"`)):
		p, err := trust.ParsePolicy(data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		a.policy = p
		a.trust.UsePolicy(p)
		return nil
	}
	return a.trust.Load(name, data)
}

// FrameBudget bounds the work on one camera frame: the next frame comes a
// moment later, so a hard one is skipped rather than waited for.
const FrameBudget = 120 * time.Millisecond

// ScanFrame reads a QR code in one camera frame; "" when it holds none.
func (a *App) ScanFrame(img image.Image) string {
	text, err := qr.DecodeFrame(img, FrameBudget)
	if err != nil {
		return ""
	}
	return text
}

// ScanPicture reads a QR code in a picture the user opened, with the whole
// decoder ladder; "" when it holds none.
func (a *App) ScanPicture(img image.Image) string {
	text, err := qr.DecodeImage(img)
	if err != nil {
		return ""
	}
	return text
}

// Outcome is what Submit answers.
type Outcome struct {
	// Progress is "2 of 3 read" while the chunks of a card come in.
	Progress string `json:"progress,omitempty"`
	// Layout names the keyboard layout a scanner's text was repaired from
	// ("fr", "de"), when it was not "us".
	Layout  string            `json:"layout,omitempty"`
	Results []verifier.Result `json:"results"`
	// ContextProblem says why the chosen context could not be answered.
	ContextProblem string `json:"contextProblem,omitempty"`
	// MeetsFrom holds, for each result, the day (YYYY-MM-DD) from which a
	// valid credential that does not meet the context yet will meet it
	// (verifier.MeetsFrom), or "".
	MeetsFrom []string `json:"meetsFrom,omitempty"`
}

// Submit takes one code (scanned, typed or pasted), and answers with its
// verdicts once it is complete.
func (a *App) Submit(text string) []byte {
	text, layout := scan.Repair(strings.TrimSpace(text))
	a.mu.Lock()
	p := a.coll.Add(text, a.now())
	a.mu.Unlock()
	out := Outcome{Progress: p.Message(), Results: []verifier.Result{}}
	if layout != nil && layout.ID != "us" {
		out.Layout = layout.ID
	}
	if len(p.Ready) > 0 {
		a.mu.Lock()
		v := &verifier.Verifier{Trust: a.trust, At: a.now(), Lang: a.lang}
		v.Context, out.ContextProblem = a.context()
		var in []verifier.Input
		for i, t := range p.Ready {
			in = append(in, verifier.Input{Name: fmt.Sprintf("scan %d", i+1), Data: []byte(t)})
		}
		out.Results = v.Verify(in)
		a.mu.Unlock()
		out.MeetsFrom = meetsFrom(out.Results, v.Context, v.At)
		for i := range out.Results {
			if out.Results[i].Reasons == nil {
				out.Results[i].Reasons = []string{}
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}

// TrustStatus is the trust the page holds, for its status line.
type TrustStatus struct {
	Issuers    int       `json:"issuers"`
	DSCs       int       `json:"dscs"`
	Policy     bool      `json:"policy"`
	BundleTime time.Time `json:"bundleTime,omitzero"`
	Stale      bool      `json:"stale"`
	Notes      []string  `json:"notes,omitempty"`
}

// TrustJSON describes the trust held.
func (a *App) TrustJSON() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := TrustStatus{Issuers: len(a.trust.Issuers()), DSCs: len(a.trust.AllDSCs()), Policy: a.policy != nil, Notes: a.trust.Notes()}
	for _, b := range a.trust.Bundles() {
		if b.Issued.After(s.BundleTime) {
			s.BundleTime = b.Issued
		}
	}
	for _, w := range a.trust.Warnings() {
		if w.Code == verifier.StaleTrust {
			s.Stale = true
		}
	}
	b, _ := json.Marshal(s)
	return b
}

// Reset drops the chunks collected so far.
func (a *App) Reset() {
	a.mu.Lock()
	a.coll.Reset()
	a.mu.Unlock()
}

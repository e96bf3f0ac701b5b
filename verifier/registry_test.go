package verifier_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

// TestRegistryReasons runs each reason the registry bundle and anchoring
// add: not-anchored, issuer-suspended, key-usage, and the stale-trust
// warning, with proofs given as options or as inputs.
func TestRegistryReasons(t *testing.T) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	proof := func(name string) *anchor.Proof {
		p, err := anchor.ParseProof(w.Proofs[name])
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name     string
		bundle   []byte
		inputs   []string
		proofs   []string
		require  bool
		reasons  []string
		warnings []string
		message  string
		anchored bool
	}{
		{name: "ok, no proof", inputs: []string{"ok"}, reasons: []string{"ok"}},
		{name: "ok, proof as option", inputs: []string{"ok"}, proofs: []string{"ok"}, require: true, reasons: []string{"ok"}, anchored: true},
		{name: "ok, proof in the same input", inputs: []string{"ok+proof"}, require: true, reasons: []string{"ok"}, anchored: true},
		{name: "ok, proof as another input", inputs: []string{"ok", "proof:ok"}, require: true, reasons: []string{"ok"}, anchored: true},
		{name: "required, none", inputs: []string{"ok"}, require: true, reasons: []string{"not-anchored"}, message: "no anchoring proof was presented"},
		{name: "required, other credential's proof", inputs: []string{"ok"}, proofs: []string{"late"}, require: true, reasons: []string{"not-anchored"}},
		{name: "proof below quorum", inputs: []string{"ok"}, proofs: []string{"ok-below-quorum"}, reasons: []string{"not-anchored"}, message: "1 valid witness cosignatures of the 2 required"},
		{name: "suspended issuer", inputs: []string{"suspended"}, reasons: []string{"issuer-suspended"}, message: "suspended by the registry since"},
		{name: "key outside its window", inputs: []string{"rotated"}, reasons: []string{"key-usage"}, message: "after the key's validity ended"},
		{name: "compromised key, anchored before", inputs: []string{"early"}, proofs: []string{"early"}, reasons: []string{"ok"}, anchored: true},
		{name: "compromised key, anchored after", inputs: []string{"late"}, proofs: []string{"late"}, reasons: []string{"key-usage"}, message: "not before the compromise", anchored: true},
		{name: "compromised key, no proof", inputs: []string{"early"}, reasons: []string{"key-usage"}, message: "no anchoring proof shows"},
		{name: "stale bundle", bundle: w.Stale, inputs: []string{"ok"}, reasons: []string{"ok"}, warnings: []string{"stale-trust"}, message: "is 8d8h old (policy maximum 7d)"},
		{name: "bad proof input", inputs: []string{"ok", "junk-proof"}, reasons: []string{"ok"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := trust.New()
			b := c.bundle
			if b == nil {
				b = w.Bundle
			}
			if _, err := s.LoadBundle("bundle", b, w.Policy, verifiertest.Now); err != nil {
				t.Fatal(err)
			}
			v := &verifier.Verifier{Trust: s, At: verifiertest.Now, RequireAnchor: c.require}
			for _, p := range c.proofs {
				v.Proofs = append(v.Proofs, proof(p))
			}
			var ins []verifier.Input
			for _, in := range c.inputs {
				switch {
				case strings.HasSuffix(in, "+proof"):
					n := strings.TrimSuffix(in, "+proof")
					ins = append(ins, verifier.Input{Name: in, Data: append([]byte(w.Creds[n]+"\n"), w.Proofs[n]...)})
				case strings.HasPrefix(in, "proof:"):
					ins = append(ins, verifier.Input{Name: in, Data: w.Proofs[strings.TrimPrefix(in, "proof:")]})
				case in == "junk-proof":
					ins = append(ins, verifier.Input{Name: in, Data: []byte(anchor.ProofHeader + "\nindex x\n\n")})
				default:
					ins = append(ins, verifier.Input{Name: in, Data: []byte(w.Creds[in])})
				}
			}
			rs := v.Verify(ins)
			r := rs[0]
			if !slices.Equal(r.Reasons, c.reasons) || !slices.Equal(r.Warnings, append(c.warnings, "not-holder-bound")) && !slices.Equal(r.Warnings, append([]string{"not-holder-bound"}, c.warnings...)) {
				t.Fatalf("reasons %v warnings %v messages %v", r.Reasons, r.Warnings, r.Messages)
			}
			if c.message != "" && !strings.Contains(strings.Join(r.Messages, "|"), c.message) {
				t.Fatalf("messages %q lack %q", r.Messages, c.message)
			}
			if (r.Anchored != nil) != c.anchored {
				t.Fatalf("anchored %+v", r.Anchored)
			}
			if c.name == "bad proof input" && (len(rs) != 2 || rs[1].Reasons[0] != "bad-encoding") {
				t.Fatalf("a bad proof input must be reported: %+v", rs)
			}
			if c.warnings != nil && r.TrustAge != "8d8h" {
				t.Fatalf("trust age %q", r.TrustAge)
			}
		})
	}
}

// TestProofAsSecondQR shows the proof travelling as its own QR code: the
// code's text is the tlog-proof itself.
func TestProofAsSecondQR(t *testing.T) {
	w, err := verifiertest.New()
	if err != nil {
		t.Fatal(err)
	}
	sym, err := qr.Encode(string(w.Proofs["ok"]), qr.L)
	if err != nil {
		t.Fatal(err)
	}
	png, err := sym.PNG(4)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("proof %d bytes: QR version with %d modules", len(w.Proofs["ok"]), sym.Modules())
	s := trust.New()
	if _, err := s.LoadBundle("bundle", w.Bundle, w.Policy, verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	v := &verifier.Verifier{Trust: s, At: verifiertest.Now, RequireAnchor: true}
	rs := v.Verify([]verifier.Input{{Name: "cred.txt", Data: []byte(w.Creds["ok"])}, {Name: "proof.png", Data: png}})
	if len(rs) != 1 || !rs[0].Valid || rs[0].Anchored == nil {
		t.Fatalf("%+v", rs)
	}
}

package wallet

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
	"github.com/immunopass/immunopass/verifier/verifiertest"
)

// The registry world of verifiertest: a trust policy, signed bundles, SD-JWT
// VCs from hosted issuers in every registry state, and their proofs.
var (
	worldOnce *verifiertest.World
	worldErr  error
)

func world(t testing.TB) *verifiertest.World {
	t.Helper()
	if worldOnce == nil && worldErr == nil {
		worldOnce, worldErr = verifiertest.New()
	}
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return worldOnce
}

// registryWallet trusts the world's policy and the given bundle, at the
// world's clock, and holds Amira (region NZ, where the advisory is).
func registryWallet(t *testing.T, bundle []byte) (*Wallet, Profile) {
	t.Helper()
	wd := world(t)
	w := newTestWallet(t, Options{Now: func() time.Time { return verifiertest.Now }})
	if err := w.AddTrust("policy.json", wd.PolicyJSON); err != nil {
		t.Fatal(err)
	}
	if bundle != nil {
		if err := w.AddTrust("bundle", bundle); err != nil {
			t.Fatal(err)
		}
	}
	p, err := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12"), Country: "NZ"})
	if err != nil {
		t.Fatal(err)
	}
	return w, p
}

func importOne(t *testing.T, w *Wallet, name, text string) Candidate {
	t.Helper()
	cs, err := w.Import(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("%s: %d candidates", name, len(cs))
	}
	return cs[0]
}

func TestRegistryBundleVerdicts(t *testing.T) {
	wd := world(t)
	w, p := registryWallet(t, wd.Bundle)
	for _, tc := range []struct {
		cred, proof string
		status      Status
		reason      string // first reason; "ok" when valid
		anchored    bool
	}{
		{cred: "ok", status: StatusVerified, reason: "ok"},
		{cred: "ok", proof: "ok", status: StatusVerified, reason: "ok", anchored: true},
		{cred: "rotated", status: StatusRevoked, reason: verifier.KeyUsage},
		{cred: "suspended", status: StatusRevoked, reason: verifier.IssuerSuspended},
		{cred: "early", status: StatusRevoked, reason: verifier.KeyUsage}, // compromised key, no proof
		{cred: "early", proof: "early", status: StatusVerified, reason: "ok", anchored: true},
		{cred: "late", proof: "late", status: StatusRevoked, reason: verifier.KeyUsage, anchored: true},
	} {
		name := tc.cred + "+" + tc.proof
		t.Run(name, func(t *testing.T) {
			text := wd.Creds[tc.cred] + "\n"
			if tc.proof != "" {
				text += string(wd.Proofs[tc.proof])
			}
			c := importOne(t, w, name, text)
			if c.Status != tc.status {
				t.Errorf("status %q, want %q (%v %v)", c.Status, tc.status, c.Reasons, c.Messages)
			}
			if got := first(c.Reasons); got != tc.reason {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
			if (c.Anchored != nil) != tc.anchored || (c.Proof != "") != (tc.proof != "") {
				t.Errorf("anchored %v, proof %d bytes", c.Anchored, len(c.Proof))
			}
			if c.Suggested != p.ID || c.Issuer.ID == "" && c.Status == StatusVerified {
				t.Errorf("suggested %q, issuer %+v", c.Suggested, c.Issuer)
			}
			kept, err := w.Keep(c, p.ID)
			var ue *UnverifiedError
			if tc.status != StatusVerified {
				// Refused without the user's say, then kept marked.
				if !errors.As(err, &ue) || ue.Status != tc.status {
					t.Fatalf("keep %q without warning: %v", tc.status, err)
				}
				if _, err := w.Credential(c.ID); err == nil {
					t.Fatal("refused, yet stored")
				}
				kept, err = w.KeepUnverified(c, p.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !kept.TrustAsOf.Equal(verifiertest.Now) || !c.TrustAsOf.Equal(verifiertest.Now) {
				t.Errorf("trust as of %v / %v, want the bundle's %v", c.TrustAsOf, kept.TrustAsOf, verifiertest.Now)
			}
			if kept.Status != tc.status || kept.Proof != c.Proof || (kept.Anchored != nil) != tc.anchored {
				t.Errorf("kept %q proof %d bytes anchored %v", kept.Status, len(kept.Proof), kept.Anchored)
			}
			if err := w.RemoveCredential(kept.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestRegistryAdvisoriesByRegion(t *testing.T) {
	wd := world(t)
	w, nz := registryWallet(t, wd.Bundle)
	ae, err := w.AddProfile(Profile{Given: "Karim", Family: "Haddad", Country: "AE", Region: "AE-DU"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		profile string
		want    []string
	}{
		{nz.ID, []string{"adv-1"}},
		{ae.ID, nil},
		{"", []string{"adv-1"}},
	} {
		as, err := w.Advisories(tc.profile)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range as {
			ids = append(ids, a.ID)
			if a.Title != "Measles" || a.Region != "NZ" || a.Severity != "high" {
				t.Errorf("advisory %+v", a)
			}
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("profile %q: advisories %v, want %v", tc.profile, ids, tc.want)
		}
	}
	// Without a bundle there are none.
	w2, p2 := registryWallet(t, nil)
	if as, err := w2.Advisories(p2.ID); err != nil || len(as) != 0 {
		t.Errorf("no bundle: %v %v", as, err)
	}
}

func TestRegistryBundleRefused(t *testing.T) {
	wd := world(t)
	// No policy yet: refused with a hint.
	w0 := newTestWallet(t, Options{Now: func() time.Time { return verifiertest.Now }})
	if err := w0.AddTrust("bundle", wd.Bundle); err == nil || !strings.Contains(err.Error(), "trust policy first") {
		t.Errorf("bundle before policy: %v", err)
	}

	for _, held := range [][]byte{nil, wd.Bundle} {
		w, p := registryWallet(t, held)
		before, err := w.TrustStatus()
		if err != nil {
			t.Fatal(err)
		}
		err = w.AddTrust("below-quorum", wd.BelowQuorum)
		var qe *anchor.QuorumError
		if !errors.As(err, &qe) || qe.Have != 1 || qe.Want != 2 || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("below quorum: %v", err)
		}
		after, _ := w.TrustStatus()
		if after.Bundle != before.Bundle || after.Version != before.Version || !after.Issued.Equal(before.Issued) {
			t.Errorf("trust changed: %+v → %+v", before, after)
		}
		want := StatusUnknownIssuer
		if held != nil {
			want = StatusVerified
		}
		if c := importOne(t, w, "ok", wd.Creds["ok"]); c.Status != want {
			t.Errorf("held %v: ok is %q, want %q", held != nil, c.Status, want)
		}
		_ = p
	}
	// A bundle that is not signed by the registry key.
	w, _ := registryWallet(t, nil)
	bad := []byte(strings.Replace(string(wd.Bundle), `"version":3`, `"version":4`, 1))
	if err := w.AddTrust("tampered", bad); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("tampered bundle: %v", err)
	}
	if st, _ := w.TrustStatus(); st.Bundle {
		t.Errorf("tampered bundle kept: %+v", st)
	}
}

func TestRegistryStaleBundle(t *testing.T) {
	wd := world(t)
	w, p := registryWallet(t, wd.Stale)
	st, err := w.TrustStatus()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Policy || !st.Bundle || !st.Stale || st.Age != 200*time.Hour || st.AgeText != "8d8h" || st.MaxAge != 168*time.Hour ||
		st.Version != 3 || st.Registry != verifiertest.Registry || st.Issuers != 2 || len(st.Warnings) != 1 {
		t.Errorf("trust status %+v", st)
	}
	c := importOne(t, w, "ok", wd.Creds["ok"])
	if c.Status != StatusVerified || !slices.Contains(c.Warnings, verifier.StaleTrust) || c.TrustAge != "8d8h" {
		t.Errorf("stale trust: %q %v age %q %v", c.Status, c.Warnings, c.TrustAge, c.Messages)
	}
	kept, err := w.Keep(c, p.ID)
	if err != nil || kept.TrustAge != "8d8h" || !kept.TrustAsOf.Equal(verifiertest.Now.Add(-200*time.Hour)) {
		t.Errorf("kept %+v as of %v: %v", kept.TrustAge, kept.TrustAsOf, err)
	}
	// The fresh bundle replaces it; the stale one cannot come back over
	// a newer version, but the same version may.
	if err := w.AddTrust("bundle", wd.Bundle); err != nil {
		t.Fatal(err)
	}
	if st, _ := w.TrustStatus(); st.Stale || st.Age != 0 || st.AgeText != "0h" && st.AgeText == "" {
		t.Errorf("fresh: %+v", st)
	}
	// Adding the bundle checked the kept credential again (no Recheck).
	if c, _ := w.Credential(kept.ID); c.TrustAge != "" || slices.Contains(c.Warnings, verifier.StaleTrust) || !c.TrustAsOf.Equal(verifiertest.Now) {
		t.Errorf("recheck kept the stale warning: %+v, trust as of %v", c.Warnings, c.TrustAsOf)
	}
}

func TestRegistryProofImportAndPresent(t *testing.T) {
	wd := world(t)
	w, p := registryWallet(t, wd.Bundle)
	ts := trust.New()
	if _, err := ts.LoadBundle("bundle", wd.Bundle, wd.Policy, verifiertest.Now); err != nil {
		t.Fatal(err)
	}
	proofText := string(wd.Proofs["early"])

	// 1. The credential alone: key-usage (compromised key, no proof).
	c := importOne(t, w, "early.sdjwt", wd.Creds["early"])
	if c.Status != StatusRevoked {
		t.Fatalf("without proof: %q", c.Status)
	}
	kept, err := w.KeepUnverified(c, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 2. Its .proof file alone: the kept credential comes back as a
	// duplicate carrying the proof, verified with it; Keep attaches it.
	pc := importOne(t, w, "early.sdjwt.proof", proofText)
	if pc.ID != kept.ID || pc.Duplicate != p.ID || pc.Status != StatusVerified || pc.Anchored == nil || pc.Proof != proofText {
		t.Fatalf("proof alone: id %v dup %q %q anchored %v", pc.ID == kept.ID, pc.Duplicate, pc.Status, pc.Anchored)
	}
	kept, err = w.Keep(pc, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Proof != proofText || kept.Status != StatusVerified || kept.Anchored == nil {
		t.Fatalf("proof not attached: %q %v", kept.Status, kept.Anchored)
	}
	if cs, _ := w.Credentials(p.ID); len(cs) != 1 || cs[0].Proof != proofText {
		t.Fatalf("credentials %d", len(cs))
	}

	// 3. Present: the proof is offered as a second QR, and a verifier that
	// requires anchoring accepts the pair.
	pres, err := w.Present(PresentRequest{ProfileID: p.ID, Preset: "full"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pres.Items) != 1 || pres.Items[0].Proof != proofText {
		t.Fatalf("presentation items %+v", pres.Items)
	}
	it := pres.Items[0]
	sym, err := qr.Encode(it.Proof, qr.L)
	if err != nil {
		t.Fatalf("the proof does not fit a QR code: %v", err)
	}
	png, err := sym.PNG(2)
	if err != nil {
		t.Fatal(err)
	}
	scanned, err := qr.Decode(png)
	if err != nil || len(scanned) != 1 {
		t.Fatalf("scanning the proof QR: %v", err)
	}
	parsed, err := anchor.ParseProof([]byte(scanned[0]))
	if err != nil {
		t.Fatal(err)
	}
	v := verifier.Verifier{Trust: ts, At: verifiertest.Now, RequireAnchor: true, Proofs: []*anchor.Proof{parsed}}
	rs := v.Verify([]verifier.Input{{Name: "qr", Data: []byte(it.QR)}})
	if len(rs) != 1 || !rs[0].Valid || rs[0].Anchored == nil {
		t.Fatalf("verifier --require-anchor with the pair: %+v", rs)
	}
	v.Proofs = nil
	if rs := v.Verify([]verifier.Input{{Name: "qr", Data: []byte(it.QR)}}); rs[0].Valid || first(rs[0].Reasons) != verifier.NotAnchored && !slices.Contains(rs[0].Reasons, verifier.NotAnchored) {
		t.Errorf("without the proof QR: %+v", rs[0].Reasons)
	}
	// The QR text of the proof is itself an import: the proof of a kept
	// credential.
	if pc := importOne(t, w, "proof.png", string(png)); pc.ID != kept.ID || pc.Proof != proofText {
		t.Errorf("proof QR image: %+v", pc.ID)
	}
}

func TestRegistryImportProofFiles(t *testing.T) {
	wd := world(t)
	w, _ := registryWallet(t, wd.Bundle)
	cs, err := w.ImportProof("late.sdjwt", []byte(wd.Creds["late"]), "late.sdjwt.proof", wd.Proofs["late"])
	if err != nil || len(cs) != 1 || cs[0].Proof == "" || cs[0].Anchored == nil || first(cs[0].Reasons) != verifier.KeyUsage {
		t.Fatalf("import with proof file: %v %+v", err, cs)
	}
	// Another credential's proof is refused with a clear error.
	_, err = w.ImportProof("ok.sdjwt", []byte(wd.Creds["ok"]), "late.sdjwt.proof", wd.Proofs["late"])
	var ie *ImportError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not the proof of any credential") {
		t.Errorf("wrong proof: %v", err)
	}
	// A proof for nothing the wallet holds.
	if _, err := w.Import("ok.proof", wd.Proofs["ok"]); !errors.As(err, &ie) || !strings.Contains(err.Error(), "no credential in this wallet") {
		t.Errorf("orphan proof: %v", err)
	}
	// A proof that does not hold under the policy (one witness of two):
	// dropped with a warning, the credential judged without it.
	c := importOne(t, w, "ok", wd.Creds["ok"]+"\n"+string(wd.Proofs["ok-below-quorum"]))
	if c.Status != StatusVerified || c.Proof != "" || c.Anchored != nil || !slices.Contains(c.Warnings, verifier.NotAnchored) {
		t.Errorf("below-quorum proof: %q proof %d %v %v", c.Status, len(c.Proof), c.Warnings, c.Messages)
	}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"card.sdjwt", []string{"card.sdjwt.proof", "card.proof"}},
		{"dir/card.png", []string{"dir/card.proof", "dir/card.png.proof"}},
		{"card.proof", nil},
	} {
		if got := ProofNames(tc.name); !slices.Equal(got, tc.want) {
			t.Errorf("ProofNames(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A proof kept before the wallet had the registry's trust is used once it
// has: Recheck anchors the credential.
func TestRegistryProofKeptBeforeTrust(t *testing.T) {
	wd := world(t)
	w := newTestWallet(t, Options{Now: func() time.Time { return verifiertest.Now }})
	p, _ := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12")})
	c := importOne(t, w, "ok", wd.Creds["ok"]+"\n"+string(wd.Proofs["ok"]))
	if c.Status != StatusUnknownIssuer || c.Proof == "" {
		t.Fatalf("untrusted: %q proof %d", c.Status, len(c.Proof))
	}
	kept, err := w.KeepUnverified(c, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("policy", wd.PolicyJSON); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("bundle", wd.Bundle); err != nil {
		t.Fatal(err)
	}
	// No explicit Recheck: adding the bundle checked it again.
	got, _ := w.Credential(kept.ID)
	if got.Status != StatusVerified || got.Anchored == nil || !got.TrustAsOf.Equal(verifiertest.Now) {
		t.Errorf("after adding the bundle: %q %v, trust as of %v", got.Status, got.Anchored, got.TrustAsOf)
	}
}

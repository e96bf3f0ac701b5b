package trust

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/anchor/anchortest"
	"github.com/immunopass/immunopass/credential/jose"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// fixture is a registry: its key, its log with 3 witnesses, and a policy
// with quorum 2.
type fixture struct {
	key    *jose.PrivateKey
	log    *anchortest.Log
	policy *Policy
}

func newFixture(t testing.TB) *fixture {
	k, err := jose.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	l, err := anchortest.New("registry.example/immunopass/log", 3)
	if err != nil {
		t.Fatal(err)
	}
	l.Add(sha256.Sum256([]byte("directory v1")))
	p, err := NewPolicy(k.Public(), l.Origin, l.LogKey, l.WitnessKeys, 2, 168*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{key: k, log: l, policy: p}
}

func (f *fixture) bundle(cosigners int) *Bundle {
	return &Bundle{Version: 7, Issued: t0, Registry: "https://registry.example",
		Issuers: []BundleIssuer{}, StatusLists: []BundleStatusList{}, Advisories: []Advisory{},
		Checkpoint: string(f.log.Checkpoint(cosigners, t0))}
}

func (f *fixture) sign(t testing.TB, b *Bundle) []byte {
	data, err := b.Sign(f.key)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestVerifyBundle(t *testing.T) {
	f := newFixture(t)
	data := f.sign(t, f.bundle(2))
	if !IsBundle(data) || bytes.Count(data, []byte("\n")) != 2 {
		t.Fatalf("not a two-line bundle: %q", data)
	}
	b, warns, err := VerifyBundle(data, f.policy, t0.Add(time.Hour))
	if err != nil || len(warns) != 0 || b.Version != 7 || b.Registry != "https://registry.example" {
		t.Fatalf("%v %v %+v", err, warns, b)
	}
	// Older than maxAge: used, with the age.
	_, warns, err = VerifyBundle(data, f.policy, t0.Add(200*time.Hour))
	if err != nil || len(warns) != 1 || warns[0].Code != WarnStaleTrust || warns[0].Age != 200*time.Hour ||
		!strings.Contains(warns[0].Message, "8d8h old (policy maximum 7d)") {
		t.Fatalf("stale: %v %+v", err, warns)
	}
}

func TestVerifyBundleRefusals(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t)
	good := f.sign(t, f.bundle(3))
	body, sig, _ := bytes.Cut(good, []byte("\n"))
	dupIssuer := f.bundle(3)
	dupIssuer.Issuers = []BundleIssuer{{ID: "https://a.example", Name: "A", Suspended: true, Keys: []BundleKey{}}, {ID: "https://a.example", Name: "A", Keys: []BundleKey{}}}
	dupList := f.bundle(3)
	dupList.StatusLists = []BundleStatusList{{URI: "https://r.example/s/1", Bits: 1}, {URI: "https://r.example/s/1", Bits: 2}}
	cases := []struct {
		name  string
		data  []byte
		check func(error) bool
		want  string
	}{
		{"below quorum", f.sign(t, f.bundle(1)), func(err error) bool {
			var q *anchor.QuorumError
			return errors.As(err, &q) && q.Have == 1 && q.Want == 2
		}, "1 valid witness cosignatures of the 2 required"},
		{"other registry key", other.sign(t, f.bundle(3)), func(err error) bool { return errors.Is(err, jose.ErrBadSignature) }, "not signed by the policy's registry key"},
		{"other log", f.sign(t, other.bundle(3)), isA[*anchor.LogSignatureError], "no valid signature by the log key"},
		{"body altered", append(bytes.Replace(body, []byte(`"version":7`), []byte(`"version":8`), 1), append([]byte("\n"), sig...)...), func(err error) bool { return errors.Is(err, jose.ErrBadSignature) }, "not signed"},
		{"body re-encoded", append(bytes.Replace(body, []byte(`,"registry"`), []byte(`, "registry"`), 1), append([]byte("\n"), sig...)...), func(err error) bool { return errors.Is(err, jose.ErrBadSignature) }, "not signed"},
		{"one line", body, isA[*BundleError], "no line break"},
		{"three lines", append(append([]byte{}, good...), "x\n"...), isA[*BundleError], "want two lines"},
		{"attached JWS", []byte(string(body) + "\neyJhbGciOiJFUzI1NiJ9.e30.AAAA\n"), isA[*BundleError], "detached"},
		{"duplicate member", []byte(`{"type":"immunopass-trust-bundle","type":"x"}` + "\n" + string(sig)), isA[*BundleError], "duplicate member"},
		{"wrong type", []byte(`{"type":"x","version":1}` + "\nx\n"), isA[*BundleError], `type "x"`},
		{"no version", []byte(`{"type":"immunopass-trust-bundle"}` + "\nx\n"), isA[*BundleError], "no version"},
		// Cases found by fuzzing (FuzzVerifySignedBundle): a second entry
		// for one issuer lifted the suspension the first one signed.
		{"duplicate issuer id", f.sign(t, dupIssuer), isA[*BundleError], `issuers[0] and issuers[1] have the same id "https://a.example"`},
		{"duplicate status list uri", f.sign(t, dupList), isA[*BundleError], `statusLists[0] and statusLists[1] have the same uri`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := VerifyBundle(c.data, f.policy, t0)
			if err == nil || !c.check(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %T %v, want %q", err, err, c.want)
			}
		})
	}
}

func isA[T error](err error) bool { var t T; return errors.As(err, &t) }

func TestPolicy(t *testing.T) {
	f := newFixture(t)
	data, err := f.policy.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Marshal()
	if !bytes.Equal(again, data) || !p.RegistryKey.Equal(f.key.Public()) || p.Quorum != 2 || p.MaxAge != 168*time.Hour {
		t.Fatalf("round trip:\n%s\n%s", data, again)
	}
	for _, c := range policyCases {
		if _, err := ParsePolicy([]byte(strings.ReplaceAll(c.text, "LOGKEY", f.log.LogKey))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParsePolicy(%s) = %v, want %q", c.text, err, c.want)
		}
	}
}

const jwk = `{"kty":"EC","crv":"P-256","x":"11XvRWy1I2S0EyJlyf_bWfw_TQ5CJJNLw78bHXNxcgw","y":"eZXwxvO1hvCY0KucrPfKo7yAyMT6Ajc3N7OkAB6VYy8"}`

var policyCases = []struct{ text, want string }{
	{`[]`, "not a JSON object"},
	{`{"type":"immunopass-trust-policy","type":"x"}`, "duplicate member"},
	{`{"type":"other"}`, `type "other"`},
	{`{"type":"immunopass-trust-policy","extra":1}`, `unknown field "extra"`},
	{`{"type":"immunopass-trust-policy"}`, `no "registryKey"`},
	{`{"type":"immunopass-trust-policy","registryKey":{"kty":"RSA"}}`, "registryKey"},
	{`{"type":"immunopass-trust-policy","registryKey":` + jwk + `,"maxAge":"week"}`, `maxAge "week"`},
	{`{"type":"immunopass-trust-policy","registryKey":` + jwk + `,"maxAge":"-1h","log":{"origin":"o","key":"LOGKEY"}}`, "not positive"},
	{`{"type":"immunopass-trust-policy","registryKey":` + jwk + `,"maxAge":"1h","log":{"origin":"o","key":"nope"}}`, `log key "nope"`},
	{`{"type":"immunopass-trust-policy","registryKey":` + jwk + `,"maxAge":"1h","log":{"origin":"o","key":"LOGKEY"},"quorum":1}`, "quorum 1 is not between 0 and the 0 witnesses"},
}

func FuzzParsePolicy(f *testing.F) {
	fx := newFixture(f)
	data, _ := fx.policy.Marshal()
	f.Add(data)
	for _, c := range policyCases {
		f.Add([]byte(c.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			return
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParsePolicy(out); err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
	})
}

func FuzzVerifyBundle(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.sign(f, fx.bundle(3)))
	f.Add([]byte(`{"type":"immunopass-trust-bundle","version":1,"issued":"2026-01-01T00:00:00Z","checkpoint":"x"}` + "\nx..y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, _, err := VerifyBundle(data, fx.policy, t0)
		if err == nil && (b == nil || b.Version != 7) {
			t.Fatalf("accepted a bundle the registry did not sign: %q", data)
		}
	})
}

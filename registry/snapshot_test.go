package registry

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/trust"
)

var b64u = base64.RawURLEncoding.EncodeToString

func rsaPub(t testing.TB, bits int, kid string) map[string]any {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"kty": "RSA", "kid": kid, "n": b64u(k.N.Bytes()), "e": b64u(big.NewInt(int64(k.E)).Bytes())}
}

func edPub(kid string) map[string]any {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	return map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64u(pub)}
}

func snapshotFile(t testing.TB, time string, entries ...any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"directory": "foreign", "time": time, "issuerInfo": entries})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func entry(iss, name string, keys ...any) map[string]any {
	if keys == nil {
		keys = []any{}
	}
	return map[string]any{"issuer": map[string]any{"iss": iss, "name": name}, "keys": keys}
}

// TestImportSnapshot: which issuers of a VCI snapshot the bundle may carry,
// and why the others are left out; what refuses the whole file.
func TestImportSnapshot(t *testing.T) {
	p256, _ := jose.GenerateKey()
	web := map[string]any{}
	_ = json.Unmarshal(p256.Public().JWK(), &web)
	web["kid"] = "key-1"
	rsa2048 := rsaPub(t, 2048, "did:india")
	didKey := p256.Public().DIDKey()
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	snap := snapshotFile(t, "2026-12-01T00:00:00Z",
		entry("https://cowin.gov.in/", "CoWIN", rsa2048, edPub("did:india:ed")),
		entry(didKey, "Clinic (did:key)"),
		entry("did:web:health.example", "Ministry", web),
		entry("did:web:nokeys.example", "No keys"),
		entry("http://plain.example", "Plain HTTP", edPub("k")),
		entry("https://weak.example", "Weak", rsaPub(t, 1024, "weak")),
		entry("https://nokid.example", "No kid", map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64u(make([]byte, 32))}),
		entry("https://x25519.example", "X25519", map[string]any{"kty": "OKP", "crv": "X25519", "kid": "x", "x": b64u(make([]byte, 32))}),
		entry("did:key:zNotAKey", "Bad did:key"),
		entry("https://noname.example", "", edPub("n")),
		entry("https://cowin.gov.in/", "CoWIN", edPub("did:india:ed2")),
	)
	rec, err := ImportSnapshot("snap.json", snap, now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, bi := range rec.Issuers {
		ids = append(ids, bi.ID)
	}
	if strings.Join(ids, " ") != "https://cowin.gov.in/ "+didKey+" did:web:health.example" {
		t.Fatalf("issuers %q", ids)
	}
	if n := len(rec.Issuers[0].Keys); n != 3 {
		t.Errorf("CoWIN listed twice: %d keys, want its 3 together", n)
	}
	if rec.Directory != "foreign" || !rec.Time.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("directory %q time %v", rec.Directory, rec.Time)
	}
	wantSkipped := []string{
		`"did:web:nokeys.example": a DID issuer other than did:key needs its keys`,
		`"http://plain.example": iss must be an https URL or a DID`,
		`"https://weak.example": keys[0]: RSA key "weak" of 1024 bits: at least 2048 wanted`,
		`"https://nokid.example": keys[0]: no kid`,
		`"https://x25519.example": keys[0]: key "x" of type OKP X25519: only P-256, RSA and Ed25519`,
		`"did:key:zNotAKey": `,
		`"https://noname.example": name "" must be 1 to 200 characters`,
	}
	if len(rec.Skipped) != len(wantSkipped) {
		t.Fatalf("skipped %q", rec.Skipped)
	}
	for i, w := range wantSkipped {
		if !strings.Contains(rec.Skipped[i], w) {
			t.Errorf("skipped[%d] %q, want %q", i, rec.Skipped[i], w)
		}
	}

	// What the bundle carries, a verifier's trust store reads: the RSA and
	// Ed25519 keys as Linked Data keys by kid.
	st := trust.New()
	b, _ := json.Marshal(map[string]any{"issuerInfo": []any{map[string]any{"issuer": map[string]any{"iss": rec.Issuers[0].ID, "name": "CoWIN"},
		"keys": []json.RawMessage{rec.Issuers[0].Keys[0].JWK, rec.Issuers[0].Keys[1].JWK}}}})
	if err := st.Load("x.json", b); err != nil {
		t.Fatal(err)
	}
	if ks := st.Issuer("https://cowin.gov.in/").LDKeys(); len(ks) != 2 || ks[0].KID != "did:india" || ks[1].KID != "did:india:ed" {
		t.Fatalf("LD keys %+v", ks)
	}

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("directory"), "not a VCI snapshot trust file"},
		{"no issuerInfo", []byte(`{"directory":"x"}`), `no "issuerInfo"`},
		{"private key", snapshotFile(t, "", entry("https://a.example", "A", map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "a", "x": b64u(make([]byte, 32)), "d": "AA"})), "private key material"},
		{"bad time", snapshotFile(t, "yesterday", entry(didKey, "A")), `time "yesterday"`},
		{"nothing usable", snapshotFile(t, "", entry("ftp://a", "A")), "no usable issuer"},
	} {
		if _, err := ImportSnapshot("s.json", tc.data, now); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// TestSnapshotInBundle: imported issuers travel in the signed bundle;
// an issuer the registry accredits itself is not replaced by a snapshot;
// an older snapshot of the same directory is refused and changes nothing;
// a newer one replaces it (a withdrawn issuer leaves the bundle).
func TestSnapshotInBundle(t *testing.T) {
	w := newWorld(t)
	_, own := w.issuer("alnoor")
	now := time.Now().UTC()
	newer, older := now.Format(time.RFC3339), now.Add(-time.Hour).Format(time.RFC3339)
	first := snapshotFile(t, newer, entry("https://cowin.gov.in/", "CoWIN", rsaPub(t, 2048, "did:india")),
		entry("did:web:health.example", "Ministry", edPub("key-1")), entry(own, "Impostor", edPub("x")))
	code, out := w.post(w.admin, AdminIss, "/v1/admin/snapshots", SnapshotRequest{Name: "s.json", Snapshot: first})
	if code != 200 {
		t.Fatalf("import: %d %v", code, out)
	}
	if s := out["snapshot"].(map[string]any); len(s["issuers"].([]any)) != 2 || !strings.Contains(s["skipped"].([]any)[0].(string), "accredited here as \"alnoor\"") {
		t.Fatalf("answer %v", out)
	}
	issuers := func() map[string]trust.BundleIssuer {
		_, data := w.bundle()
		b, _, _, err := trust.ParseBundle(data)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]trust.BundleIssuer{}
		for _, bi := range b.Issuers {
			m[bi.ID] = bi
		}
		return m
	}
	got := issuers()
	if len(got) != 3 || got[own].Name != "Clinic alnoor" || len(got["https://cowin.gov.in/"].Keys) != 1 || got["did:web:health.example"].Name != "Ministry" {
		t.Fatalf("bundle issuers %+v", got)
	}

	before := w.snapshot()
	old := snapshotFile(t, older, entry("https://cowin.gov.in/", "CoWIN", rsaPub(t, 2048, "did:india:old")))
	if code, out := w.post(w.admin, AdminIss, "/v1/admin/snapshots", SnapshotRequest{Name: "s.json", Snapshot: old}); code != 409 || out["error"] != "older-snapshot" {
		t.Fatalf("older: %d %v", code, out)
	}
	if w.snapshot() != before {
		t.Fatal("a refused import changed the store")
	}
	if code, out := w.post(w.admin, AdminIss, "/v1/admin/snapshots", SnapshotRequest{Name: "s.json", Snapshot: []byte(`{"issuerInfo":[]}`)}); code != 400 || out["error"] != "bad-snapshot" {
		t.Fatalf("empty: %d %v", code, out)
	}
	later := snapshotFile(t, now.Add(time.Hour).Format(time.RFC3339), entry("https://cowin.gov.in/", "CoWIN", edPub("did:india:ed")))
	if code, out := w.post(w.admin, AdminIss, "/v1/admin/snapshots", SnapshotRequest{Name: "s.json", Snapshot: later}); code != 200 {
		t.Fatalf("newer: %d %v", code, out)
	}
	got = issuers()
	if _, ok := got["did:web:health.example"]; ok || len(got) != 2 {
		t.Fatalf("after the newer snapshot: %+v", got)
	}
}

// FuzzImportSnapshot: the snapshot reader never panics, and what it
// accepts has at least one issuer, each with a name and only public keys
// with a kid.
func FuzzImportSnapshot(f *testing.F) {
	f.Add([]byte(`{"directory":"d","time":"2026-12-01T00:00:00Z","issuerInfo":[{"issuer":{"iss":"https://a.example","name":"A"},"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}]}`))
	f.Add([]byte(`{"issuerInfo":[{"issuer":{"iss":"did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169","name":"K"},"keys":[]}]}`))
	f.Add([]byte(`{"issuerInfo":[{"issuer":{"iss":"https://a.example","name":"A"},"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}],"crls":[{}]}]}`))
	f.Add([]byte(`{"issuerInfo":[{"keys":[{"d":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := ImportSnapshot("fuzz.json", data, time.Unix(0, 0))
		if err != nil {
			return
		}
		if len(rec.Issuers) == 0 {
			t.Fatal("accepted with no issuer")
		}
		for _, bi := range rec.Issuers {
			if bi.Name == "" || bi.ID == "" {
				t.Fatalf("issuer %+v", bi)
			}
			for _, k := range bi.Keys {
				if hasPrivate(k.JWK) {
					t.Fatalf("private key %s", k.JWK)
				}
				if _, err := checkJWK(k.JWK); err != nil {
					t.Fatalf("key %s: %v", k.JWK, err)
				}
			}
		}
	})
}

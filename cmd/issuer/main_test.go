package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/issuer/fakeregistry"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"issuer": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"holder": func() { os.Exit(holder(os.Args[1:])) },
	})
}

// TestScripts runs cmd/issuer/testdata/script/*.txtar. The verifier is built
// from source once, so the scripts check issue → verify across the two
// binaries as a clinic and a school would run them.
func TestScripts(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "verifier"), "../verifier")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the verifier: %v\n%s", err, out)
	}
	testscript.Run(t, testscript.Params{
		Dir:  "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"fakereg": fakereg, "fetch": fetch, "selfcert": selfcert, "jsonget": jsonget, "envfile": envfile},
		Setup: func(env *testscript.Env) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			env.Setenv("PORT", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
			ln.Close()
			fake := fakeregistry.New()
			env.Values[fakeKey{}] = fake
			env.Defer(func() { fake.Stop() })
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			if err := os.WriteFile(filepath.Join(env.WorkDir, "record.json"), assets.DemoRecord(), 0o644); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "record.csv"), assets.DemoRecordCSV(), 0o644)
		},
	})
}

type fakeKey struct{}

// fetch sends a request to a server started in the background, waiting up
// to 10 s for it to listen:
//
//	fetch [-ca CERT] [-post BODY-FILE] [-auth TOKEN] URL OUT-FILE [STATUS]
//
// STATUS defaults to 200; with -ca, HTTPS trusts only CERT (PEM).
func fetch(ts *testscript.TestScript, neg bool, args []string) {
	var ca, postFile, auth, until string
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-ca":
			ca = args[1]
		case "-post":
			postFile = args[1]
		case "-auth":
			auth = args[1]
		case "-until":
			until = args[1] // repeat the request (up to 10 s) until the body matches
		default:
			ts.Fatalf("fetch: unknown flag %s", args[0])
		}
		args = args[2:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: fetch [-ca CERT] [-post FILE] [-auth TOKEN] URL FILE [STATUS]")
	}
	want := 200
	if len(args) > 2 {
		want, _ = strconv.Atoi(args[2])
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if ca != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(ts.ReadFile(ca))) {
			ts.Fatalf("fetch: %s holds no certificate", ca)
		}
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	var untilRE *regexp.Regexp
	if until != "" {
		untilRE = regexp.MustCompile(until)
	}
	var resp *http.Response
	var data []byte
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		method, body := "GET", io.Reader(nil)
		if postFile != "" {
			method, body = "POST", strings.NewReader(ts.ReadFile(postFile))
		}
		req, err := http.NewRequest(method, args[0], body)
		ts.Check(err)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		if postFile != "" {
			req.Header.Set("Content-Type", "application/fhir+json")
		}
		resp, err = client.Do(req)
		if err == nil {
			data, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if untilRE == nil || untilRE.Match(data) || time.Now().After(end) {
				break
			}
			continue
		}
		if time.Now().After(end) || strings.Contains(err.Error(), "certificate") {
			if neg {
				return
			}
			ts.Fatalf("%s %s: %v", method, args[0], err)
		}
	}
	if (resp.StatusCode == want) == neg {
		ts.Fatalf("%s: %s %q", args[0], resp.Status, data)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
}

// jsonget prints a string member of a JSON file, by a dotted path of
// member names and array indexes (sdJwtVc.0.sdJwt):
//
//	jsonget FILE PATH
func jsonget(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonget FILE PATH")
	}
	var cur any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &cur))
	for _, step := range strings.Split(args[1], ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(c) {
				ts.Fatalf("%s: no item %q in %s", args[0], step, args[1])
			}
			cur = c[i]
		default:
			cur = nil
		}
	}
	v, ok := cur.(string)
	if !ok {
		ts.Fatalf("%s has no string member %q", args[0], args[1])
	}
	fmt.Fprint(ts.Stdout(), v)
}

// envfile sets an environment variable to a file's trimmed content:
//
//	envfile NAME FILE
func envfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// selfcert writes a self-signed certificate for 127.0.0.1 and its key:
//
//	selfcert CERT KEY
func selfcert(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: selfcert CERT KEY")
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts.Check(err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "clinic test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	ts.Check(err)
	kder, err := x509.MarshalECPrivateKey(k)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
}

// fakereg drives a fake registry on loopback (in the test process) until
// H2's registry is used instead:
//
//	fakereg start                  (sets $REGISTRY; restarts on the same port)
//	fakereg stop
//	fakereg accredit JWKS-FILE ISS
//	fakereg drop N | fail N | delay N   (dropped anchor answers, 503s, 202 polls)
//	fakereg show                   (log size, statuses, CRLs, stats to stdout)
//	fakereg bundle FILE | policy FILE   (the signed trust bundle, its policy)
//	fakereg await N                (until N requests arrived, answered or not)
func fakereg(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("fakereg does not fail")
	}
	fake := ts.Value(fakeKey{}).(*fakeregistry.Registry)
	if len(args) == 0 {
		ts.Fatalf("usage: fakereg start|stop|accredit|drop|fail|delay|show")
	}
	n := func() int {
		if len(args) != 2 {
			ts.Fatalf("fakereg %s N", args[0])
		}
		v, err := strconv.Atoi(args[1])
		ts.Check(err)
		return v
	}
	switch args[0] {
	case "start":
		u, err := fake.Start("")
		ts.Check(err)
		ts.Setenv("REGISTRY", u)
	case "stop":
		ts.Check(fake.Stop())
	case "accredit":
		if len(args) != 3 {
			ts.Fatalf("fakereg accredit JWKS-FILE ISS")
		}
		keys, _, err := jose.ParseJWKS([]byte(ts.ReadFile(args[1])))
		ts.Check(err)
		for _, k := range keys {
			fake.AddIssuer(args[2], k)
		}
	case "drop":
		v := n()
		fake.Set(func(f *fakeregistry.Registry) { f.Drop = v })
	case "fail":
		v := n()
		fake.Set(func(f *fakeregistry.Registry) { f.Fail = v })
	case "delay":
		v := n()
		fake.Set(func(f *fakeregistry.Registry) { f.Delay = v })
	case "show":
		fmt.Fprint(ts.Stdout(), fake.Summary())
	case "bundle", "policy":
		if len(args) != 2 {
			ts.Fatalf("fakereg %s FILE", args[0])
		}
		var b []byte
		var err error
		if args[0] == "bundle" {
			b, err = fake.Bundle(time.Now())
		} else {
			b, err = fake.Policy()
		}
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
	case "await":
		if v := n(); !fake.Await(v, 20*time.Second) {
			ts.Fatalf("the fake registry did not see %d requests", v)
		}
	default:
		ts.Fatalf("fakereg: unknown %q", args[0])
	}
}

// holder stands in for the wallet in scripts (test only):
//
//	holder keygen --out KEY.jwk [--dids FILE]      (appends the did:key to FILE)
//	holder present --cred FILE --key KEY.jwk (--live | --challenge FILE) [--keep a,b] --out FILE
//
// present writes the IP1: QR text when --out ends in .txt, else the SD-JWT.
func holder(args []string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "holder:", err); return 2 }
	if len(args) == 0 {
		return fail(errors.New("keygen or present"))
	}
	fs := flag.NewFlagSet("holder", flag.ContinueOnError)
	out := fs.String("out", "", "")
	dids := fs.String("dids", "", "")
	cred := fs.String("cred", "", "")
	keyFile := fs.String("key", "", "")
	live := fs.Bool("live", false, "")
	chFile := fs.String("challenge", "", "")
	keep := fs.String("keep", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	switch args[0] {
	case "keygen":
		k, err := jose.GenerateKey()
		if err != nil {
			return fail(err)
		}
		if err := os.WriteFile(*out, k.MarshalPrivateJWK(), 0o600); err != nil {
			return fail(err)
		}
		did := k.Public().DIDKey()
		if *dids != "" {
			f, err := os.OpenFile(*dids, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return fail(err)
			}
			fmt.Fprintln(f, did)
			f.Close()
		}
		fmt.Println(did)
		return 0
	case "present":
		kb, err := os.ReadFile(*keyFile)
		if err != nil {
			return fail(err)
		}
		k, err := jose.ParsePrivateJWK(kb)
		if err != nil {
			return fail(err)
		}
		cb, err := os.ReadFile(*cred)
		if err != nil {
			return fail(err)
		}
		held, err := sdjwt.Decode(strings.TrimSpace(string(cb)))
		if err != nil {
			return fail(err)
		}
		want := func(string) bool { return true }
		aud, nonce := sdjwt.AudLive, "wallet-nonce-0001"
		if *chFile != "" {
			chb, err := os.ReadFile(*chFile)
			if err != nil {
				return fail(err)
			}
			ch, err := sdjwt.ParseChallenge(string(chb))
			if err != nil {
				return fail(err)
			}
			want, aud, nonce = ch.Wants, ch.Aud, ch.Nonce
		} else if !*live {
			return fail(errors.New("--live or --challenge"))
		}
		if *keep != "" {
			names := strings.Split(*keep, ",")
			want = func(p string) bool {
				for _, n := range names {
					if p == n || strings.HasPrefix(p, n+"[") {
						return true
					}
				}
				return false
			}
		}
		p, err := sdjwt.Bind(held.Select(want), k, aud, nonce, time.Now())
		if err != nil {
			return fail(err)
		}
		if strings.HasSuffix(*out, ".txt") {
			if p, err = sdjwt.EncodeQR(p); err != nil {
				return fail(err)
			}
		}
		if err := os.WriteFile(*out, []byte(p+"\n"), 0o644); err != nil {
			return fail(err)
		}
		return 0
	}
	return fail(fmt.Errorf("unknown %q", args[0]))
}

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/jose"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"registry": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar. Each script gets a free
// loopback port in $PORT. Extra commands:
//
//	fetch URL FILE [STATUS]   GET URL into FILE, expecting STATUS (default 200); waits up to 10 s for a server
//	keygen JWKS               writes a fresh issuer public key as a JWKS
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			env.Setenv("PORT", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
			env.Setenv("IMMUNOPASS_PASSPHRASE", "correct horse")
			if err := os.WriteFile(filepath.Join(env.WorkDir, "rules.json"), assets.ContextPolicies(), 0o644); err != nil {
				return err
			}
			return ln.Close()
		},
		Cmds: withCmds(witnessCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"fetch": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: fetch URL FILE [STATUS]")
				}
				want := 200
				if len(args) > 2 {
					want, _ = strconv.Atoi(args[2])
				}
				var resp *http.Response
				var err error
				for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					resp, err = http.Get(args[0])
					if err == nil && resp.StatusCode != http.StatusServiceUnavailable {
						break
					}
					if err == nil {
						resp.Body.Close()
					}
					if time.Now().After(end) {
						ts.Fatalf("GET %s: %v", args[0], err)
					}
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				if (resp.StatusCode == want) == neg {
					ts.Fatalf("GET %s: %s %q", args[0], resp.Status, data)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
			},
			"keygen": func(ts *testscript.TestScript, neg bool, args []string) {
				k, err := jose.GenerateKey()
				ts.Check(err)
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), jose.JWKS([]*jose.Key{k.Public()}, nil), 0o644))
				fmt.Fprintln(ts.Stdout(), k.Public().KID())
			},
		}),
	})
}

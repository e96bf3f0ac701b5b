package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/trust"
)

// Script commands for the witness scripts (testdata/script/witness*.txtar):
//
//	realbins                   builds bin/issuer and bin/verifier from source into $WORK/bin, puts them on
//	                           PATH, and writes the demo record as record.json
//	freeport VAR               sets VAR to a free loopback port
//	envfrom VAR FILE REGEXP    sets VAR to REGEXP's first group in FILE
//	waitfor URL|FILE REGEXP    GETs URL (or reads FILE) until its body matches (30 s at most)
//	policyquorum IN OUT N VKEY...   writes IN's trust policy with the witnesses VKEY... added and quorum N
var witnessCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"realbins":     realbins,
	"freeport":     freeport,
	"envfrom":      envfrom,
	"waitfor":      waitfor,
	"policyquorum": policyquorum,
}

func realbins(ts *testscript.TestScript, neg bool, args []string) {
	bin := ts.MkAbs("bin")
	for _, cmd := range []string{"issuer", "verifier"} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, cmd), "../"+cmd)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			ts.Fatalf("building %s: %v\n%s", cmd, err, out)
		}
	}
	ts.Setenv("PATH", bin+string(os.PathListSeparator)+ts.Getenv("PATH"))
	ts.Check(os.WriteFile(ts.MkAbs("record.json"), assets.DemoRecord(), 0o644))
}

func freeport(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	ts.Check(ln.Close())
}

func envfrom(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: envfrom VAR FILE REGEXP")
	}
	m := regexp.MustCompile(args[2]).FindStringSubmatch(ts.ReadFile(args[1]))
	if len(m) < 2 {
		ts.Fatalf("%s: no match for %q", args[1], args[2])
	}
	ts.Setenv(args[0], m[1])
}

func waitfor(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitfor URL REGEXP")
	}
	re := regexp.MustCompile(args[1])
	var last string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if !strings.HasPrefix(args[0], "http://") {
			body, _ := os.ReadFile(ts.MkAbs(args[0]))
			if m := re.Find(body); m != nil {
				ts.Logf("%s", m)
				return
			}
			last = string(body)
			continue
		}
		resp, err := http.Get(args[0])
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if last = resp.Status + " " + string(body); resp.StatusCode == 200 && re.Match(body) {
			ts.Logf("%s", body)
			return
		}
	}
	ts.Fatalf("%s: no match for %q after 30 s; last answer: %q", args[0], args[1], last)
}

func policyquorum(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: policyquorum IN OUT N VKEY...")
	}
	p, err := trust.ParsePolicy([]byte(ts.ReadFile(args[0])))
	ts.Check(err)
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	p, err = trust.NewPolicy(p.RegistryKey, p.LogOrigin, p.LogKey, append(p.Witnesses, args[3:]...), n, p.MaxAge)
	ts.Check(err)
	out, err := p.Marshal()
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), out, 0o644))
}

// withCmds adds extra script commands to cmds.
func withCmds(extra, cmds map[string]func(ts *testscript.TestScript, neg bool, args []string)) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	for k, v := range extra {
		cmds[k] = v
	}
	return cmds
}

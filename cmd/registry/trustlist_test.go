package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/credential/trust/gdhcntest"
	"github.com/immunopass/immunopass/verifier"
)

// Script commands for trustlist.txtar (added to the scripts' extra
// commands):
//
//	gdhcn DIR                                    writes gdhcntest.Files into DIR
//	verifyhcert POLICY BUNDLE AT INPUT...        verifies inputs as an officer's verifier holding only the bundle
//	                                             (verifier package, as "verifier verify --policy --trust BUNDLE --at AT"); fails unless all are valid
func init() {
	witnessCmds["gdhcn"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: gdhcn DIR")
		}
		ts.Check(gdhcntest.WriteFiles(ts.MkAbs(args[0]), filepath.Join("..", "..", "testdata", "gdhcn")))
	}
	witnessCmds["verifyhcert"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 4 {
			ts.Fatalf("usage: verifyhcert POLICY BUNDLE AT INPUT...")
		}
		read := func(name string) []byte {
			b, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			return b
		}
		pol, err := trust.ParsePolicy(read(args[0]))
		ts.Check(err)
		at, err := time.Parse(time.RFC3339, args[2])
		ts.Check(err)
		v := &verifier.Verifier{Trust: trust.New(), At: at}
		if _, err := v.Trust.LoadBundle(args[1], read(args[1]), pol, at); err != nil {
			ts.Fatalf("bundle: %v", err)
		}
		var ins []verifier.Input
		for _, n := range args[3:] {
			ins = append(ins, verifier.Input{Name: n, Data: read(n)})
		}
		res := v.Verify(ins)
		ts.Check(verifier.WriteText(ts.Stdout(), res))
		ok := true
		for _, r := range res {
			ok = ok && r.Valid
		}
		if ok == neg {
			ts.Fatalf("verification: valid=%v", ok)
		}
	}
}

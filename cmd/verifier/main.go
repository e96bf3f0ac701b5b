// Command verifier checks vaccination credentials offline.
//
//	verifier verify [--trust FILE]... [--status FILE]... [--policy FILE] [--at RFC3339] [--json] INPUT...
//	verifier decode [--json] INPUT...
//
// INPUT is a path or "-" for standard input. Exit status: 2 if a file could
// not be opened or the flags are wrong, else 1 if any credential is invalid
// (or, for decode, any input has no readable QR code), else 0.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/verifier"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  verifier verify [--trust FILE]... [--status FILE]... [--policy FILE] [--at RFC3339] [--json] INPUT...
  verifier decode [--json] INPUT...

INPUT is a QR image (PNG, JPEG, GIF, SVG), a .smart-health-card file, or text
with shc:/ lines, HC1:, a JWS or an SD-JWT; "-" reads standard input.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "verify":
		return verify(args[1:], stdin, stdout, stderr)
	case "decode":
		return decode(args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "verifier: unknown command %q\n%s", args[0], usage)
	return 2
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// parseInterleaved parses flags that may come before or after the inputs.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var inputs []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return inputs, nil
		}
		if args[0] == "--" {
			return append(inputs, args[1:]...), nil
		}
		inputs = append(inputs, args[0])
		args = args[1:]
	}
}

func verify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verifier verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var trustFiles, statusFiles multi
	fs.Var(&trustFiles, "trust", "trust `FILE`: a VCI directory snapshot (repeatable)")
	fs.Var(&statusFiles, "status", "status list `FILE` (repeatable)")
	policy := fs.String("policy", "", "trust policy `FILE` that checks registry bundles")
	at := fs.String("at", "", "verify as of this `RFC3339` instant (default now)")
	asJSON := fs.Bool("json", false, "print one JSON object per credential per line")
	inputs, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "verifier verify: no INPUT given")
		return 2
	}
	v := &verifier.Verifier{Trust: trust.New()}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "verifier verify: --at %q is not an RFC 3339 time such as 2026-11-21T09:00:00Z\n", *at)
			return 2
		}
		v.At = t
	}
	if len(statusFiles) > 0 || *policy != "" {
		fmt.Fprintln(stderr, "verifier verify: --status and --policy need registry bundles and status lists, which this version does not read yet")
		return 2
	}
	for _, name := range trustFiles {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "verifier verify: --trust: %v\n", err)
			return 2
		}
		if err := v.Trust.Load(name, data); err != nil {
			fmt.Fprintf(stderr, "verifier verify: --trust: %v\n", err)
			return 2
		}
	}
	ins, code := readInputs(inputs, stdin, stderr)
	results := v.Verify(ins)
	if *asJSON {
		verifier.WriteJSON(stdout, results)
	} else {
		verifier.WriteText(stdout, results)
	}
	if code != 0 {
		return code
	}
	for _, r := range results {
		if !r.Valid {
			return 1
		}
	}
	return 0
}

// readInputs reads every input it can; a file that cannot be read is
// reported on stderr and makes the exit status 2.
func readInputs(names []string, stdin io.Reader, stderr io.Writer) ([]verifier.Input, int) {
	var out []verifier.Input
	code := 0
	for _, name := range names {
		var data []byte
		var err error
		if name == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, verifier.MaxInput+1))
		} else {
			data, err = readFile(name)
		}
		if err != nil {
			fmt.Fprintf(stderr, "verifier: %v\n", err)
			code = 2
			continue
		}
		out = append(out, verifier.Input{Name: name, Data: data})
	}
	return out, code
}

func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", name)
	}
	return io.ReadAll(io.LimitReader(f, verifier.MaxInput+1))
}

func decode(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verifier decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print {\"input\",\"text\"} or {\"input\",\"error\"} per line")
	inputs, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "verifier decode: no INPUT given")
		return 2
	}
	ins, code := readInputs(inputs, stdin, stderr)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := false
	for _, in := range ins {
		texts, err := qr.Decode(in.Data)
		if err != nil {
			failed = true
			if *asJSON {
				enc.Encode(map[string]string{"input": in.Name, "error": err.Error()})
			} else {
				fmt.Fprintf(stdout, "%s: %v\n", in.Name, err)
			}
			continue
		}
		for _, t := range texts {
			if *asJSON {
				enc.Encode(map[string]string{"input": in.Name, "text": t})
			} else {
				fmt.Fprintln(stdout, t)
			}
		}
	}
	switch {
	case code != 0:
		return code
	case failed:
		return 1
	}
	return 0
}

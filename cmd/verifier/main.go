// Command verifier checks vaccination credentials offline.
//
//	verifier verify [--trust FILE]... [--status FILE]... [--policy FILE] [--proof FILE]... [--require-anchor] [--challenge FILE] [--window DURATION] [--at RFC3339] [--rules FILE] [--context NAME] [--lang en|fr|ar] [--json] INPUT...
//	verifier decode [--json] INPUT...
//	verifier keygen --out FILE
//	verifier challenge --key FILE (--claims LIST | --context NAME [--rules FILE]) --out FILE [--ttl DURATION] [--purpose TEXT]
//	verifier serve [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--policy FILE] [--trust FILE]... [--status FILE]...
//	verifier web export --out DIR [--policy FILE] [--trust FILE]... [--status FILE]...
//
// INPUT is a path or "-" for standard input. Exit status: 2 if a file could
// not be opened or the flags are wrong, else 1 if any credential is invalid
// (or, for decode, any input has no readable QR code), else 0.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/atomicfile"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/credential/anchor"
	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/credential/sdjwt"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/display"
	"github.com/immunopass/immunopass/verifier"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  verifier verify [--trust FILE]... [--status FILE]... [--policy FILE] [--proof FILE]...
                  [--require-anchor] [--challenge FILE] [--window DURATION] [--at RFC3339]
                  [--rules FILE] [--context NAME] [--lang en|fr|ar] [--json] INPUT...
  verifier decode [--json] INPUT...
  verifier keygen --out FILE
  verifier challenge --key FILE (--claims LIST | --context NAME [--rules FILE]) --out FILE [--ttl DURATION] [--purpose TEXT]
  verifier serve [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--policy FILE] [--trust FILE]... [--status FILE]...
  verifier web export --out DIR [--policy FILE] [--trust FILE]... [--status FILE]...

INPUT is a QR image (PNG, JPEG, GIF, SVG), a .smart-health-card file, or text
with shc:/ lines, IP1: or SD-JWT presentations, HC1: or a JWS; "-" reads
standard input. A challenge (IPC1:, written with its QR image) asks a wallet
for a presentation bound to this verifier and a fresh nonce; verify
--challenge FILE then accepts only answers to it, and one answer per call:
the same answer given twice in one call is refused the second time. The
CLI keeps no state between runs, so it cannot refuse an answer replayed in
a later run (within the freshness window); a verifier app that keeps
running remembers the answered challenges and refuses such replays.

--context NAME adds a second verdict to each credential: whether it meets the
context's rules (school-entry-ae, school-entry-fr, yellow-fever, traveller-eu,
or those of --rules FILE or of the bundle), does not (with the rules not met,
in words, --lang en|fr|ar), or cannot tell. It does not change the exit
status, which is the credentials' own validity. challenge --context NAME asks
for the claims the context's rules read.

serve runs the offline web app (camera, scanner, paste; verified in the
browser by this verifier compiled to WebAssembly, against the trust files
given); web export writes it as a static folder.

--trust also reads a registry trust bundle, which needs --policy FILE (the
trust policy from "registry init"). An anchoring proof (c2sp.org/tlog-proof)
comes with --proof FILE, or as an INPUT of its own (a file or a QR code whose
text is the proof), and is matched to its credential by the log entry it
proves; --require-anchor fails credentials without one (not-anchored).
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if wantsHelp(args[1:]) { // every command, including those added later
		fmt.Fprint(stdout, usage)
		return 0
	}
	switch args[0] {
	case "verify":
		return verify(args[1:], stdin, stdout, stderr)
	case "decode":
		return decode(args[1:], stdin, stdout, stderr)
	case "keygen":
		return keygen(args[1:], stdout, stderr)
	case "challenge":
		return challenge(args[1:], stdout, stderr)
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "web":
		return webCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "verifier: unknown command %q\n%s", args[0], usage)
	return 2
}

// wantsHelp reports -h, -help or --help among a command's arguments (before
// "--"): the command then prints its usage to stdout and exits 0, whatever
// else is on the line.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// trustForms names every kind of file --trust reads.
const trustForms = `a VCI directory snapshot (JSON with "issuerInfo", from "issuer snapshot"), ` +
	`a registry trust bundle (with --policy FILE, from the registry's /v1/bundle), ` +
	`or EU DCC document-signer certificates (PEM or DER)`

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
	fs.Var(&trustFiles, "trust", "trust `FILE`: "+trustForms+" (repeatable)")
	fs.Var(&statusFiles, "status", "status list `FILE`: a Token Status List or Bitstring Status List credential (repeatable)")
	policy := fs.String("policy", "", "trust policy `FILE` that checks registry bundles and anchoring proofs")
	var proofFiles multi
	fs.Var(&proofFiles, "proof", "anchoring proof `FILE` (c2sp.org/tlog-proof; repeatable)")
	requireAnchor := fs.Bool("require-anchor", false, "fail credentials without a valid anchoring proof (not-anchored)")
	at := fs.String("at", "", "verify as of this `RFC3339` instant (default now)")
	challengeFile := fs.String("challenge", "", "accept only answers to the challenge in `FILE`")
	window := fs.Duration("window", 0, "how far a key binding's time may be from this clock (`DURATION`, default 60s)")
	asJSON := fs.Bool("json", false, "print one JSON object per credential per line")
	rulesFile := fs.String("rules", "", "context policy `FILE` (school entry, yellow fever, traveller rules); default: the bundle's, else the shipped ones")
	contextName := fs.String("context", "", "also answer whether each credential meets the context `NAME` (e.g. school-entry-ae)")
	langFlag := fs.String("lang", "en", "language of the rules' descriptions: en, fr or ar")
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
	var pol *trust.Policy
	if *policy != "" {
		data, err := readFile(*policy)
		if err == nil {
			pol, err = trust.ParsePolicy(data)
		}
		if err != nil {
			fmt.Fprintf(stderr, "verifier verify: --policy: %v\n", err)
			return 2
		}
		v.Trust.UsePolicy(pol)
	}
	v.RequireAnchor = *requireAnchor
	for _, name := range proofFiles {
		data, err := readFile(name)
		var p *anchor.Proof
		if err == nil {
			p, err = anchor.ParseProof(data)
		}
		if err != nil {
			fmt.Fprintf(stderr, "verifier verify: --proof %s: %v\n", name, err)
			return 2
		}
		v.Proofs = append(v.Proofs, p)
	}
	if *window < 0 {
		fmt.Fprintln(stderr, "verifier verify: --window must be positive")
		return 2
	}
	v.Window = *window
	for _, name := range statusFiles {
		data, err := os.ReadFile(name)
		if err == nil {
			err = v.Trust.LoadStatus(name, data)
		}
		if err != nil {
			fmt.Fprintf(stderr, "verifier verify: --status: %v\n", err)
			return 2
		}
	}
	if *challengeFile != "" {
		data, err := os.ReadFile(*challengeFile)
		var ch *sdjwt.Challenge
		if err == nil {
			ch, err = sdjwt.ParseChallenge(string(data))
		}
		if err != nil {
			fmt.Fprintf(stderr, "verifier verify: --challenge: %v\n", err)
			return 2
		}
		now := v.At
		if now.IsZero() {
			now = time.Now()
		}
		if ch.Expired(now) {
			fmt.Fprintf(stderr, "verifier verify: --challenge: it expired at %s; show a new one\n", ch.Expires.UTC().Format(time.RFC3339))
			return 2
		}
		v.Challenge = ch.Expect()
	}
	for _, name := range trustFiles {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "verifier verify: --trust: %v\n", err)
			return 2
		}
		if trust.IsBundle(data) {
			if pol == nil {
				fmt.Fprintf(stderr, "verifier verify: --trust %s is a registry trust bundle: give --policy FILE (the trust policy from \"registry init\") to check it\n", name)
				return 2
			}
			now := v.At
			if now.IsZero() {
				now = time.Now()
			}
			if _, err := v.Trust.LoadBundle(name, data, pol, now); err != nil {
				fmt.Fprintf(stderr, "verifier verify: --trust: %v; the bundle is refused\n", err)
				return 2
			}
			continue
		}
		if err := v.Trust.Load(name, data); err != nil {
			fmt.Fprintf(stderr, "verifier verify: --trust: %v\n  --trust takes %s\n", err, trustForms)
			return 2
		}
	}
	// An older bundle of one registry, an older status list for one URI:
	// ignored whatever the order of the flags, and said.
	for _, n := range v.Trust.Notes() {
		fmt.Fprintf(stderr, "verifier verify: %s\n", n)
	}
	if code := useContext(v, *rulesFile, *contextName, *langFlag, stderr); code != 0 {
		return code
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

// useContext sets the context verify --context asks about, from --rules,
// else the policies of the loaded bundle, else the shipped ones
// (assets/policies); 2 on a usage error.
func useContext(v *verifier.Verifier, rulesFile, name, lang string, stderr io.Writer) int {
	switch lang {
	case "en", "fr", "ar":
		v.Lang = lang
	default:
		fmt.Fprintf(stderr, "verifier verify: --lang %q: the rules are described in en, fr and ar\n", lang)
		return 2
	}
	if rulesFile == "" && name == "" {
		return 0
	}
	data, from := v.Trust.Policies(), "the trust bundle"
	if rulesFile != "" {
		var err error
		if data, err = readFile(rulesFile); err != nil {
			fmt.Fprintf(stderr, "verifier verify: --rules: %v\n", err)
			return 2
		}
		from = rulesFile
	}
	if data == nil {
		data, from = assets.ContextPolicies(), "the shipped policies"
	}
	set, err := policy.Parse(data)
	if err != nil {
		fmt.Fprintf(stderr, "verifier verify: the context policies of %s: %v\n", from, err)
		return 2
	}
	if name == "" {
		fmt.Fprintf(stderr, "verifier verify: --rules needs --context NAME, one of: %s\n", strings.Join(set.Names(), ", "))
		return 2
	}
	c, err := set.Lookup(name)
	if err != nil {
		fmt.Fprintf(stderr, "verifier verify: --context: %v (in %s)\n", err, from)
		return 2
	}
	v.Context = c
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

// decoded is one line of `verifier decode --json`.
type decoded struct {
	Input string `json:"input"`
	Text  string `json:"text,omitempty"`
	Error string `json:"error,omitempty"`
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
	// The images of one call share one budget, as in verify.
	ctx, cancel := context.WithTimeout(context.Background(), verifier.DefaultImageBudget)
	defer cancel()
	for _, in := range ins {
		texts, err := qr.DecodeContext(ctx, in.Data)
		if err != nil {
			failed = true
			if *asJSON {
				enc.Encode(decoded{Input: in.Name, Error: err.Error()})
			} else {
				fmt.Fprintf(stdout, "%s: %s\n", display.Text(in.Name), display.Clip(err.Error(), 2*display.Max))
			}
			continue
		}
		for _, t := range texts {
			if *asJSON {
				enc.Encode(decoded{Input: in.Name, Text: t})
			} else {
				// One line per code, escapes visible, never cut (the
				// text may be copied into verify).
				fmt.Fprintln(stdout, display.Line(t))
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

// passphrase reads IMMUNOPASS_PASSPHRASE; the verifier runs unattended.
func passphrase() (string, error) {
	p := os.Getenv("IMMUNOPASS_PASSPHRASE")
	if p == "" {
		return "", fmt.Errorf("set IMMUNOPASS_PASSPHRASE: it encrypts this verifier's key")
	}
	return p, nil
}

func keygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verifier keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the encrypted key to `FILE` (0600)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "verifier keygen: --out is required")
		return 2
	}
	if _, err := os.Stat(*out); err == nil {
		fmt.Fprintf(stderr, "verifier keygen: %s exists; refusing to overwrite a key\n", *out)
		return 2
	}
	pass, err := passphrase()
	if err == nil {
		var kf *keyfile.KeyFile
		if kf, err = keyfile.New(time.Now()); err == nil {
			var sealed []byte
			if sealed, err = kf.Seal(pass, keyfile.WorkFactor); err == nil {
				err = writeFile(*out, sealed, 0o600)
			}
			if err == nil {
				fmt.Fprintf(stdout, "verifier key %s written to %s\n", kf.Key.Public().DIDKey(), *out)
				return 0
			}
		}
	}
	fmt.Fprintf(stderr, "verifier keygen: %v\n", err)
	return 2
}

func challenge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verifier challenge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "this verifier's key `FILE` (verifier keygen)")
	claims := fs.String("claims", "", "what to ask for: a comma-separated `LIST` such as given_name,family_name,doses")
	out := fs.String("out", "", "write the challenge text to `FILE` and its QR code beside it (.png)")
	ttl := fs.Duration("ttl", 5*time.Minute, "how long the challenge may be answered (`DURATION`)")
	purpose := fs.String("purpose", "", "why, shown to the holder (`TEXT`)")
	contextName := fs.String("context", "", "ask for the claims the context `NAME` needs (e.g. yellow-fever), added to --claims")
	rulesFile := fs.String("rules", "", "context policy `FILE` for --context (default: the shipped policies)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "verifier challenge: %v\n", err); return 2 }
	if *key == "" || (*claims == "" && *contextName == "") || *out == "" {
		return fail(fmt.Errorf("--key, --out and --claims or --context are required"))
	}
	if *contextName != "" {
		c, err := challengeContext(*rulesFile, *contextName)
		if err != nil {
			return fail(err)
		}
		list := []string{}
		if *claims != "" {
			list = strings.Split(*claims, ",")
		}
		for _, n := range c.ClaimsNeeded() {
			if !slices.Contains(list, n) {
				list = append(list, n)
			}
		}
		*claims = strings.Join(list, ",")
		if *purpose == "" {
			*purpose = c.TitleIn("en")
		}
	}
	paths, err := sdjwt.ParseClaimPaths(*claims)
	if err != nil {
		return fail(err)
	}
	data, err := os.ReadFile(*key)
	if err != nil {
		return fail(err)
	}
	pass, err := passphrase()
	if err != nil {
		return fail(err)
	}
	kf, err := keyfile.Open(data, pass)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", *key, err))
	}
	ch, err := sdjwt.NewChallenge(kf.Key.Public(), paths, *ttl, *purpose, time.Now())
	if err != nil {
		return fail(err)
	}
	text := ch.Format()
	sym, err := qr.Encode(text, qr.M)
	if err != nil {
		return fail(err)
	}
	png, err := sym.PNGSize(600)
	if err != nil {
		return fail(err)
	}
	pngName := strings.TrimSuffix(*out, filepath.Ext(*out)) + ".png"
	if err := writeFile(*out, []byte(text+"\n"), 0o600); err != nil {
		return fail(err)
	}
	if err := writeFile(pngName, png, 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "challenge for %s written to %s and %s; valid until %s\n", *claims, *out, pngName, ch.Expires.UTC().Format(time.RFC3339))
	return 0
}

// challengeContext finds the context a challenge asks for, in rulesFile or
// else in the shipped policies.
func challengeContext(rulesFile, name string) (*policy.Context, error) {
	var set *policy.Set
	var err error
	if rulesFile != "" {
		var data []byte
		if data, err = readFile(rulesFile); err == nil {
			set, err = policy.Parse(data)
		}
		if err != nil {
			return nil, fmt.Errorf("--rules: %w", err)
		}
	} else if set, err = policy.Shipped(); err != nil {
		return nil, err
	}
	return set.Lookup(name)
}

// writeFile replaces name atomically.
func writeFile(name string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(name, data, perm)
}

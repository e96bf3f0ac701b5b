// Command issuer is a clinic's tool for signing vaccination credentials.
//
//	issuer keygen --out FILE
//	issuer jwks --key FILE [--site DIR]
//	issuer issue --key FILE --iss URL --format shc [--exp DURATION] [--rid-user ID] [--out FILE] INPUT
//	issuer crl --key FILE [--site DIR] (--revoke RID[@RFC3339] | --revoke-user ID)...
//	issuer snapshot --key FILE --iss URL --name NAME [--site DIR] --out FILE
//
// The key file's passphrase comes from IMMUNOPASS_PASSPHRASE or a prompt.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/issuer"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  issuer keygen --out FILE
  issuer jwks --key FILE [--site DIR]
  issuer issue --key FILE --iss URL --format shc [--exp DURATION] [--rid-user ID] [--out FILE] INPUT
  issuer crl --key FILE [--site DIR] (--revoke RID[@RFC3339] | --revoke-user ID)...
  issuer snapshot --key FILE --iss URL --name NAME [--site DIR] --out FILE

INPUT is a FHIR R4 Bundle (JSON) or CSV rows (header: family,given,birth_date,
vaccine_system,vaccine_code,date,dose,series,lot,performer,country[,status]).
The output format follows --out's extension: .smart-health-card, .txt (shc:/),
.png or .svg (QR code), .jws; without --out the shc:/ text goes to stdout.
The key passphrase is read from IMMUNOPASS_PASSPHRASE, or asked for.
`

type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func([]string) error{
		"keygen": c.keygen, "jwks": c.jwks, "issue": c.issue, "crl": c.crl, "snapshot": c.snapshot,
	}
	cmd, ok := cmds[args[0]]
	switch {
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case !ok:
		fmt.Fprintf(stderr, "issuer: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err := cmd(args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errFlags) {
			fmt.Fprintf(stderr, "issuer %s: %v\n", args[0], err)
		}
		return 2
	}
	return 0
}

// errFlags marks a flag error the flag package already reported.
var errFlags = errors.New("bad flags")

func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("issuer "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errFlags
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func required(name, v string) error {
	if v == "" {
		return fmt.Errorf("--%s is required", name)
	}
	return nil
}

// passphrase reads IMMUNOPASS_PASSPHRASE or prompts on the terminal.
func (c *cli) passphrase(confirm bool) (string, error) {
	if p, ok := os.LookupEnv("IMMUNOPASS_PASSPHRASE"); ok {
		if p == "" {
			return "", errors.New("IMMUNOPASS_PASSPHRASE is set but empty")
		}
		return p, nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		return "", errors.New("no passphrase: set IMMUNOPASS_PASSPHRASE or run in a terminal")
	}
	defer tty.Close()
	fmt.Fprint(tty, "Key passphrase: ")
	p, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", err
	}
	if confirm {
		fmt.Fprint(tty, "Again: ")
		again, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return "", err
		}
		if string(again) != string(p) {
			return "", errors.New("the passphrases differ")
		}
	}
	if len(strings.TrimSpace(string(p))) == 0 {
		return "", errors.New("empty passphrase")
	}
	return string(p), nil
}

func (c *cli) openKey(path string) (*issuer.KeyFile, error) {
	if err := required("key", path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pass, err := c.passphrase(false)
	if err != nil {
		return nil, err
	}
	kf, err := keyfile.Open(data, pass)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &issuer.KeyFile{KeyFile: kf}, nil
}

func (c *cli) keygen(args []string) error {
	fs := c.flags("keygen")
	out := fs.String("out", "", "write the encrypted key to `FILE` (0600)")
	force := fs.Bool("force", false, "overwrite an existing key file")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := required("out", *out); err != nil {
		return err
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return fmt.Errorf("%s exists; refusing to overwrite a key (use --force to replace it)", *out)
	}
	pass, err := c.passphrase(true)
	if err != nil {
		return err
	}
	kf, err := keyfile.New(time.Now())
	if err != nil {
		return err
	}
	sealed, err := kf.Seal(pass, issuer.WorkFactor)
	if err != nil {
		return err
	}
	if err := issuer.WriteFileAtomic(*out, sealed, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "key %s written to %s (encrypted; keep the passphrase safe)\n", kf.Key.Public().KID(), *out)
	return nil
}

func (c *cli) jwks(args []string) error {
	fs := c.flags("jwks")
	key := fs.String("key", "", "issuer key `FILE`")
	site := fs.String("site", ".", "the issuer's static site `DIR` (.well-known/…)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	kf, err := c.openKey(*key)
	if err != nil {
		return err
	}
	b, err := issuer.Site{Dir: *site}.JWKS(kf.Key.Public())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s\n", b)
	return nil
}

// parseDuration accepts Go durations and whole days or years: 90d, 1y.
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err == nil && d > 0 {
			return time.Duration(d) * 24 * time.Hour, nil
		}
	}
	if n, ok := strings.CutSuffix(s, "y"); ok {
		y, err := strconv.Atoi(n)
		if err == nil && y > 0 && y < 100 {
			return time.Duration(y) * 365 * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--exp %q: want a positive duration such as 720h, 90d or 1y", s)
	}
	return d, nil
}

func (c *cli) issue(args []string) error {
	fs := c.flags("issue")
	key := fs.String("key", "", "issuer key `FILE`")
	iss := fs.String("iss", "", "issuer `URL` (https, no trailing slash)")
	format := fs.String("format", "shc", "credential `FORMAT`: shc")
	exp := fs.String("exp", "", "validity `DURATION` (720h, 90d, 1y); default none")
	ridUser := fs.String("rid-user", "", "the patient's stable clinic `ID`, to derive the revocation id from")
	out := fs.String("out", "", "output `FILE`; the extension picks the form")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := required("iss", *iss); err != nil {
		return err
	}
	if *format != "shc" {
		return fmt.Errorf("--format %q: this version issues \"shc\"", *format)
	}
	if len(pos) != 1 {
		return fmt.Errorf("want exactly one INPUT (a FHIR Bundle or a CSV file), got %d", len(pos))
	}
	if err := shc.CheckIssuerURL(*iss); err != nil {
		return fmt.Errorf("--iss: %w", err)
	}
	req := issuer.Request{Issuer: *iss, RIDUser: *ridUser}
	if *exp != "" {
		if req.Expires, err = parseDuration(*exp); err != nil {
			return err
		}
	}
	if *out != "" {
		if _, err := issuer.Render("a.b.c", *out); err != nil && strings.Contains(err.Error(), "extension") {
			return err
		}
	}
	input, err := readInput(pos[0], c.stdin)
	if err != nil {
		return err
	}
	kf, err := c.openKey(*key)
	if err != nil {
		return err
	}
	cards, err := kf.IssueSHC(input, req)
	if err != nil {
		return err
	}
	for i, card := range cards {
		name := *out
		if name != "" && len(cards) > 1 {
			ext := filepath.Ext(name)
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), i+1, ext)
		}
		if name == "" {
			text, err := shc.EncodeQR(card.JWS)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, text)
		} else {
			b, err := issuer.Render(card.JWS, name)
			if err != nil {
				return err
			}
			if err := issuer.WriteFileAtomic(name, b, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(c.stderr, "issued a SMART Health Card for %s (%d doses, %d characters), rid %s%s\n",
			card.Record.Patient.Name(), len(card.Record.Immunizations), len(card.JWS), card.RID, where(name))
	}
	return nil
}

func where(name string) string {
	if name == "" {
		return ""
	}
	return " → " + name
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(stdin, 8<<20))
	}
	return os.ReadFile(name)
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func (c *cli) crl(args []string) error {
	fs := c.flags("crl")
	key := fs.String("key", "", "issuer key `FILE`")
	site := fs.String("site", ".", "the issuer's static site `DIR` (.well-known/…)")
	var revoke, users multi
	fs.Var(&revoke, "revoke", "`RID` to revoke, or RID@RFC3339 to revoke only cards issued before then (repeatable)")
	fs.Var(&users, "revoke-user", "revoke every card issued with --rid-user `ID` (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	revoke = append(revoke, pos...)
	if len(revoke)+len(users) == 0 {
		return errors.New("nothing to revoke: give --revoke RID or --revoke-user ID")
	}
	var entries []string
	for _, r := range revoke {
		e, err := issuer.ParseRevocation(r)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	kf, err := c.openKey(*key)
	if err != nil {
		return err
	}
	for _, u := range users {
		entries = append(entries, shc.RID(kf.RIDSecret, kf.Key.Public().KID(), u))
	}
	crl, err := issuer.Site{Dir: *site}.Revoke(kf.Key.Public(), entries)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "crl for key %s is now version %d with %d revoked ids; publish %s\n",
		crl.KID, crl.Ctr, len(crl.RIDs), filepath.Join(*site, ".well-known"))
	return nil
}

func (c *cli) snapshot(args []string) error {
	fs := c.flags("snapshot")
	key := fs.String("key", "", "issuer key `FILE`")
	iss := fs.String("iss", "", "issuer `URL`")
	name := fs.String("name", "", "the clinic's display `NAME`")
	site := fs.String("site", ".", "the issuer's static site `DIR`")
	out := fs.String("out", "", "write the VCI snapshot to `FILE`")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	for _, r := range [][2]string{{"iss", *iss}, {"name", *name}, {"out", *out}} {
		if err := required(r[0], r[1]); err != nil {
			return err
		}
	}
	kf, err := c.openKey(*key)
	if err != nil {
		return err
	}
	b, err := issuer.Site{Dir: *site}.Snapshot(*iss, *name, kf.Key.Public(), time.Now())
	if err != nil {
		return err
	}
	if err := issuer.WriteFileAtomic(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "trust snapshot for %s written to %s\n", *name, *out)
	return nil
}

// Command issuer is a clinic's tool for signing vaccination credentials.
//
//	issuer keygen --out FILE
//	issuer jwks --key FILE [--site DIR]
//	issuer issue --key FILE --iss URL --format shc|sd-jwt|both [--holder DID]... [--exp DURATION] [--rid-user ID] [--out FILE] INPUT
//	issuer issue … [--holders FILE] [--batch-size N] --out FILE.jsonl PEOPLE.csv   (a batch)
//	issuer status revoke|suspend|reinstate [--file FILE] (IDX... | --record ID)
//	issuer status publish --key FILE [--file FILE] --out FILE [--valid DURATION]
//	issuer crl --key FILE [--site DIR] (--revoke RID[@RFC3339] | --revoke-user ID)...
//	issuer snapshot --key FILE --iss URL --name NAME [--site DIR] --out FILE
//	issuer revoke --registry URL --key FILE --iss URL (--record ID | --rid RID | --entry URI#IDX)...
//	issuer outbox status|flush [--state DIR]
//	issuer forecast --schedule us-cdsi|who|ae|fr [--at DATE] [--json] [--trust FILE]... FILE...
//	issuer init --data DIR --iss URL [--admin NAME]
//	issuer serve --data DIR [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--offer-ttl DURATION]
//	issuer token create|list|revoke --data DIR [--name NAME --scope SCOPE...] [ID]
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
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/prompt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/status"
	"github.com/immunopass/immunopass/issuer"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  issuer keygen --out FILE
  issuer jwks --key FILE [--site DIR]
  issuer issue --key FILE --iss URL --format shc|sd-jwt|both [--holder DID | --holders FILE]... [--exp DURATION]
               [--rid-user ID] [--status-file FILE] [--status-uri URI] [--out FILE] INPUT
  issuer status revoke|suspend|reinstate [--file FILE] (IDX... | --record ID)
  issuer status publish --key FILE [--file FILE] --out FILE [--valid DURATION]
  issuer crl --key FILE [--site DIR] (--revoke RID[@RFC3339] | --revoke-user ID)...
  issuer snapshot --key FILE --iss URL --name NAME [--site DIR] --out FILE
  issuer forecast --schedule us-cdsi|cdsi|who|ae|fr [--at DATE] [--json] [--trust FILE]... FILE...
with a registry (the clinic is accredited in it; --iss is its issuer URL there):
  issuer issue --registry URL [--state DIR] [--anchor-timeout DURATION] [--region CODE] … (as above)
  issuer revoke --registry URL --key FILE --iss URL [--state DIR] [--status revoked|suspended|valid]
                (--record ID | --rid RID[@RFC3339] | --entry URI#IDX)...
  issuer outbox status [--state DIR]
  issuer outbox flush --key FILE [--state DIR] [--registry URL] [--iss URL] [--timeout DURATION]
the clinic service (staff pages and the EMR API):
  issuer init --data DIR --iss URL [--admin NAME]
  issuer serve --data DIR [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--offer-ttl DURATION]
  issuer token create --data DIR --name NAME --scope SCOPE...   (records:write, records:read, records:revoke)
  issuer token list --data DIR
  issuer token revoke --data DIR ID

INPUT is a FHIR R4 Bundle (JSON) or CSV rows (header: family,given,birth_date,
vaccine_system,vaccine_code,date,dose,series,lot,performer,country[,status]).
The output format follows --out's extension: for a SMART Health Card
.smart-health-card, .txt (shc:/), .png or .svg (QR code), .jws; for an SD-JWT VC
.sdjwt, .txt (IP1: QR text), .png or .svg. Without --out the text goes to stdout.
An SD-JWT VC is bound to the wallet's key: give one --holder did:key per
credential (a batch of N keys makes N unlinkable credentials for one record).
Its status index comes from the local status list (--status-file, default
status.json; --status-uri names the list when the file is created).
With --registry, every credential's digest is first queued durably in the
outbox (--state DIR, default issuer-state), then the credential is written,
then anchored in the registry's log; its inclusion proof is written next to it
(card.proof for a card, card.sdjwt.proof for an SD-JWT VC). SD-JWT status
indexes come from the registry, and dose counts per vaccine, region and week
are reported to it. If the registry cannot be reached within
--anchor-timeout, issue exits 1 and the item stays queued: 'issuer outbox
flush' finishes the job, 'issuer outbox status' shows what is pending.
A batch: --out FILE.jsonl [--batch-size N] issues every record of a CSV to one
file, one credential a line (n, record, name, birthDate, format, credential,
rid or status, holder, digest), in groups of N people (default 500), with a
progress bar on stderr. Every row is checked before anything is issued. SD-JWT
VCs take one did:key per record from --holders FILE, in the order of the
people in the CSV. Records are named RUN-n for revocation (RUN: --rid-user, or
batch-<time>). With --registry, proofs go to FILE.proofs.jsonl.
The key passphrase is read from IMMUNOPASS_PASSPHRASE, or asked for.
forecast evaluates each dose of a FHIR R4 Bundle (a Patient with a birth date,
Immunizations), or of a credential verified against --trust, and forecasts what is due per vaccine group in the schedule, as
of --at (default today); --json writes one object per line: per group
{"input","kind":"forecast","vaccineGroup","status","doseNumber","earliest",
"recommended","pastDue"}, per dose {"input","kind":"dose","id","status","reason"}.
init creates the service's data folder: the signing key (encrypted as keygen
does), and a database of staff accounts, sessions, API tokens, the ledger and
the audit log, with the first administrator (password from
IMMUNOPASS_ADMIN_PASSWORD, or generated and shown once). serve runs it
(default --listen 127.0.0.1:8630) until SIGINT or SIGTERM; plain HTTP only on
a loopback address, TLS with --tls-cert and --tls-key. token manages the EMR
API tokens while the server is stopped (administrators also can on its pages).
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
		"keygen": c.keygen, "jwks": c.jwks, "issue": c.issue, "crl": c.crl, "snapshot": c.snapshot, "status": c.status,
		"revoke": c.revoke, "outbox": c.outbox, "forecast": c.forecast, "init": c.initData, "serve": c.serve, "token": c.token,
	}
	cmd, ok := cmds[args[0]]
	switch {
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help" || ok && wantsHelp(args[1:]):
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
		var ex *exitError
		if errors.As(err, &ex) {
			return ex.code
		}
		return 2
	}
	return 0
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

func (c *cli) openKey(path string) (*issuer.KeyFile, error) {
	if err := required("key", path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pass, err := prompt.Passphrase(false)
	if err != nil {
		return nil, err
	}
	kf, err := keyfile.Open(data, pass)
	// scrypt took 2^work-factor KiB (256 MiB at the default): give it
	// back now, or the heap grows to twice that before the next collection
	// (a 5,000-record batch peaked at 530 MB instead of ≈ 290 MB).
	debug.FreeOSMemory()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &issuer.KeyFile{KeyFile: kf}, nil
}

func (c *cli) keygen(args []string) error {
	fs := c.flags("keygen")
	out := fs.String("out", "", "write the encrypted key to `FILE` (0600)")
	force := fs.Bool("force", false, "overwrite an existing key file")
	wf := fs.Int("work-factor", issuer.WorkFactor, "scrypt work factor `N` of the key file's passphrase (lower it only for tests)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *wf < 10 || *wf > 22 {
		return fmt.Errorf("--work-factor %d: want 10 to 22", *wf)
	}
	if err := required("out", *out); err != nil {
		return err
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return fmt.Errorf("%s exists; refusing to overwrite a key (use --force to replace it)", *out)
	}
	pass, err := prompt.Passphrase(true)
	if err != nil {
		return err
	}
	kf, err := keyfile.New(time.Now())
	if err != nil {
		return err
	}
	sealed, err := kf.Seal(pass, *wf)
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
	format := fs.String("format", "shc", "credential `FORMAT`: shc, sd-jwt or both")
	var holders multi
	fs.Var(&holders, "holder", "the wallet's `DID` (did:key:zDn…) to bind an SD-JWT VC to; one per credential")
	holdersFile := fs.String("holders", "", "a `FILE` of holder did:keys, one a line (a wallet's batch)")
	exp := fs.String("exp", "", "validity `DURATION` (720h, 90d, 1y); default none")
	ridUser := fs.String("rid-user", "", "the patient's stable clinic `ID`: derives the SHC rid and names the record in the status file")
	statusFile := fs.String("status-file", "status.json", "the local status list `FILE`")
	statusURI := fs.String("status-uri", "", "the `URI` the status list is published at (when the file is new)")
	out := fs.String("out", "", "output `FILE`; the extension picks the form (.jsonl: a batch, one credential a line)")
	batchSize := fs.Int("batch-size", 500, "with --out FILE.jsonl: records signed, written and anchored together (`N`)")
	var h hostedFlags
	h.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := required("iss", *iss); err != nil {
		return err
	}
	wantSHC := *format == "shc" || *format == "both"
	wantSD := *format == "sd-jwt" || *format == "both"
	if !wantSHC && !wantSD {
		return fmt.Errorf("--format %q: want shc, sd-jwt or both", *format)
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
	if strings.EqualFold(filepath.Ext(*out), ".jsonl") {
		if *batchSize < 1 || *batchSize > issuer.AnchorBatch/2 {
			return fmt.Errorf("--batch-size %d: want 1 to %d", *batchSize, issuer.AnchorBatch/2)
		}
		if wantSD && len(holders) == 0 && *holdersFile == "" {
			return errors.New("--format sd-jwt needs holder keys: --holders FILE with the did:key of each person, one a line, in the order of the records")
		}
		kf, err := c.openKey(*key)
		if err != nil {
			return err
		}
		run := *ridUser
		if run == "" {
			run = "batch-" + time.Now().UTC().Format("20060102T150405Z")
		}
		req.RIDUser = "" // each card gets its own random rid
		j := &batchJob{kf: kf, req: req, wantSHC: wantSHC, wantSD: wantSD, holders: &holderSource{flags: holders, path: *holdersFile},
			out: *out, size: *batchSize, input: pos[0], statusFile: *statusFile, statusURI: *statusURI, h: &h, runID: run}
		defer j.holders.close()
		return c.issueBatch(j)
	}
	if *holdersFile != "" {
		data, err := os.ReadFile(*holdersFile)
		if err != nil {
			return err
		}
		holders = append(holders, strings.Fields(string(data))...)
	}
	var holderKeys []*jose.Key
	for _, h := range holders {
		k, err := jose.ParseDIDKey(h)
		if err != nil {
			return fmt.Errorf("--holder: %w", err)
		}
		holderKeys = append(holderKeys, k)
	}
	if wantSD && len(holderKeys) == 0 {
		return errors.New("--format sd-jwt needs --holder: the did:key the wallet shows for this person")
	}
	shcOut, sdOut := *out, *out
	if *format == "both" && *out != "" {
		sdOut = strings.TrimSuffix(*out, filepath.Ext(*out)) + ".sdjwt"
	}
	if shcOut != "" && wantSHC {
		if _, err := issuer.Render("a.b.c", shcOut); err != nil && strings.Contains(err.Error(), "extension") {
			return err
		}
	}
	if sdOut != "" && wantSD {
		if _, err := issuer.RenderSD("a.b.c~", sdOut); err != nil && strings.Contains(err.Error(), "extension") {
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
	if h.registry != "" {
		return c.issueHosted(kf, &h, input, req, wantSHC, wantSD, holderKeys, shcOut, sdOut)
	}
	if wantSHC {
		if err := c.issueSHC(kf, input, req, shcOut); err != nil {
			return err
		}
	}
	if wantSD {
		st, err := issuer.OpenLocalStatus(*statusFile, *statusURI)
		if err != nil {
			return err
		}
		record := *ridUser
		if record == "" {
			record = "record-" + time.Now().UTC().Format("20060102T150405.000000000")
		}
		if recs, _, err := issuer.ReadRecords(input); err == nil && len(recs) > 1 {
			return fmt.Errorf("the input holds %d records: issue them as a batch with --out FILE.jsonl and --holders FILE (one did:key per record, in their order; each record revocable on its own)", len(recs))
		}
		creds, err := kf.IssueSDJWT(input, req, holderKeys, st, record)
		if err != nil {
			return err
		}
		for i, cred := range creds {
			if err := c.emit(sdOut, i, len(creds), cred.SDJWT, issuer.RenderSD); err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, "issued an SD-JWT VC for %s (%d doses), status index %d%s\n",
				cred.Record.Patient.Name(), len(cred.Record.Immunizations), cred.Index, where(numbered(sdOut, i, len(creds))))
		}
		// Saved only once every credential of the batch is signed.
		if err := st.Save(); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "record %q: status indexes %v in %s\n", record, st.Record(record), *statusFile)
	}
	return nil
}

func (c *cli) issueSHC(kf *issuer.KeyFile, input []byte, req issuer.Request, out string) error {
	cards, err := kf.IssueSHC(input, req)
	if err != nil {
		return err
	}
	for i, card := range cards {
		if out == "" {
			text, err := shc.EncodeQR(card.JWS)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, text)
		} else if err := c.emit(out, i, len(cards), card.JWS, issuer.Render); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "issued a SMART Health Card for %s (%d doses, %d characters), rid %s%s\n",
			card.Record.Patient.Name(), len(card.Record.Immunizations), len(card.JWS), card.RID, where(numbered(out, i, len(cards))))
	}
	return nil
}

// emit writes credential i of n in the form out's extension asks for, or
// prints it when out is empty.
func (c *cli) emit(out string, i, n int, cred string, render func(string, string) ([]byte, error)) error {
	if out == "" {
		fmt.Fprintln(c.stdout, cred)
		return nil
	}
	name := numbered(out, i, n)
	b, err := render(cred, name)
	if err != nil {
		return err
	}
	return issuer.WriteFileAtomic(name, b, 0o644)
}

// numbered names output i of n: card.png, or card-1.png, card-2.png….
func numbered(out string, i, n int) string {
	if out == "" || n == 1 {
		return out
	}
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(out, ext), i+1, ext)
}

func (c *cli) status(args []string) error {
	if len(args) == 0 {
		return errors.New("want revoke, suspend, reinstate or publish")
	}
	fs := c.flags("status " + args[0])
	file := fs.String("file", "status.json", "the local status list `FILE`")
	switch args[0] {
	case "revoke", "suspend", "reinstate":
		record := fs.String("record", "", "every credential issued for record `ID` (--rid-user at issuance)")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		st, err := issuer.OpenLocalStatus(*file, "")
		if err != nil {
			return err
		}
		var idxs []int
		if *record != "" {
			if idxs = st.Record(*record); len(idxs) == 0 {
				return fmt.Errorf("no credentials were issued for record %q", *record)
			}
		}
		for _, p := range pos {
			i, err := strconv.Atoi(p)
			if err != nil {
				return fmt.Errorf("%q is not a status index", p)
			}
			idxs = append(idxs, i)
		}
		if len(idxs) == 0 {
			return errors.New("give status indexes or --record ID")
		}
		v := map[string]uint8{"revoke": status.Invalid, "suspend": status.Suspended, "reinstate": status.Valid}[args[0]]
		if args[0] == "reinstate" {
			for _, i := range idxs {
				if cur, _ := st.Get(i); cur == status.Invalid {
					return fmt.Errorf("index %d is revoked, and revocation is final (only a suspension can be lifted)", i)
				}
			}
		}
		for _, i := range idxs {
			if err := st.Set(i, v); err != nil {
				return err
			}
		}
		if err := st.Save(); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s: indexes %v in %s; run 'issuer status publish' to tell verifiers\n", map[string]string{"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}[args[0]], idxs, *file)
		return nil
	case "publish":
		key := fs.String("key", "", "issuer key `FILE`")
		out := fs.String("out", "", "write the signed status list token to `FILE`")
		valid := fs.String("valid", "24h", "how long verifiers may rely on it (`DURATION`)")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		if err := required("out", *out); err != nil {
			return err
		}
		d, err := parseDuration(*valid)
		if err != nil {
			return err
		}
		st, err := issuer.OpenLocalStatus(*file, "")
		if err != nil {
			return err
		}
		kf, err := c.openKey(*key)
		if err != nil {
			return err
		}
		tok, err := st.Token(kf.Key, time.Now(), d)
		if err != nil {
			return err
		}
		if err := issuer.WriteFileAtomic(*out, []byte(tok+"\n"), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "status list %s (%d bytes) written to %s\n", st.URI, len(tok), *out)
		return nil
	}
	return fmt.Errorf("status %q: want revoke, suspend, reinstate or publish", args[0])
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

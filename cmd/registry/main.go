// Command registry runs the ImmunoPass registry: the accredited-issuer
// directory, status lists, the anchor log and the signed offline bundle.
//
// Key passphrases come from IMMUNOPASS_PASSPHRASE or a terminal prompt.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/immunopass/immunopass/internal/atomicfile"
	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/internal/prompt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/registry"
	"github.com/immunopass/immunopass/registry/witness"
)

const usage = `usage:
  registry init --data DIR --url PUBLIC_URL [--origin ORIGIN] [--witness URL=VKEY]... [--quorum N] [--max-age 168h]
                [--engine posix|mysql] [--dsn DSN]   (mysql: the DSN is kept in DIR/registry.json for serve)
  registry serve --data DIR --listen ADDR
  registry issuer add --id SLUG --name NAME [--country CC] --jwks FILE [--scope immunization] [--iss URL]
                      [--valid-from RFC3339] [--valid-until RFC3339]   (+ admin flags)
  registry issuer rotate-key --id SLUG --jwks FILE [--retire-at RFC3339] (+ admin flags)
  registry issuer suspend|reinstate --id SLUG                            (+ admin flags)
  registry issuer compromise --id SLUG --kid KID [--at RFC3339]          (+ admin flags)
  registry issuer list --registry URL
  registry rules post FILE                                              (+ admin flags)
  registry advisory post --title T --body B [--region R] [--severity info|warning|alert] [--expires RFC3339|DURATION]
  registry trustlist import FILE [--signer DIDDOC]                       (+ admin flags)
                  (a WHO GDHCN trust list, v2 DID document; DIDDOC: the DID document of the key its proof names;
                   or a VCI snapshot trust file of foreign issuers: DIVOC RSA/Ed25519 JWKs, DID issuers; no --signer)
  registry bundle (--data DIR | --registry URL --policy FILE) --out FILE
  registry witness init --data DIR [--name NAME]
  registry witness serve --data DIR --listen ADDR --log VKEY...
admin flags: --registry URL (the running registry) and --admin-key FILE, or --data DIR (its admin.key and URL)
The key passphrase is read from IMMUNOPASS_PASSPHRASE, or asked for.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

var errFlags = errors.New("bad flags")

type cli struct {
	stdout, stderr io.Writer
}

func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout, stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if wantsHelp(args[1:]) { // every command, including those added later
		fmt.Fprint(stdout, usage)
		return 0
	}
	var err error
	switch args[0] {
	case "init":
		err = c.init(args[1:])
	case "serve":
		err = c.serve(args[1:])
	case "issuer":
		err = c.issuer(args[1:])
	case "rules":
		err = c.rules(args[1:])
	case "advisory":
		err = c.advisory(args[1:])
	case "trustlist":
		err = c.trustlist(args[1:])
	case "bundle":
		err = c.bundle(args[1:])
	case "witness":
		err = c.witness(args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.Is(err, errFlags) || errors.As(err, &ue) {
		if !errors.Is(err, errFlags) {
			fmt.Fprintln(stderr, "registry:", err)
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	fmt.Fprintln(stderr, "registry:", err)
	return 1
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

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return usageError{fmt.Sprintf("--%s is required", pairs[i])}
		}
	}
	return nil
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func (c *cli) init(args []string) error {
	fs := newFlags("init")
	dir := fs.String("data", "", "")
	url := fs.String("url", "", "")
	origin := fs.String("origin", "", "")
	quorum := fs.Int("quorum", -1, "")
	maxAge := fs.Duration("max-age", 168*time.Hour, "")
	workFactor := fs.Int("work-factor", 0, "")
	engine := fs.String("engine", "", "")
	dsn := fs.String("dsn", "", "")
	var ws listFlag
	fs.Var(&ws, "witness", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("data", *dir, "url", *url); err != nil {
		return err
	}
	var remotes []witness.Remote
	for _, w := range ws {
		u, vkey, ok := strings.Cut(w, "=")
		if !ok || u == "" || vkey == "" {
			return usageError{fmt.Sprintf("--witness %q is not URL=VKEY", w)}
		}
		remotes = append(remotes, witness.Remote{URL: u, VKey: vkey})
	}
	if *quorum < 0 {
		*quorum = len(remotes)
	}
	pass, err := prompt.Passphrase(true)
	if err != nil {
		return err
	}
	made, err := registry.Init(context.Background(), *dir, registry.InitOptions{URL: *url, Origin: *origin,
		Witnesses: remotes, Quorum: *quorum, MaxAge: *maxAge, Passphrase: pass, WorkFactor: *workFactor,
		Engine: *engine, DSN: *dsn})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "registry initialised in %s for %s\n", *dir, strings.TrimSuffix(*url, "/"))
	fmt.Fprintf(c.stdout, "registry key   %s (%s, encrypted)\n", made.RegistryKID, filepath.Join(*dir, registry.KeyFile))
	fmt.Fprintf(c.stdout, "admin key      %s (%s, encrypted; keep it with the operator)\n", made.AdminKID, made.AdminKeyFile)
	fmt.Fprintf(c.stdout, "log            %s\n", made.LogOrigin)
	fmt.Fprintf(c.stdout, "log key        %s\n", made.LogKey)
	fmt.Fprintf(c.stdout, "witnesses      %d, quorum %d\n", len(remotes), *quorum)
	fmt.Fprintf(c.stdout, "trust policy   %s (install on verifiers with --policy)\n", made.PolicyFile)
	return nil
}

func (c *cli) serve(args []string) error {
	fs := newFlags("serve")
	dir := fs.String("data", "", "")
	listen := fs.String("listen", "127.0.0.1:8620", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("data", *dir); err != nil {
		return err
	}
	if _, err := registry.ReadConfig(*dir); err != nil {
		return err
	}
	pass, err := prompt.Passphrase(false)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(c.stderr, nil))
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := registry.OpenData(ctx, *dir, pass, logger, metrics)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		d.Close()
		return err
	}
	o := registryServing
	o.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	srv := httpserver.New(d.Server.Handler(), o)
	logger.Info("registry serving", "listen", ln.Addr().String(), "data", *dir)
	err = httpserver.Serve(ctx, srv, ln, 10*time.Second)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	logger.Info("stopped", "err", err)
	return err
}

// admin resolves the registry URL and admin key from --registry/--admin-key
// or --data.
type adminFlags struct {
	registry, adminKey, data *string
}

func addAdmin(fs *flag.FlagSet) adminFlags {
	return adminFlags{fs.String("registry", "", ""), fs.String("admin-key", "", ""), fs.String("data", "", "")}
}

func (a adminFlags) open() (string, *jose.PrivateKey, error) {
	keyPath := *a.adminKey
	if keyPath == "" && *a.data != "" {
		keyPath = filepath.Join(*a.data, registry.AdminKeyFile)
	}
	if err := required("registry", *a.registry, "admin-key", keyPath); err != nil {
		return "", nil, err
	}
	pass, err := prompt.Passphrase(false)
	if err != nil {
		return "", nil, err
	}
	k, err := registry.OpenAdminKey(keyPath, pass)
	return strings.TrimSuffix(*a.registry, "/"), k, err
}

// post sends a signed admin write and returns the JSON answer.
func post(base string, key *jose.PrivateKey, path string, body any) (map[string]any, error) {
	req, err := registry.SignRequest(key, registry.AdminIss, path, body, time.Now())
	if err != nil {
		return nil, err
	}
	resp, err := http.Post(base+path, "application/jose", bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("POST %s: %s: %.200q", path, resp.Status, data)
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("POST %s: %s: %v: %v", path, resp.Status, out["error"], out["message"])
	}
	return out, nil
}

func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if d, derr := time.ParseDuration(v); derr == nil {
			return time.Now().Add(d).UTC().Truncate(time.Second), nil
		}
		return t, usageError{fmt.Sprintf("--%s %q is not an RFC 3339 time or a duration", name, v)}
	}
	return t, nil
}

func (c *cli) issuer(args []string) error {
	if len(args) == 0 {
		return errFlags
	}
	fs := newFlags("issuer " + args[0])
	a := addAdmin(fs)
	id := fs.String("id", "", "")
	name := fs.String("name", "", "")
	country := fs.String("country", "", "")
	jwksFile := fs.String("jwks", "", "")
	scope := fs.String("scope", "immunization", "")
	iss := fs.String("iss", "", "")
	validFrom := fs.String("valid-from", "", "")
	validUntil := fs.String("valid-until", "", "")
	retireAt := fs.String("retire-at", "", "")
	kid := fs.String("kid", "", "")
	at := fs.String("at", "", "")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "list" {
		base := strings.TrimSuffix(*a.registry, "/")
		if base == "" && *a.data != "" {
			return usageError{"--registry is required"}
		}
		if err := required("registry", base); err != nil {
			return err
		}
		return c.list(base)
	}
	readJWKS := func() (json.RawMessage, error) {
		if err := required("jwks", *jwksFile); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(*jwksFile)
		if err != nil {
			return nil, err
		}
		if _, bad, err := jose.ParseJWKS(data); err != nil || len(bad) > 0 {
			if err == nil {
				err = bad[0]
			}
			return nil, fmt.Errorf("%s: %v", *jwksFile, err)
		}
		return json.RawMessage(data), nil
	}
	if err := required("id", *id); err != nil {
		return err
	}
	var path string
	var body any
	switch args[0] {
	case "add":
		if err := required("name", *name); err != nil {
			return err
		}
		jwks, err := readJWKS()
		if err != nil {
			return err
		}
		vf, err := parseTime("valid-from", *validFrom)
		if err != nil {
			return err
		}
		vu, err := parseTime("valid-until", *validUntil)
		if err != nil {
			return err
		}
		path = "/v1/admin/issuers"
		body = registry.IssuerRequest{ID: *id, Iss: *iss, Name: *name, Country: *country, JWKS: jwks,
			Scope: strings.Split(*scope, ","), ValidFrom: vf, ValidUntil: vu}
	case "rotate-key":
		jwks, err := readJWKS()
		if err != nil {
			return err
		}
		ra, err := parseTime("retire-at", *retireAt)
		if err != nil {
			return err
		}
		path, body = "/v1/admin/issuers/"+*id+"/rotate-key", registry.KeyRequest{JWKS: jwks, RetireAt: ra}
	case "suspend", "reinstate":
		path, body = "/v1/admin/issuers/"+*id+"/"+args[0], struct{}{}
	case "compromise":
		if err := required("kid", *kid); err != nil {
			return err
		}
		t, err := parseTime("at", *at)
		if err != nil {
			return err
		}
		path, body = "/v1/admin/issuers/"+*id+"/compromise", registry.CompromiseRequest{KID: *kid, At: t}
	default:
		return usageError{fmt.Sprintf("unknown issuer command %q", args[0])}
	}
	base, key, err := a.open()
	if err != nil {
		return err
	}
	out, err := post(base, key, path, body)
	if err != nil {
		return err
	}
	is, _ := out["issuer"].(map[string]any)
	fmt.Fprintf(c.stdout, "issuer %s (%v): %s; directory version %v\n", *id, is["id"], describe(args[0], is), out["directoryVersion"])
	return nil
}

func describe(action string, is map[string]any) string {
	keys, _ := is["keys"].([]any)
	switch action {
	case "add":
		return "accredited with " + plural(len(keys), "key", "keys")
	case "rotate-key":
		return "keys rotated, " + plural(len(keys), "key", "keys") + " on record"
	case "suspend":
		return "suspended"
	case "reinstate":
		return "reinstated"
	default:
		return "key marked compromised"
	}
}

func (c *cli) list(base string) error {
	resp, err := http.Get(base + "/v1/issuers")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		Issuers []registry.Issuer `json:"issuers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("GET /v1/issuers: %s: %v", resp.Status, err)
	}
	for _, is := range out.Issuers {
		state := "active"
		if is.Suspended {
			state = "suspended"
		}
		fmt.Fprintf(c.stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", is.Slug, is.Name, is.Country, state, is.ID, plural(len(is.Keys), "key", "keys"))
	}
	return nil
}

func (c *cli) advisory(args []string) error {
	if len(args) == 0 || args[0] != "post" {
		return usageError{"advisory post"}
	}
	fs := newFlags("advisory post")
	a := addAdmin(fs)
	title := fs.String("title", "", "")
	body := fs.String("body", "", "")
	region := fs.String("region", "", "")
	severity := fs.String("severity", "info", "")
	expires := fs.String("expires", "", "")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := required("title", *title, "body", *body); err != nil {
		return err
	}
	exp, err := parseTime("expires", *expires)
	if err != nil {
		return err
	}
	base, key, err := a.open()
	if err != nil {
		return err
	}
	out, err := post(base, key, "/v1/admin/advisories", registry.AdvisoryRequest{Title: *title, Body: *body,
		Region: *region, Severity: *severity, Expires: exp})
	if err != nil {
		return err
	}
	adv, _ := out["advisory"].(map[string]any)
	fmt.Fprintf(c.stdout, "advisory %v posted (%s)\n", adv["id"], *severity)
	return nil
}

// contextPolicies parses a context policy file (the bundle command's
// "policy" is the trust policy).
func contextPolicies(data []byte) (*policy.Set, error) { return policy.Parse(data) }

// rules posts a context policy file (school entry, yellow fever, traveller
// rules) for the bundle to carry; it is checked here first, so a typo is
// reported before anything is signed.
func (c *cli) rules(args []string) error {
	if len(args) == 0 || args[0] != "post" {
		return usageError{"rules post"}
	}
	fs := newFlags("rules post")
	a := addAdmin(fs)
	// FILE comes before or after the flags.
	rest := args[1:]
	name := ""
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return usageError{err.Error()}
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if name == "" {
		return usageError{"rules post needs the policy FILE"}
	}
	file, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	set, err := policy.Parse(file)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	base, key, err := a.open()
	if err != nil {
		return err
	}
	if _, err := post(base, key, "/v1/admin/rules", registry.RulesRequest{File: string(file)}); err != nil {
		return err
	}
	n := 0
	for _, ctx := range set.Contexts {
		n += len(ctx.Rules)
	}
	fmt.Fprintf(c.stdout, "rules posted: %s (%s); the next bundle carries them\n", strings.Join(set.Names(), ", "), plural(n, "rule", "rules"))
	return nil
}

// bundle writes a signed bundle: from a stopped registry's data folder, or
// downloaded from a running one and checked against the policy.
func (c *cli) bundle(args []string) error {
	fs := newFlags("bundle")
	dir := fs.String("data", "", "")
	base := fs.String("registry", "", "")
	policyFile := fs.String("policy", "", "")
	out := fs.String("out", "", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("out", *out); err != nil {
		return err
	}
	var data []byte
	var policy *trust.Policy
	switch {
	case *base != "":
		if *policyFile == "" && *dir != "" {
			*policyFile = filepath.Join(*dir, registry.PolicyFile)
		}
		if err := required("policy", *policyFile); err != nil {
			return err
		}
		p, err := os.ReadFile(*policyFile)
		if err != nil {
			return err
		}
		if policy, err = trust.ParsePolicy(p); err != nil {
			return err
		}
		resp, err := http.Get(strings.TrimSuffix(*base, "/") + "/v1/bundle")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if data, err = io.ReadAll(io.LimitReader(resp.Body, trust.MaxBundle)); err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET /v1/bundle: %s: %.200q", resp.Status, data)
		}
	case *dir != "":
		pass, err := prompt.Passphrase(false)
		if err != nil {
			return err
		}
		ctx := context.Background()
		d, err := registry.OpenData(ctx, *dir, pass, nil, nil)
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return fmt.Errorf("%s is in use by a running registry: use --registry URL", *dir)
			}
			return err
		}
		defer d.Close()
		policy = d.Policy
		for i := 0; ; i++ {
			data, _, err = d.Server.Bundle(ctx)
			if err == nil || !errors.Is(err, registry.ErrNoCheckpoint) || i == 50 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			return err
		}
	default:
		return usageError{"--data DIR or --registry URL is required"}
	}
	b, warns, err := trust.VerifyBundle(data, policy, time.Now())
	if err != nil {
		return err
	}
	if err := writeFile(*out, data); err != nil {
		return err
	}
	lists := 0
	for range b.StatusLists {
		lists++
	}
	dscs := ""
	if len(b.DSCs) > 0 {
		dscs = ", " + plural(len(b.DSCs), "imported document signer", "imported document signers")
	}
	fmt.Fprintf(c.stdout, "bundle version %d written to %s: %d bytes, %s, %s, %s%s\n",
		b.Version, *out, len(data), plural(len(b.Issuers), "issuer", "issuers"), plural(lists, "status list", "status lists"),
		plural(len(b.Advisories), "advisory", "advisories"), dscs)
	for _, w := range warns {
		fmt.Fprintf(c.stdout, "warning: %v\n", w)
	}
	if len(b.Policies) > 0 {
		if set, err := contextPolicies(b.Policies); err != nil {
			fmt.Fprintf(c.stdout, "warning: the bundle's context policies do not parse: %v\n", err)
		} else {
			fmt.Fprintf(c.stdout, "context policies: %s\n", strings.Join(set.Names(), ", "))
		}
	}
	return nil
}

// writeFile replaces path with data atomically and durably: the bundle a
// verifier is handed is never empty or half written after a power cut.
func writeFile(path string, data []byte) error {
	return atomicfile.Write(path, data, 0o644)
}

func (c *cli) witness(args []string) error {
	if len(args) == 0 {
		return errFlags
	}
	fs := newFlags("witness " + args[0])
	dir := fs.String("data", "", "")
	name := fs.String("name", "", "")
	listen := fs.String("listen", "127.0.0.1:8621", "")
	var logs listFlag
	fs.Var(&logs, "log", "")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := required("data", *dir); err != nil {
		return err
	}
	switch args[0] {
	case "init":
		var names []string
		if *name != "" {
			names = append(names, *name)
		}
		vkey, err := witness.Init(*dir, names...)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "witness initialised in %s\nwitness key %s\n", *dir, vkey)
		return nil
	case "serve":
		w, err := witness.Open(*dir)
		if err != nil {
			return err
		}
		for _, l := range logs {
			if err := w.AddLog(l); err != nil {
				return fmt.Errorf("--log %q: %v", l, err)
			}
		}
		logger := slog.New(slog.NewJSONHandler(c.stderr, nil))
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return err
		}
		o := witnessServing
		o.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
		srv := httpserver.New(witnessHandler(w), o)
		logger.Info("witness serving", "listen", ln.Addr().String(), "key", w.VerifierKey())
		return httpserver.Serve(ctx, srv, ln, 10*time.Second)
	default:
		return usageError{fmt.Sprintf("unknown witness command %q", args[0])}
	}
}

// The servers of "registry serve" and "witness serve": httpserver's
// defaults (10 s for headers, 1 min per request, 30 s per 64 KiB written,
// 1 min idle), with each one's body limit. The registry's limit is twice
// its signed-request limit so that its own JSON "too-large" answer is the
// one clients see.
var (
	registryServing = httpserver.Options{MaxBodyBytes: 2 * registry.MaxRequestSize}
	witnessServing  = httpserver.Options{MaxBodyBytes: witness.MaxRequestSize}
)

// witnessHandler is the witness API plus a health check.
func witnessHandler(w *witness.Witness) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", w.Handler())
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "ok\n") })
	return mux
}

// plural writes n and the noun in the form n calls for: "1 key", "2 keys".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/immunopass/immunopass/internal/prompt"
	"github.com/immunopass/immunopass/issuer"
	"github.com/immunopass/immunopass/issuer/service"
	"github.com/immunopass/immunopass/issuer/web"
)

// initData is `issuer init`: a new clinic data folder.
func (c *cli) initData(args []string) error {
	fs := c.flags("init")
	dir := fs.String("data", "", "create the clinic's data folder `DIR`")
	iss := fs.String("iss", "", "the issuer `URL` (iss) of every credential")
	admin := fs.String("admin", "admin", "the first administrator's user `NAME`")
	registry := fs.String("registry", "", "anchor every credential in the registry at `URL` (the clinic's key must be accredited there)")
	wf := fs.Int("work-factor", issuer.WorkFactor, "scrypt work factor `N` of the key file's passphrase (lower it only for tests)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := required("data", *dir); err != nil {
		return err
	}
	if err := required("iss", *iss); err != nil {
		return err
	}
	if *wf < 10 || *wf > 22 {
		return fmt.Errorf("--work-factor %d: want 10 to 22", *wf)
	}
	pass, err := prompt.Passphrase(true)
	if err != nil {
		return err
	}
	pw, generated := os.Getenv("IMMUNOPASS_ADMIN_PASSWORD"), false
	if pw == "" {
		b := make([]byte, 15)
		rand.Read(b)
		pw, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	if err := service.Init(*dir, service.InitOptions{Issuer: *iss, Passphrase: pass, WorkFactor: *wf, AdminUser: *admin, AdminPassword: pw, Registry: *registry}); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "clinic data folder %s created for %s\n", *dir, *iss)
	fmt.Fprintf(c.stdout, "signing key    %s (encrypted)\n", filepath.Join(*dir, service.KeyFileName))
	fmt.Fprintf(c.stdout, "database       %s (accounts, sessions, API tokens, ledger, audit log)\n", filepath.Join(*dir, service.DBFileName))
	if generated {
		fmt.Fprintf(c.stdout, "administrator  %s, password %s (shown once: write it down, or set IMMUNOPASS_ADMIN_PASSWORD)\n", *admin, pw)
	} else {
		fmt.Fprintf(c.stdout, "administrator  %s, password from IMMUNOPASS_ADMIN_PASSWORD\n", *admin)
	}
	return nil
}

// isLoopback reports whether a listen address only accepts local
// connections.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serve is `issuer serve`: the clinic service over HTTP(S) until SIGINT or
// SIGTERM.
func (c *cli) serve(args []string) error {
	fs := c.flags("serve")
	dir := fs.String("data", "", "the clinic's data folder `DIR` (issuer init)")
	offerTTL := fs.Duration("offer-ttl", 10*time.Minute, "how long an OpenID4VCI offer to a wallet works (`DURATION`)")
	listen := fs.String("listen", "127.0.0.1:8630", "listen on `ADDR`")
	certFile := fs.String("tls-cert", "", "TLS certificate chain `FILE` (PEM)")
	keyFile := fs.String("tls-key", "", "TLS private key `FILE` (PEM)")
	registry := fs.String("registry", "", "anchor every credential in the registry at `URL` (default: config.json's registry, if any)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := required("data", *dir); err != nil {
		return err
	}
	if *offerTTL < time.Minute || *offerTTL > 24*time.Hour {
		return fmt.Errorf("--offer-ttl %s: give between 1m and 24h (a parent scans the offer at the desk)", *offerTTL)
	}
	if (*certFile == "") != (*keyFile == "") {
		return errors.New("give both --tls-cert and --tls-key, or neither")
	}
	useTLS := *certFile != ""
	if !useTLS && !isLoopback(*listen) {
		return fmt.Errorf("--listen %s: plain HTTP is only served on a loopback address (127.0.0.1, ::1, localhost); give --tls-cert and --tls-key to serve the network", *listen)
	}
	var tlsCfg *tls.Config
	if useTLS {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	if _, err := os.Stat(filepath.Join(*dir, service.ConfigFileName)); err != nil {
		return fmt.Errorf("%s is not a clinic data folder: run issuer init --data %s first", *dir, *dir)
	}
	pass, err := prompt.Passphrase(false)
	if err != nil {
		return err
	}
	svc, err := service.Open(*dir, pass, service.Options{Registry: *registry})
	if err != nil {
		return err
	}
	defer svc.Close()
	logger := slog.New(slog.NewJSONHandler(c.stderr, nil))
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := web.NewHTTPServer(web.New(svc, web.Options{Logger: logger, Metrics: metrics, Secure: useTLS, Delivery: service.DeliverySettings{OfferTTL: *offerTTL}}).Handler(), logger)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	anch, _ := svc.Anchoring()
	logger.Info("issuer serving", "listen", ln.Addr().String(), "tls", useTLS, "data", *dir, "iss", svc.Config().Issuer, "kid", svc.KID(), "registry", anch.Registry)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	logger.Info("stopped", "err", err)
	return err
}

// token is `issuer token create|list|revoke --data DIR`: EMR API tokens
// managed from the command line (the server must be stopped: it holds the
// database).
func (c *cli) token(args []string) error {
	if len(args) == 0 {
		return errors.New("want create, list or revoke")
	}
	fs := c.flags("token " + args[0])
	dir := fs.String("data", "", "the clinic's data folder `DIR`")
	name := fs.String("name", "", "the token's `NAME` (which EMR uses it)")
	var scopes multi
	fs.Var(&scopes, "scope", "a `SCOPE` of the token (repeat): "+strings.Join(service.Scopes, ", "))
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if err := required("data", *dir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*dir, service.ConfigFileName)); err != nil {
		return fmt.Errorf("%s is not a clinic data folder: run issuer init --data %s first", *dir, *dir)
	}
	pass, err := prompt.Passphrase(false)
	if err != nil {
		return err
	}
	svc, err := service.Open(*dir, pass, service.Options{})
	if err != nil {
		return err
	}
	defer svc.Close()
	switch args[0] {
	case "create":
		secret, t, err := svc.CreateToken("cli", *name, scopes)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "token %s (%s, scopes %s) created; it is shown once:\n", t.ID, t.Name, strings.Join(t.Scopes, " "))
		fmt.Fprintln(c.stdout, secret)
	case "list":
		toks, err := svc.Tokens()
		if err != nil {
			return err
		}
		for _, t := range toks {
			state := "active"
			if !t.Revoked.IsZero() {
				state = "revoked " + t.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(c.stdout, "%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, " "), state)
		}
	case "revoke":
		if len(pos) != 1 {
			return errors.New("token revoke: give the token's id")
		}
		if err := svc.RevokeToken("cli", pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "token %s revoked\n", pos[0])
	default:
		return fmt.Errorf("unknown token command %q: want create, list or revoke", args[0])
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/verifier/web"
)

// webFlags are the trust files a web app site carries: the policy first
// (bundles are checked with it), then trust files, then status lists, in
// the order given.
type webFlags struct {
	policy        *string
	trust, status multi
}

func (w *webFlags) register(fs *flag.FlagSet) {
	w.policy = fs.String("policy", "", "trust policy `FILE` that checks registry bundles")
	fs.Var(&w.trust, "trust", "trust `FILE` for the page: "+trustForms+" (repeatable)")
	fs.Var(&w.status, "status", "status list `FILE` for the page (repeatable)")
}

// options reads the trust files and the WebAssembly: built into the binary
// by make build, or from $IMMUNOPASS_VERIFIER_WASM (a folder with
// verifier.wasm and wasm_exec.js, for development and tests).
func (w *webFlags) options() (web.Options, error) {
	var o web.Options
	var err error
	if dir := os.Getenv("IMMUNOPASS_VERIFIER_WASM"); dir != "" {
		if o.WASM, err = os.ReadFile(filepath.Join(dir, "verifier.wasm")); err == nil {
			o.WASMExec, err = os.ReadFile(filepath.Join(dir, "wasm_exec.js"))
		}
	} else {
		o.WASM, o.WASMExec, err = web.Built()
	}
	if err != nil {
		return o, err
	}
	var names []string
	if *w.policy != "" {
		names = append(names, *w.policy)
	}
	names = append(append(names, w.trust...), w.status...)
	for _, n := range names {
		data, err := readFile(n)
		if err != nil {
			return o, err
		}
		o.Trust = append(o.Trust, web.File{Name: filepath.Base(n), Data: data})
	}
	return o, nil
}

const serveUsage = `usage:
  verifier serve [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--policy FILE] [--trust FILE]... [--status FILE]...
  verifier web export --out DIR [--policy FILE] [--trust FILE]... [--status FILE]...

serve runs the offline web verifier for phones and desks: the page reads QR
codes with the camera (getUserMedia), a keyboard-wedge scanner, a pasted text
or a picture, and verifies them in the browser with this verifier compiled to
WebAssembly, against the trust files given here (copied into the page; a
service worker keeps them for use with no network). Plain HTTP only on a
loopback address: browsers give the camera to https:// pages and localhost.
web export writes the same site as a static folder for any web server or a
USB stick (serve .wasm as application/wasm).
`

// serving are the web app server's limits: it takes no request bodies.
var serving = httpserver.Options{MaxBodyBytes: 1 << 10}

// serve runs the web app until SIGINT or SIGTERM.
func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verifier serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serveUsage) }
	listen := fs.String("listen", "127.0.0.1:8090", "`ADDR` to listen on")
	cert := fs.String("tls-cert", "", "TLS certificate `FILE` (PEM)")
	key := fs.String("tls-key", "", "TLS private key `FILE` (PEM)")
	var wf webFlags
	wf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "verifier serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if (*cert == "") != (*key == "") {
		fmt.Fprintln(stderr, "verifier serve: --tls-cert and --tls-key go together")
		return 2
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		fmt.Fprintf(stderr, "verifier serve: --listen %q: %v\n", *listen, err)
		return 2
	}
	if ip := net.ParseIP(host); *cert == "" && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(stderr, "verifier serve: %s is not a loopback address: give --tls-cert and --tls-key (browsers allow the camera only to https:// pages and localhost)\n", *listen)
		return 2
	}
	o, err := wf.options()
	if err != nil {
		fmt.Fprintf(stderr, "verifier serve: %v\n", err)
		return 2
	}
	h, err := web.Handler(o)
	if err != nil {
		fmt.Fprintf(stderr, "verifier serve: %v\n", err)
		return 2
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "verifier serve: %v\n", err)
		return 1
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	srv := httpserver.New(h, serving)
	scheme := "http"
	if *cert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "verifier: the web app is at %s://%s/ (%d trust files); Ctrl-C stops it\n", scheme, l.Addr(), len(o.Trust))
	errc := make(chan error, 1)
	go func() {
		if *cert != "" {
			errc <- srv.ServeTLS(l, *cert, *key)
		} else {
			errc <- srv.Serve(l)
		}
	}()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "verifier serve: %v\n", err)
		return 1
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "verifier serve: %v\n", err)
		return 1
	}
	return 0
}

// webCmd is `verifier web export`.
func webCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprint(stderr, serveUsage)
		return 2
	}
	fs := flag.NewFlagSet("verifier web export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serveUsage) }
	out := fs.String("out", "", "`DIR` to write the site into")
	var wf webFlags
	wf.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "verifier web export: --out DIR is required, and nothing else")
		return 2
	}
	o, err := wf.options()
	if err == nil {
		err = web.Export(*out, o)
	}
	if err != nil {
		fmt.Fprintf(stderr, "verifier web export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "verifier: the web app is in %s (%d trust files); serve .wasm as application/wasm\n", *out, len(o.Trust))
	return 0
}

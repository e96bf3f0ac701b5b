// Package httpservertest checks, against a running server, that it cuts
// slow and idle clients and marks every response nosniff. Each server's
// tests start it with [Short] options and call [CheckSlowClients] and
// [CheckNosniff].
package httpservertest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/internal/httpserver"
)

// Short are timeouts short enough for a test to wait them out.
var Short = httpserver.Options{
	ReadHeaderTimeout: 300 * time.Millisecond,
	ReadTimeout:       600 * time.Millisecond,
	WriteTimeout:      300 * time.Millisecond,
	IdleTimeout:       300 * time.Millisecond,
}

// Shorten returns o with Short's timeouts, keeping its limits: a server's
// own options, made quick to test.
func Shorten(o httpserver.Options) httpserver.Options {
	o.ReadHeaderTimeout, o.ReadTimeout = Short.ReadHeaderTimeout, Short.ReadTimeout
	o.WriteTimeout, o.IdleTimeout = Short.WriteTimeout, Short.IdleTimeout
	return o
}

// Serve serves srv on a loopback port until the test ends and returns its
// address.
func Serve(t testing.TB, srv *http.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// Within is how long CheckSlowClients lets a client hold a connection to a
// server started with Short before it fails the test.
const Within = 2500 * time.Millisecond

// CheckSlowClients requires the server at addr (host:port) to close, within
// Within, each of: a connection whose headers arrive one byte every 50 ms
// (slowloris), a POST to postPath whose body arrives one byte every 50 ms,
// and a keep-alive connection left idle after a GET of getPath.
func CheckSlowClients(t testing.TB, addr, getPath, postPath string) {
	t.Helper()
	if d, ok := cut(addr, "GET "+getPath+" HTTP/1.1\r\nHost: test\r\nX-Slow: ", 'a'); !ok {
		t.Errorf("a client sending its headers at 20 bytes/s still held its connection after %v", d)
	}
	post := "POST " + postPath + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
	if d, ok := cut(addr, post, 'x'); !ok {
		t.Errorf("a client sending a POST body at 20 bytes/s still held its connection after %v", d)
	}
	if d, ok := cut(addr, "GET "+getPath+" HTTP/1.1\r\nHost: test\r\n\r\n", 0); !ok {
		t.Errorf("an idle keep-alive connection was still open after %v", d)
	}
}

// cut writes first, then one trickle byte every 50 ms (none if trickle is
// 0), and reports how long the server kept the connection and whether it
// closed it within Within.
func cut(addr, first string, trickle byte) (time.Duration, bool) {
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, false
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(closed)
	}()
	if _, err := io.WriteString(c, first); err != nil {
		return time.Since(start), true
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(Within)
	for {
		select {
		case <-closed:
			return time.Since(start), true
		case <-deadline:
			return time.Since(start), false
		case <-tick.C:
			if trickle != 0 {
				if _, err := c.Write([]byte{trickle}); err != nil {
					return time.Since(start), true
				}
			}
		}
	}
}

// CheckNosniff requires X-Content-Type-Options: nosniff on the answers to
// GETs of paths (include one that does not exist, for the 404) and to a
// POST of a malformed body to postPath (an error answer).
func CheckNosniff(t testing.TB, base, postPath string, paths ...string) {
	t.Helper()
	check := func(what string, resp *http.Response, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: %s with X-Content-Type-Options %q, want \"nosniff\"", what, resp.Status, got)
		}
	}
	for _, p := range paths {
		resp, err := http.Get(base + p)
		check("GET "+p, resp, err)
	}
	resp, err := http.Post(base+postPath, "application/json", strings.NewReader("{not json"))
	check(fmt.Sprintf("POST %s (malformed)", postPath), resp, err)
}

package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/internal/httpserver/httpservertest"
)

const bigSize = 16 << 20 // beyond loopback socket buffers, so writes block on a stalled reader

func demo() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if !bytes.HasPrefix(b, []byte("{")) || !bytes.HasSuffix(b, []byte("}")) {
			http.Error(w, "not json", http.StatusBadRequest)
			return
		}
		w.Write(b)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("t"), 64<<10)
		for sent := 0; sent < bigSize; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	return mux
}

func start(t *testing.T, o httpserver.Options) (addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(demo(), o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserver.Serve(ctx, srv, ln, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func TestSlowAndIdleClientsAreCut(t *testing.T) {
	t.Parallel()
	addr := start(t, httpservertest.Short)
	httpservertest.CheckSlowClients(t, addr, "/hello", "/echo")
}

// The check itself fails against a server with only ReadHeaderTimeout (the
// witness server before this package): a test that cannot fail proves
// nothing.
func TestCheckCatchesAnUnboundedServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: demo(), ReadHeaderTimeout: 300 * time.Millisecond}
	go srv.Serve(ln)
	defer srv.Close()
	rec := &recorder{TB: t}
	httpservertest.CheckSlowClients(rec, ln.Addr().String(), "/hello", "/echo")
	if len(rec.errs) != 2 || !strings.Contains(rec.errs[0], "POST body") || !strings.Contains(rec.errs[1], "idle") {
		t.Fatalf("the check reported %q, want the slow POST and the idle connection", rec.errs)
	}
}

type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, strings.TrimSpace(strings.ReplaceAll(format, "%v", "")))
}
func (r *recorder) Helper() {}

func TestNosniffOnEveryResponse(t *testing.T) {
	t.Parallel()
	addr := start(t, httpservertest.Short)
	httpservertest.CheckNosniff(t, "http://"+addr, "/echo", "/hello", "/no-such-page")
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	o := httpservertest.Short
	o.MaxBodyBytes = 1000
	addr := start(t, o)
	body := "{" + strings.Repeat(" ", 998) + "}"
	resp, err := http.Post("http://"+addr+"/echo", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a body at the limit: %s", resp.Status)
	}
	resp, err = http.Post("http://"+addr+"/echo", "application/json", strings.NewReader(body+" "))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body one byte over the limit: %s, want 413", resp.Status)
	}
}

// A large answer to a client that keeps reading is not cut, however long it
// takes in all; a client that stops reading is.
func TestWriteTimeoutFollowsProgress(t *testing.T) {
	t.Parallel()
	// 1.5 s per 64 KiB written, against a reader taking about 3 s in all:
	// past the write timeout (a fixed write deadline would cut it), with room for the reader to be descheduled
	// for a while on a loaded machine (CI runs packages side by side; at
	// 300 ms a steady reader was cut there).
	o := httpservertest.Short
	o.WriteTimeout = 1500 * time.Millisecond
	addr := start(t, o)
	get := func(c net.Conn) {
		io.WriteString(c, "GET /big HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
	}

	steady, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer steady.Close()
	steady.(*net.TCPConn).SetReadBuffer(64 << 10)
	get(steady)
	began := time.Now()
	n := 0
	buf := make([]byte, 256<<10)
	for {
		time.Sleep(45 * time.Millisecond) // ≈ 5.5 MiB/s at most: 16 MiB take ≥ 2.9 s
		m, err := io.ReadFull(steady, buf)
		n += m
		if err != nil {
			break
		}
	}
	took := time.Since(began)
	if n < bigSize {
		t.Fatalf("a client reading steadily got %d bytes of %d in %v", n, bigSize, took)
	}
	if took <= o.WriteTimeout {
		t.Fatalf("the steady reader took %v, not over the write timeout: the test proves nothing", took)
	}
	t.Logf("%d bytes in %v to a steady reader with a %v write timeout", n, took, o.WriteTimeout)

	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.(*net.TCPConn).SetReadBuffer(64 << 10)
	get(stalled)
	time.Sleep(3 * o.WriteTimeout)
	stalled.SetReadDeadline(time.Now().Add(httpservertest.Within))
	got, err := io.Copy(io.Discard, stalled)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a client that stopped reading for %v still had its connection open", 3*o.WriteTimeout)
	}
	if got >= bigSize {
		t.Fatalf("a client that stopped reading for %v got the whole answer (%d bytes)", 3*o.WriteTimeout, got)
	}
}

func TestServeShutsDownOnCancel(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserver.Serve(ctx, httpserver.New(demo(), httpserver.Options{}), ln, time.Second) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
}

func TestDefaults(t *testing.T) {
	srv := httpserver.New(http.NotFoundHandler(), httpserver.Options{})
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("a zero Options left a limit unset: %+v", srv)
	}
}

// An upload that takes longer than the write timeout (but within the read
// timeout) still gets its answer, even one without a body: the write
// deadline starts when the answer does, not when the request did.
func TestAnswerAfterSlowUpload(t *testing.T) {
	t.Parallel()
	addr := start(t, httpservertest.Short) // read 600 ms, write 300 ms
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 9\r\n\r\n")
	for range 9 {
		time.Sleep(50 * time.Millisecond)
		c.Write([]byte("x"))
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer after a 450 ms upload: %v", err)
	}
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("got %s %v", resp.Status, resp.Header)
	}
}

// Package httpserver builds every HTTP server of ImmunoPass (registry,
// witness, the test registries, and the issuer and verifier servers to
// come) the same way, so that none is left open to slow or idle clients.
//
// # What a server built by New does
//
//   - It waits at most ReadHeaderTimeout for a request's headers (a
//     slowloris client sending a header line now and then is cut), at most
//     ReadTimeout for the whole request including its body (a 1 byte/s
//     POST is cut), and at most IdleTimeout for the next request on a
//     keep-alive connection.
//   - Writes are bounded by progress, not by the size of the answer: every
//     WriteChunk bytes of a response must be handed to the network within
//     WriteTimeout. A client that stops reading is cut; a large tile or
//     trust bundle going out over a slow link is not (at the defaults it
//     may go as slowly as about 2 KiB/s).
//   - Request bodies beyond MaxBodyBytes fail the handler's read (and close
//     the connection); headers are capped at MaxHeaderBytes.
//   - Every response a handler writes, errors and 404s included, carries
//     X-Content-Type-Options: nosniff. The only responses without it are
//     the ones net/http writes itself to malformed requests (400, 431),
//     which are plain text and close the connection.
package httpserver

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"time"
)

// Defaults, used for every zero field of Options.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = time.Minute
	DefaultWriteTimeout      = 30 * time.Second
	DefaultWriteChunk        = 64 << 10
	DefaultIdleTimeout       = time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxBodyBytes      = 1 << 20
)

// Options tune a server; a zero field takes its default.
type Options struct {
	ReadHeaderTimeout time.Duration // headers of one request
	ReadTimeout       time.Duration // one whole request, body included
	// WriteTimeout bounds the handler's time to its first WriteChunk
	// bytes and each further WriteChunk bytes of the response.
	WriteTimeout   time.Duration
	WriteChunk     int
	IdleTimeout    time.Duration // between requests on a keep-alive connection
	MaxHeaderBytes int
	MaxBodyBytes   int64
	ErrorLog       *log.Logger // nil: the log package's standard logger
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	if o.WriteChunk <= 0 {
		o.WriteChunk = DefaultWriteChunk
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return o
}

// New returns a server for h with every timeout and limit set, and h
// wrapped by Wrap.
func New(h http.Handler, o Options) *http.Server {
	o = o.withDefaults()
	return &http.Server{
		Handler:           Wrap(h, o),
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		ErrorLog:          o.ErrorLog,
	}
}

// Wrap adds what New adds in front of a handler: nosniff on every
// response, the body limit, and the write-progress deadline.
func Wrap(h http.Handler, o Options) http.Handler {
	o = o.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, o.MaxBodyBytes)
		}
		pw := &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), step: o.WriteTimeout, chunk: o.WriteChunk}
		h.ServeHTTP(pw, r)
		// What the handler left buffered (or only its header, after a
		// long upload) goes out after it returns: give that its own step.
		pw.extend()
	})
}

// progressWriter moves the connection's write deadline forward before each
// chunk it writes, so a response may take as long as it needs while the
// client keeps reading.
type progressWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	step  time.Duration
	chunk int
}

// extend moves the write deadline to one step from now. Not every
// ResponseWriter supports deadlines (httptest's recorder does not); the
// server-wide WriteTimeout then holds.
func (p *progressWriter) extend() { _ = p.rc.SetWriteDeadline(time.Now().Add(p.step)) }

func (p *progressWriter) WriteHeader(code int) {
	p.extend()
	p.ResponseWriter.WriteHeader(code)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		c := b[:min(len(b), p.chunk)]
		p.extend()
		m, err := p.ResponseWriter.Write(c)
		n += m
		if err != nil {
			return n, err
		}
		b = b[len(c):]
	}
	return n, nil
}

// Flush sends what is buffered, if the underlying writer can.
func (p *progressWriter) Flush() {
	p.extend()
	_ = p.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (p *progressWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// Serve serves srv on ln until ctx is done, then shuts it down, giving
// requests in flight up to grace to finish before their connections are
// closed. It returns nil after a shutdown and Serve's error otherwise.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		err = srv.Shutdown(sctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = srv.Close()
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

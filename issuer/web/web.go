// Package web is the clinic service's HTTP edge: the staff pages (sign in,
// users, API tokens, audit log), the EMR API (/api/v1, FHIR
// OperationOutcome errors, described by /openapi.json), /healthz and
// Prometheus /metrics. The logic is in issuer/service.
//
// # Security
//
// Every route has a body limit (http.MaxBytesReader) and the server has
// read, header, write and idle timeouts (NewHTTPServer). Staff sign in with
// a password; their session cookie is HttpOnly, SameSite=Strict and Secure
// whenever the server speaks TLS (the service refuses plain HTTP except on
// loopback). Every form carries a CSRF token tied to the session (the
// sign-in form: to a cookie, by HMAC). The EMR uses bearer API tokens,
// each with scopes.
package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"github.com/immunopass/immunopass/internal/httpserver"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/immunopass/immunopass/issuer/service"
)

// Body limits.
const (
	MaxFormBody = 64 << 10
	MaxAPIBody  = service.MaxRecordSize
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.json
var openAPI []byte

// Options configure a Server.
type Options struct {
	Logger  *slog.Logger
	Metrics *prometheus.Registry // nil: a new one
	// Secure marks cookies Secure and uses the __Host- cookie prefix; set it
	// whenever the server speaks TLS.
	Secure bool
	// Delivery tunes OpenID4VCI offers (oid4vci.go).
	Delivery service.DeliverySettings
}

// Server serves the clinic service.
type Server struct {
	svc      *service.Service
	log      *slog.Logger
	metrics  *prometheus.Registry
	secure   bool
	loginKey []byte                        // HMAC key of the sign-in form's CSRF token
	tmpl     *template.Template            // English
	tmpls    map[string]*template.Template // by language (i18n.go)
	mux      *http.ServeMux
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	issued   prometheus.Counter
	logins   *prometheus.CounterVec
	routes   []Route
	batches  *batchStore       // campaign jobs (batch.go)
	delivery *service.Delivery // OpenID4VCI (nil when off): campaign offers use it too
}

// Route is one registered route.
type Route struct {
	Method, Path string
	MaxBody      int64
}

// New makes a Server over an open service.
func New(svc *service.Service, o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = prometheus.NewRegistry()
	}
	s := &Server{svc: svc, log: o.Logger, metrics: o.Metrics, secure: o.Secure, loginKey: make([]byte, 32), mux: http.NewServeMux()}
	rand.Read(s.loginKey)
	s.parseTemplates(template.FuncMap{
		"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"list": func(v ...string) []string { return v },
	})
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "issuer_http_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "issuer_http_request_duration_seconds", Help: "HTTP request duration by route.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	s.issued = prometheus.NewCounter(prometheus.CounterOpts{Name: "issuer_records_issued_total", Help: "Records issued (each as a SMART Health Card and its SD-JWT VCs)."})
	s.logins = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "issuer_logins_total", Help: "Staff sign-in attempts by outcome."}, []string{"outcome"})
	for _, c := range []prometheus.Collector{s.requests, s.duration, s.issued, s.logins} {
		s.metrics.MustRegister(c)
	}
	s.register()
	s.oid4vciRoutes(o.Delivery)
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Routes lists the registered routes.
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) register() {
	static, _ := fs.Sub(staticFS, "static")
	staticFiles := http.StripPrefix("/static/", http.FileServerFS(static))
	s.handle("GET /healthz", 0, s.healthz)
	s.handle("GET /metrics", 0, promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}).ServeHTTP)
	s.handle("GET /openapi.json", 0, s.openapi)
	s.handle("GET /static/", 0, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		staticFiles.ServeHTTP(w, r)
	})
	s.handle("GET "+service.JWKSPath, 0, s.jwks)
	s.handle("GET "+service.CRLPath+"{file}", 0, s.crl)
	s.handle("GET "+service.StatusPath, 0, s.statusList)
	s.handle("GET /login", 0, s.loginPage)
	s.handle("POST /login", MaxFormBody, s.login)
	s.handle("POST /logout", MaxFormBody, s.staff(service.RoleNurse, s.logout))
	s.handle("GET /{$}", 0, s.staff(service.RoleNurse, s.home))
	s.handle("GET /records/new", 0, s.staff(service.RoleNurse, s.newRecordPage))
	s.handle("POST /records", MaxFormBody, s.staff(service.RoleNurse, s.createRecord))
	s.handle("GET /records/{id}", 0, s.staff(service.RoleNurse, s.recordPage))
	s.handle("POST /records/{id}/revoke", MaxFormBody, s.staff(service.RoleAdmin, s.revokeRecord))
	s.handle("GET /admin/users", 0, s.staff(service.RoleAdmin, s.usersPage))
	s.handle("POST /admin/users", MaxFormBody, s.staff(service.RoleAdmin, s.createUser))
	s.handle("POST /admin/users/{user}/{action}", MaxFormBody, s.staff(service.RoleAdmin, s.changeUser))
	s.handle("GET /admin/tokens", 0, s.staff(service.RoleAdmin, s.tokensPage))
	s.handle("POST /admin/tokens", MaxFormBody, s.staff(service.RoleAdmin, s.createToken))
	s.handle("POST /admin/tokens/{id}/revoke", MaxFormBody, s.staff(service.RoleAdmin, s.revokeToken))
	s.handle("GET /admin/audit", 0, s.staff(service.RoleAdmin, s.auditPage))
	s.handle("POST /api/v1/records", MaxAPIBody, s.api(service.ScopeRecordsWrite, s.apiIssue))
	s.handle("GET /api/v1/records", 0, s.api(service.ScopeRecordsRead, s.apiList))
	s.handle("GET /api/v1/records/{id}", 0, s.api(service.ScopeRecordsRead, s.apiGet))
	s.handle("POST /api/v1/records/{id}/revoke", MaxFormBody, s.api(service.ScopeRecordsRevoke, s.apiRevoke))
	s.registerStaffWeb() // patients, printouts, campaign batches (staffweb.go)
	s.registerFHIROps()
}

// statusWriter records the status code for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	code       int
	lang, back string // the page's language and its URL for the language switch (i18n.go)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// handle registers a route with its body limit (0: no body accepted),
// security headers, metrics and a log line.
func (s *Server) handle(pattern string, maxBody int64, h http.HandlerFunc) {
	method, path, _ := cutSpace(pattern)
	s.routes = append(s.routes, Route{Method: method, Path: path, MaxBody: maxBody})
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, lang: s.pickLang(w, r), back: backURL(r)}
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		if s.secure {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if r.ContentLength > maxBody {
			s.tooLarge(sw, r, maxBody)
		} else {
			r.Body = http.MaxBytesReader(sw, r.Body, max(maxBody, 1))
			h(sw, r)
		}
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		s.requests.WithLabelValues(pattern, strconv.Itoa(sw.code)).Inc()
		s.duration.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "route", pattern, "code", sw.code, "ms", time.Since(start).Milliseconds())
	})
}

func cutSpace(p string) (string, string, bool) {
	for i := range len(p) {
		if p[i] == ' ' {
			return p[:i], p[i+1:], true
		}
	}
	return "", p, false
}

func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	msg := "the request body is larger than " + strconv.FormatInt(limit, 10) + " bytes"
	if limit == 0 {
		msg = "this route takes no request body"
	}
	if isAPI(r) {
		outcome(w, http.StatusRequestEntityTooLarge, "too-long", "", msg)
		return
	}
	s.staffError(w, http.StatusRequestEntityTooLarge, msg)
}

func isAPI(r *http.Request) bool { return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/" }

// isTooLarge reports an error from reading past a MaxBytesReader.
func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.svc.Ping(); err != nil {
		s.log.Error("health check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

// clientAddr is the peer's IP address (no proxy header is trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) loginCSRF(nonce string) string {
	m := hmac.New(sha256.New, s.loginKey)
	m.Write([]byte("login\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// NewHTTPServer wraps a handler in an http.Server with every timeout set.
func NewHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return httpserver.New(h, Serving(logger))
}

// Serving are the server's limits (internal/httpserver: header, request,
// write-progress and idle timeouts, nosniff everywhere); each route also has
// its own, smaller body limit.
func Serving(logger *slog.Logger) httpserver.Options {
	o := httpserver.Options{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		MaxHeaderBytes:    32 << 10,
		MaxBodyBytes:      max(MaxAPIBody, MaxFormBody, MaxBatchBody),
	}
	if logger != nil {
		o.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	}
	return o
}

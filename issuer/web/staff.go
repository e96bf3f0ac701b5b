package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/immunopass/immunopass/issuer/service"
)

type sessionKey struct{}

type staffSession struct {
	id string
	*service.Session
}

func (s *Server) cookieName(base string) string {
	if s.secure {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(w http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(base), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

// page is what every template gets.
type page struct {
	Title  string
	User   string
	Role   string
	Admin  bool
	CSRF   string
	Error  string
	Notice string
	Data   any
	Lang   string     // set by render
	Dir    string     // "ltr" or "rtl"
	Langs  []langLink // the language switch
}

func (s *Server) render(w http.ResponseWriter, code int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	tmpl := s.localize(w, &p)
	w.WriteHeader(code)
	if err := tmpl.ExecuteTemplate(w, name, p); err != nil {
		s.log.Error("template", "name", name, "err", err)
	}
}

func (s *Server) pageFor(r *http.Request, title string) page {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	return page{Title: title, User: ss.User, Role: ss.Role, Admin: ss.Role == service.RoleAdmin, CSRF: ss.CSRF}
}

func (s *Server) staffError(w http.ResponseWriter, code int, msg string) {
	s.render(w, code, "error", page{Title: http.StatusText(code), Error: msg})
}

// staff requires a signed-in session with role (an administrator may do
// what a nurse does) and, for anything but GET, the session's CSRF token
// in the form field "csrf".
func (s *Server) staff(role string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.cookieName("session"))
		var sess *service.Session
		if err == nil {
			sess, err = s.svc.Session(c.Value)
		}
		if err != nil {
			if !errors.Is(err, service.ErrNoSession) && !errors.Is(err, http.ErrNoCookie) {
				s.log.Error("session", "err", err)
				s.staffError(w, http.StatusInternalServerError, "the session store failed; try again")
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			s.staffError(w, http.StatusUnauthorized, "you are not signed in, or your session is over: sign in again")
			return
		}
		// Refusals keep the staff member's header (navigation, sign out).
		refuse := func(msg string) {
			s.render(w, http.StatusForbidden, "error", page{Title: "Not allowed", Error: msg,
				User: sess.User, Role: sess.Role, Admin: sess.Role == service.RoleAdmin, CSRF: sess.CSRF})
		}
		if role == service.RoleAdmin && sess.Role != service.RoleAdmin {
			refuse("this page is for administrators only")
			return
		}
		if r.Method != http.MethodGet {
			if err := r.ParseForm(); err != nil {
				s.formError(w, err)
				return
			}
			if !sess.CheckCSRF(r.PostForm.Get("csrf")) {
				refuse("the form's security token is missing or wrong: reload the page and try again")
				return
			}
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, &staffSession{id: c.Value, Session: sess})
		h(w, r.WithContext(ctx))
	}
}

func (s *Server) formError(w http.ResponseWriter, err error) {
	if isTooLarge(err) {
		s.staffError(w, http.StatusRequestEntityTooLarge, "the form is too large")
		return
	}
	s.staffError(w, http.StatusBadRequest, "the form could not be read")
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	nonce := randomString()
	s.setCookie(w, "login", nonce, 3600)
	s.render(w, http.StatusOK, "login", page{Title: "Sign in", CSRF: s.loginCSRF(nonce)})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, err)
		return
	}
	c, err := r.Cookie(s.cookieName("login"))
	if err != nil || !hmacEqual(r.PostForm.Get("csrf"), s.loginCSRF(c.Value)) {
		s.logins.WithLabelValues("csrf").Inc()
		s.staffError(w, http.StatusForbidden, "the sign-in form's security token is missing or wrong: reload the page and try again")
		return
	}
	user := strings.TrimSpace(r.PostForm.Get("user"))
	id, _, err := s.svc.Login(clientAddr(r), user, r.PostForm.Get("password"))
	again := func(code int, msg string) {
		nonce := randomString()
		s.setCookie(w, "login", nonce, 3600)
		s.render(w, code, "login", page{Title: "Sign in", CSRF: s.loginCSRF(nonce), Error: msg, Data: user})
	}
	switch {
	case err == nil:
		s.logins.WithLabelValues("ok").Inc()
		s.setCookie(w, "login", "", -1)
		s.setCookie(w, "session", id, int(service.SessionLifetime/time.Second))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	case errors.Is(err, service.ErrBadCredentials):
		s.logins.WithLabelValues("bad").Inc()
		again(http.StatusUnauthorized, "Wrong user name or password.")
	case errors.Is(err, service.ErrLocked):
		s.logins.WithLabelValues("locked").Inc()
		again(http.StatusLocked, "This account is locked after too many failed sign-ins. Try again in 15 minutes, or ask an administrator.")
	case errors.Is(err, service.ErrRateLimited):
		s.logins.WithLabelValues("rate-limited").Inc()
		w.Header().Set("Retry-After", "60")
		again(http.StatusTooManyRequests, "Too many sign-in attempts from this device. Wait a minute, then try again.")
	default:
		s.log.Error("login", "err", err)
		again(http.StatusInternalServerError, "Signing in failed because of a server problem. Try again.")
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	if err := s.svc.Logout(ss.id); err != nil {
		s.log.Error("logout", "err", err)
	}
	s.setCookie(w, "session", "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := s.pageFor(r, "Ledger")
	q := r.URL.Query()
	data := ledgerData{Patient: q.Get("patient"), Status: q.Get("status"), Since: q.Get("since"), Until: q.Get("until")}
	f, ie := parseFilter(q)
	code := http.StatusOK
	if ie != nil {
		p.Error, code = "Search: "+ie.Error(), http.StatusBadRequest
	} else {
		f.Limit = 100
		entries, err := s.svc.Find(f)
		if err != nil {
			s.log.Error("ledger", "err", err)
			p.Error = "the ledger could not be read"
		}
		data.Entries = entries
	}
	if st, err := s.svc.Anchoring(); err != nil {
		s.log.Error("anchoring status", "err", err)
	} else {
		data.Anchoring = &st
	}
	p.Data = data
	s.render(w, code, "home", p)
}

type ledgerData struct {
	Patient, Status, Since, Until string
	Entries                       []service.Entry
	// Anchoring is the registry sender's state (nil if it could not be
	// read): the desk sees when credentials wait for the registry.
	Anchoring *service.AnchoringStatus
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, "", "")
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, code int, errMsg, notice string) {
	p := s.pageFor(r, "Users")
	accts, err := s.svc.Accounts()
	if err != nil {
		s.log.Error("accounts", "err", err)
		errMsg = "the accounts could not be read"
	}
	p.Data, p.Error, p.Notice = accts, errMsg, notice
	s.render(w, code, "users", p)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	f := r.PostForm
	user := strings.TrimSpace(f.Get("user"))
	err := s.svc.CreateAccount(ss.User, user, f.Get("password"), f.Get("role"))
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, service.ErrExists) {
			code = http.StatusConflict
		}
		s.renderUsers(w, r, code, err.Error(), "")
		return
	}
	s.renderUsers(w, r, http.StatusCreated, "", "Account "+user+" created.")
}

// changeUser unlocks, disables or enables an account.
func (s *Server) changeUser(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	user, action := r.PathValue("user"), r.PathValue("action")
	var err error
	switch action {
	case "unlock":
		err = s.svc.Unlock(ss.User, user)
	case "disable":
		err = s.svc.SetDisabled(ss.User, user, true)
	case "enable":
		err = s.svc.SetDisabled(ss.User, user, false)
	default:
		s.staffError(w, http.StatusNotFound, "unknown account action "+action+": want unlock, disable or enable")
		return
	}
	switch {
	case errors.Is(err, service.ErrNotFound):
		s.renderUsers(w, r, http.StatusNotFound, err.Error(), "")
	case err != nil:
		s.renderUsers(w, r, http.StatusBadRequest, err.Error(), "")
	default:
		s.renderUsers(w, r, http.StatusOK, "", "Account "+user+": "+action+"d.")
	}
}

type tokensData struct {
	Tokens []service.Token
	Scopes []string
	Secret string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, "", "", "")
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, code int, errMsg, notice, secret string) {
	p := s.pageFor(r, "API tokens")
	toks, err := s.svc.Tokens()
	if err != nil {
		s.log.Error("tokens", "err", err)
		errMsg = "the tokens could not be read"
	}
	p.Data, p.Error, p.Notice = tokensData{Tokens: toks, Scopes: service.Scopes, Secret: secret}, errMsg, notice
	s.render(w, code, "tokens", p)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	secret, t, err := s.svc.CreateToken(ss.User, r.PostForm.Get("name"), r.PostForm["scope"])
	if err != nil {
		s.renderTokens(w, r, http.StatusBadRequest, err.Error(), "", "")
		return
	}
	s.renderTokens(w, r, http.StatusCreated, "", "Token "+t.ID+" created. Copy it now: it is not shown again.", secret)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	ss := r.Context().Value(sessionKey{}).(*staffSession)
	id := r.PathValue("id")
	if err := s.svc.RevokeToken(ss.User, id); err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, service.ErrNotFound) {
			code = http.StatusNotFound
		}
		s.renderTokens(w, r, code, err.Error(), "", "")
		return
	}
	s.renderTokens(w, r, http.StatusOK, "", "Token "+id+" revoked.", "")
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	p := s.pageFor(r, "Audit log")
	entries, err := s.svc.Audit(0, 0)
	if err != nil {
		s.log.Error("audit", "err", err)
		p.Error = "the audit log could not be read"
	} else if _, err := service.VerifyAudit(entries); err != nil {
		p.Error = "The audit log's hash chain is broken: " + err.Error()
	}
	// newest first, at most 500
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	if len(entries) > 500 {
		entries = entries[:500]
	}
	p.Data = entries
	s.render(w, http.StatusOK, "audit", p)
}

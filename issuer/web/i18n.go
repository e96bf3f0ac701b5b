package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// The staff pages speak English, French and Arabic (right to left: the
// page gets dir="rtl" and the style sheet uses logical properties only).
// Templates write {{T "English text"}}; the catalog (i18n_catalog.go) maps
// the English text to the other languages, and a test checks that every
// text of the templates is translated. Messages made in Go (errors,
// notices) go through T too: the fixed ones are in the catalog, the ones
// with names or numbers in them stay in English.

// Languages of the staff pages, the first is the default.
var Languages = []struct{ Code, Name string }{{"en", "English"}, {"fr", "Français"}, {"ar", "العربية"}}

// langLink is one entry of the language switch.
type langLink struct {
	Code, Name, URL string
	Current         bool
}

func knownLang(code string) bool {
	for _, l := range Languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// translate looks a text up for a language; unknown texts stay as they are.
// A message that starts with a known text followed by a value
// (`in the future "2031-03-10"`, `before birth date 2015-01-01`) gets that
// part translated and keeps the value.
func translate(lang, text string) string {
	c := catalog[lang]
	if t, ok := c[text]; ok && t != "" {
		return t
	}
	if c == nil || len(text) > 300 {
		return text
	}
	best := ""
	for k := range c {
		if len(k) > len(best) && len(k) >= 6 && len(text) > len(k) && strings.HasPrefix(text, k) && strings.ContainsRune(" \":(", rune(text[len(k)])) {
			best = k
		}
	}
	if best != "" {
		return c[best] + text[len(best):]
	}
	return text
}

// parseTemplates parses the templates once per language, each with its
// own T.
func (s *Server) parseTemplates(funcs template.FuncMap) {
	s.tmpls = map[string]*template.Template{}
	for _, l := range Languages {
		lang := l.Code
		fm := template.FuncMap{
			"T": func(text string, args ...any) string {
				t := translate(lang, text)
				if len(args) > 0 {
					t = fmt.Sprintf(t, args...)
				}
				return t
			},
			"inc":           func(i int) int { return i + 1 },
			"vaccineGroups": vaccineGroups,
			"anchoring":     anchoring,
		}
		for k, v := range funcs {
			fm[k] = v
		}
		s.tmpls[lang] = template.Must(template.New("").Funcs(fm).ParseFS(templateFS, "templates/*.html"))
	}
	s.tmpl = s.tmpls["en"]
}

// pickLang chooses the page's language: ?lang= (remembered in a cookie for
// a year), else the cookie, else the browser's Accept-Language, else
// English.
func (s *Server) pickLang(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); knownLang(q) {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
		return q
	}
	if c, err := r.Cookie("lang"); err == nil && knownLang(c.Value) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if knownLang(base) {
			return base
		}
	}
	return "en"
}

// backURL is where the language switch leads: the same page for a GET,
// the ledger after a form (a POST's answer cannot be fetched again).
func backURL(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/"
	}
	return r.URL.Path + "?" + r.URL.RawQuery
}

// localize fills the page's language fields and returns its templates.
func (s *Server) localize(w http.ResponseWriter, p *page) *template.Template {
	lang, back := "en", "/"
	if sw, ok := w.(*statusWriter); ok {
		if sw.lang != "" {
			lang = sw.lang
		}
		back = sw.back
	}
	p.Lang, p.Dir = lang, "ltr"
	if lang == "ar" {
		p.Dir = "rtl"
	}
	u, err := url.Parse(back)
	if err != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		u = &url.URL{Path: "/"}
	}
	p.Langs = nil
	for _, l := range Languages {
		q := u.Query()
		q.Set("lang", l.Code)
		link := url.URL{Path: u.Path, RawQuery: q.Encode()}
		p.Langs = append(p.Langs, langLink{Code: l.Code, Name: l.Name, URL: link.String(), Current: l.Code == lang})
	}
	if t := s.tmpls[lang]; t != nil {
		return t
	}
	return s.tmpl
}

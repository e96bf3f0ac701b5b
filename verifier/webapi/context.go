package webapi

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/immunopass/immunopass/credential/policy"
	"github.com/immunopass/immunopass/verifier"
)

// The context policy in force on the page: like `verifier verify
// --context`, the rules are the loaded trust bundle's when it carries some
// (`registry rules post`), else the shipped ones. The page picks a context
// by name (remembered in its localStorage) and the language of the rules'
// words; every verdict then carries the context's answer (Result.Policy).

// Context sources, as ContextList.From says them.
const (
	FromBundle  = "bundle"
	FromShipped = "shipped"
)

// ContextChoice is one context the page offers.
type ContextChoice struct {
	Name  string `json:"name"`
	Title string `json:"title"` // in the language asked for
}

// ContextList is what ContextsJSON answers.
type ContextList struct {
	From     string          `json:"from"`
	Contexts []ContextChoice `json:"contexts"`
	// Error says why the bundle's rules cannot be used (none are then).
	Error string `json:"error,omitempty"`
}

// LanguageError is a language the rules are not described in.
type LanguageError struct{ Lang string }

func (e *LanguageError) Error() string {
	return fmt.Sprintf("language %q: the rules are described in en, fr and ar", e.Lang)
}

func checkLang(lang string) error {
	switch lang {
	case "en", "fr", "ar":
		return nil
	}
	return &LanguageError{Lang: lang}
}

// contexts returns the context policies in force; a.mu is held.
func (a *App) contexts() (*policy.Set, string, error) {
	if a.ctxSet != nil || a.ctxErr != nil {
		return a.ctxSet, a.ctxFrom, a.ctxErr
	}
	if data := a.trust.Policies(); data != nil {
		a.ctxSet, a.ctxErr = policy.Parse(data)
		a.ctxFrom = FromBundle
	} else {
		a.ctxSet, a.ctxErr = policy.Shipped()
		a.ctxFrom = FromShipped
	}
	return a.ctxSet, a.ctxFrom, a.ctxErr
}

// ContextsJSON lists the contexts in force with their titles in lang.
func (a *App) ContextsJSON(lang string) []byte {
	if checkLang(lang) != nil {
		lang = "en"
	}
	a.mu.Lock()
	set, from, err := a.contexts()
	a.mu.Unlock()
	out := ContextList{From: from, Contexts: []ContextChoice{}}
	if err != nil {
		out.Error = err.Error()
	}
	if set != nil {
		for _, c := range set.Contexts {
			out.Contexts = append(out.Contexts, ContextChoice{Name: c.Name, Title: c.TitleIn(lang)})
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// SetContext chooses the context every verdict answers ("" for none) and
// the language of its rules' words. An unknown name is a
// *policy.UnknownContextError, an unknown language a *LanguageError; the
// choice is then left as it was.
func (a *App) SetContext(name, lang string) error {
	if err := checkLang(lang); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if name != "" {
		set, _, err := a.contexts()
		if err != nil {
			return err
		}
		if _, err := set.Lookup(name); err != nil {
			return err
		}
	}
	a.ctxName, a.lang = name, lang
	return nil
}

// context is the chosen context, nil when none; problem says why a chosen
// one cannot be answered (the trust loaded since no longer holds it). a.mu
// is held.
func (a *App) context() (c *policy.Context, problem string) {
	if a.ctxName == "" {
		return nil, ""
	}
	set, _, err := a.contexts()
	if err != nil {
		return nil, err.Error()
	}
	c, err = set.Lookup(a.ctxName)
	if err != nil {
		return nil, err.Error()
	}
	return c, ""
}

// meetsFrom is Outcome.MeetsFrom: nil when no result only needs time.
func meetsFrom(rs []verifier.Result, c *policy.Context, at time.Time) []string {
	var out []string
	for i, r := range rs {
		if r.Policy == nil || r.Policy.Result != policy.Fails {
			continue
		}
		if day, ok := verifier.MeetsFrom(r, c, at); ok {
			if out == nil {
				out = make([]string, len(rs))
			}
			out[i] = day.Format(time.DateOnly)
		}
	}
	return out
}

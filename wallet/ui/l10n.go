package ui

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/immunopass/immunopass/assets/i18n"
)

// current is the language the translations were loaded for: Fyne's lang
// package is process-wide and cannot switch at run time, so neither can this.
var current = "en"

// Language returns the code of the language in use ("en", "fr" or "ar").
func Language() string { return current }

// SetupLanguage loads the embedded translations into Fyne's lang package and
// selects pref ("en", "fr", "ar"), or the system's language when pref is ""
// or unknown. Call it once, before building any screen: Fyne 2.7 picks the
// language when translations are added and offers no way to change it later,
// which is why the settings screen asks for a restart.
func SetupLanguage(pref string) string {
	if slices.Contains(i18n.Languages(), pref) {
		// go-locale reads LANGUAGE unless LC_ALL, LC_MESSAGES or LANG is
		// "C"/"POSIX"; only this process's environment changes.
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			if v := os.Getenv(k); v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
				os.Unsetenv(k)
			}
		}
		os.Setenv("LANGUAGE", pref)
	}
	for _, code := range i18n.Languages() {
		if err := lang.AddTranslationsForLocale(i18n.File(code), fyne.Locale(code)); err != nil {
			fyne.LogError("translations "+code, err)
		}
	}
	current = "en"
	if sys := lang.SystemLocale().LanguageString(); slices.Contains(i18n.Languages(), sys) {
		current = sys
	}
	return current
}

var monthNames = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"fr": {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
	"ar": {"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
}

// formatDate writes a calendar date the way the current language does:
// "12 Apr 2016", "12 avr. 2016", "١٢ أبريل ٢٠١٦". The zero time is "—".
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	m := monthNames[current]
	if m[0] == "" {
		m = monthNames["en"]
	}
	return digits(strconv.Itoa(t.Day())) + " " + m[t.Month()-1] + " " + digits(strconv.Itoa(t.Year()))
}

// formatDateTime adds the local time of day (24-hour clock) to formatDate.
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.Local()
	return formatDate(t) + " " + digits(t.Format("15:04"))
}

// formatInt groups thousands the way the current language does: 1,000 in
// English, 1 000 in French (narrow no-break space), ١٬٠٠٠ in Arabic.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := map[string]string{"fr": "\u202f", "ar": "٬"}[current]
	if sep == "" {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	out := digits(b.String())
	if neg {
		out = "-" + out
	}
	return out
}

// digits turns ASCII digits into the current language's digits (Arabic-Indic
// for Arabic).
func digits(s string) string {
	if current != "ar" {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

package ui

import (
	"embed"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/immunopass/immunopass/verifier/station"
)

// The verifier app's own translations, keyed by the English text passed to
// lang.L: they are separate from the wallet's (assets/i18n), since the two
// apps are separate processes and share almost no sentence.
//
//go:embed i18n/*.json
var translations embed.FS

// current is the language the translations were loaded for: Fyne's lang
// package is process-wide and cannot switch at run time, so neither can
// this (the settings screen says a change applies at the next start).
var current = "en"

// Language returns the code of the language in use ("en", "fr" or "ar").
func Language() string { return current }

// SetupLanguage loads the translations into Fyne's lang package and selects
// pref ("en", "fr", "ar"), or the system's language when pref is "" or
// unknown. Call it once, before New.
func SetupLanguage(pref string) string {
	if slices.Contains(station.Languages, pref) {
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			if v := os.Getenv(k); v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
				os.Unsetenv(k)
			}
		}
		os.Setenv("LANGUAGE", pref)
	}
	for _, code := range station.Languages {
		data, err := translations.ReadFile("i18n/" + code + ".json")
		if err == nil {
			err = lang.AddTranslationsForLocale(data, fyne.Locale(code))
		}
		if err != nil {
			fyne.LogError("translations "+code, err)
		}
	}
	current = "en"
	if sys := lang.SystemLocale().LanguageString(); slices.Contains(station.Languages, sys) {
		current = sys
	}
	return current
}

var monthNames = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"fr": {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
	"ar": {"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
}

// formatDate writes a credential's date ("2016-04-12", or a partial
// "2016-04" or "2016") the way the current language does: "12 Apr 2016",
// "12 avr. 2016", "١٢ أبريل ٢٠١٦". Text that is not such a date is
// returned as it came.
func formatDate(s string) string {
	m := monthNames[current]
	if m[0] == "" {
		m = monthNames["en"]
	}
	for _, layout := range []string{time.DateOnly, "2006-01", "2006"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		switch layout {
		case time.DateOnly:
			return digits(strconv.Itoa(t.Day())) + " " + m[t.Month()-1] + " " + digits(strconv.Itoa(t.Year()))
		case "2006-01":
			return m[t.Month()-1] + " " + digits(strconv.Itoa(t.Year()))
		default:
			return digits(strconv.Itoa(t.Year()))
		}
	}
	return s
}

// digits turns ASCII digits into the current language's digits
// (Arabic-Indic for Arabic).
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

// count writes n in the current language's digits.
func count(n int) string { return digits(strconv.Itoa(n)) }

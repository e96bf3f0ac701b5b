// Package i18n holds the wallet's translations, embedded: one go-i18n JSON
// file per language (en.json, fr.json, ar.json), keyed by the English text
// the code passes to Fyne's lang.L. It has no code beyond the accessors, so
// that it stays free of Fyne (package wallet/ui loads the files into Fyne's
// lang package).
//
// # Files
//
//   - en.json: English, the source language; a key missing from another
//     file falls back to it.
//   - fr.json: French.
//   - ar.json: Arabic (shaped by Fyne; Fyne 2.7 lays it out left to right).
//
// A test in wallet/ui checks that every string the UI passes to lang.L has an
// entry in each file, and that templates use the same fields.
package i18n

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Languages returns the language codes that have a translation file, sorted
// ("ar", "en", "fr").
func Languages() []string {
	ents, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range ents {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// File returns the translation file for a language code, or nil.
func File(lang string) []byte {
	b, err := files.ReadFile(lang + ".json")
	if err != nil {
		return nil
	}
	return b
}

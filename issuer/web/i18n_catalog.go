package web

// catalog: English text → translation, per language.
var catalog = map[string]map[string]string{"fr": {}, "ar": {}}

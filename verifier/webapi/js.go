//go:build js && wasm

package webapi

import "syscall/js"

// ExportContexts adds the context functions to the page's immunopass
// object (cmd/verifier-wasm):
//
//	contexts(lang string) → JSON ContextList {"from", "contexts": [{name, title}], "error"}
//	setContext(name, lang string) → "" or an error message ("" name: none)
func ExportContexts(app *App, obj js.Value) {
	obj.Set("contexts", js.FuncOf(func(_ js.Value, a []js.Value) any {
		lang := "en"
		if len(a) == 1 {
			lang = a[0].String()
		}
		return string(app.ContextsJSON(lang))
	}))
	obj.Set("setContext", js.FuncOf(func(_ js.Value, a []js.Value) any {
		if len(a) != 2 {
			return "setContext(name, lang)"
		}
		if err := app.SetContext(a[0].String(), a[1].String()); err != nil {
			return err.Error()
		}
		return ""
	}))
}

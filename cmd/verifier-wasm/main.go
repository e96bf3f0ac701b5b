//go:build js && wasm

// Command verifier-wasm is the verifier compiled to WebAssembly for the
// offline web app (verifier/web): the page hands it camera frames, scanner
// keystrokes and trust files, and it decodes and verifies on the device.
// Nothing leaves the page.
//
// It sets globalThis.immunopass to an object with:
//
//	loadTrust(name string, data Uint8Array) → "" or an error message
//	  a trust policy (policy.json), a registry bundle (after the policy),
//	  a VCI snapshot, DSC certificates, a GDHCN list, or a status list
//	scanFrame(rgba Uint8ClampedArray, width, height) → the QR text, or ""
//	  (a camera frame: the decoder's cheap steps within webapi.FrameBudget)
//	scanPicture(rgba, width, height) → the same for a picture (whole ladder)
//	submit(text string) → JSON {"progress", "layout", "results": [Result…]}
//	  one scanned, typed or pasted code: repaired for the keyboard layout,
//	  SHC chunks collected until complete, then verified
//	warm() → verifies built-in test credentials once, so that the first
//	  real verdict is as quick as the next (webapi.App.Warm)
//	trust() → JSON {"issuers", "dscs", "bundleTime", "warnings"}
//	reset() → drops collected chunks
package main

import (
	"image"
	"syscall/js"

	"github.com/immunopass/immunopass/verifier/webapi"
)

func main() {
	app := webapi.New()
	obj := js.Global().Get("Object").New()
	obj.Set("loadTrust", js.FuncOf(func(_ js.Value, a []js.Value) any {
		if len(a) != 2 {
			return "loadTrust(name, bytes)"
		}
		if err := app.LoadTrust(a[0].String(), bytesOf(a[1])); err != nil {
			return err.Error()
		}
		return ""
	}))
	obj.Set("scanFrame", js.FuncOf(func(_ js.Value, a []js.Value) any {
		if img := rgba(a); img != nil {
			return app.ScanFrame(img)
		}
		return ""
	}))
	obj.Set("scanPicture", js.FuncOf(func(_ js.Value, a []js.Value) any {
		if img := rgba(a); img != nil {
			return app.ScanPicture(img)
		}
		return ""
	}))
	obj.Set("submit", js.FuncOf(func(_ js.Value, a []js.Value) any {
		if len(a) != 1 {
			return `{"error":"submit(text)"}`
		}
		return string(app.Submit(a[0].String()))
	}))
	obj.Set("warm", js.FuncOf(func(js.Value, []js.Value) any { app.Warm(); return nil }))
	obj.Set("trust", js.FuncOf(func(js.Value, []js.Value) any { return string(app.TrustJSON()) }))
	obj.Set("reset", js.FuncOf(func(js.Value, []js.Value) any { app.Reset(); return nil }))
	webapi.ExportContexts(app, obj) // contexts(lang), setContext(name, lang)
	js.Global().Set("immunopass", obj)
	if cb := js.Global().Get("immunopassReady"); cb.Type() == js.TypeFunction {
		cb.Invoke()
	}
	select {}
}

// rgba is the ImageData (pixels, width, height) a page hands over.
func rgba(a []js.Value) *image.RGBA {
	if len(a) != 3 {
		return nil
	}
	w, h := a[1].Int(), a[2].Int()
	if w <= 0 || h <= 0 || w > 8192 || h > 8192 || a[0].Get("length").Int() != 4*w*h {
		return nil
	}
	return &image.RGBA{Pix: bytesOf(a[0]), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

func bytesOf(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

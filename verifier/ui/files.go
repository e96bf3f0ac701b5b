package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// fileOpener asks which file to open; the headless tests replace it (Fyne's
// file dialog needs a real folder browser). cb gets nil, nil on cancel.
type fileOpener func(win fyne.Window, exts []string, cb func(fyne.URIReadCloser, error))

func dialogOpen(win fyne.Window, exts []string, cb func(fyne.URIReadCloser, error)) {
	d := dialog.NewFileOpen(cb, win)
	if len(exts) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

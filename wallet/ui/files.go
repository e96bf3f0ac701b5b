package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// fileSaver asks where to save a file; fileOpener which file to open. The
// headless tests replace them (Fyne's file dialogs need a real folder
// browser); cb gets nil, nil when the user cancels.
type (
	fileSaver  func(win fyne.Window, name string, exts []string, cb func(fyne.URIWriteCloser, error))
	fileOpener func(win fyne.Window, exts []string, cb func(fyne.URIReadCloser, error))
)

func dialogSave(win fyne.Window, name string, exts []string, cb func(fyne.URIWriteCloser, error)) {
	d := dialog.NewFileSave(cb, win)
	d.SetFileName(name)
	if len(exts) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

func dialogOpen(win fyne.Window, exts []string, cb func(fyne.URIReadCloser, error)) {
	d := dialog.NewFileOpen(cb, win)
	if len(exts) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

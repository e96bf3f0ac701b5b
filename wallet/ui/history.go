package ui

import (
	"bytes"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/immunopass/immunopass/wallet"
)

// historyScreen lists every presentation made from this device, newest
// first; entries can be exported (CSV, JSON) and deleted.
func (u *UI) historyScreen() fyne.CanvasObject {
	hs, err := u.w.History()
	exportCSV := newButtonIcon(lang.L("Export CSV…"), theme.DocumentSaveIcon(), func() { u.exportHistory("csv") })
	exportJSON := newButtonIcon(lang.L("Export JSON…"), theme.DocumentSaveIcon(), func() { u.exportHistory("json") })
	clear := newButtonIcon(lang.L("Delete all"), theme.DeleteIcon(), func() {
		d := dialog.NewConfirm(lang.L("Delete the whole history?"), lang.L("This cannot be undone."), func(ok bool) {
			if ok {
				u.do(u.w.DeleteHistory(), func() { u.showSection(SectionHistory) })
			}
		}, u.win)
		d.SetConfirmText(lang.L("Delete"))
		d.SetDismissText(lang.L("Cancel"))
		d.Show()
	})
	clear.Importance = widget.DangerImportance
	top := container.NewVBox(heading(lang.L("History")),
		para(lang.L("Every code you showed, kept only on this device.")),
		container.NewHBox(exportCSV, exportJSON, clear))
	if err != nil {
		return container.NewBorder(top, nil, nil, nil, para(explain(err)))
	}
	if len(hs) == 0 {
		exportCSV.Disable()
		exportJSON.Disable()
		clear.Disable()
		return container.NewBorder(top, nil, nil, nil, para(lang.L("Nothing presented yet.")))
	}
	box := container.NewVBox()
	for _, h := range hs {
		box.Add(u.historyRow(h))
		box.Add(widget.NewSeparator())
	}
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(box))
}

func (u *UI) historyRow(h wallet.HistoryEntry) fyne.CanvasObject {
	title := labelStyle(formatDateTime(h.At)+" · "+h.Person, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	var parts []string
	if h.To != "" {
		parts = append(parts, lang.L("for {{.To}}", map[string]any{"To": h.To}))
	}
	if h.Purpose != "" {
		parts = append(parts, lang.X("preset."+h.Purpose, h.Purpose))
	}
	parts = append(parts, modeText(h.Mode))
	parts = append(parts, lang.N("{{.Count}} item disclosed", len(h.Claims), map[string]any{"Count": formatInt(len(h.Claims))}))
	parts = append(parts, lang.N("{{.Count}} item withheld", h.Withheld, map[string]any{"Count": formatInt(h.Withheld)}))
	info := para(joinDot(parts))
	id := h.ID
	del := newButtonIcon(lang.L("Delete"), theme.DeleteIcon(), func() {
		u.do(u.w.DeleteHistory(id), func() { u.showSection(SectionHistory) })
	})
	return container.NewBorder(nil, nil, nil, del, container.NewVBox(title, info))
}

func (u *UI) exportHistory(format string) {
	u.touch()
	u.saveFile(u.win, "immunopass-history."+format, []string{"." + format}, func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		var buf bytes.Buffer
		if err := u.w.ExportHistory(&buf, format); err != nil {
			w.Close()
			u.showError(err)
			return
		}
		_, err = w.Write(buf.Bytes())
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		u.do(err, nil)
	})
}

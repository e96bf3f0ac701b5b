package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// captureField is where a keyboard-wedge scanner types: a focusable box
// that shows whether it is ready, never the text it receives (a credential
// is not for the room to read). Every character goes to onRune, Enter to
// onRune('\n'), Ctrl+V (⌘V) to onPaste. The UI gives the focus back to it
// whenever it is lost on the scan and verdict screens.
type captureField struct {
	widget.BaseWidget
	focused   bool
	onRune    func(rune)
	onPaste   func()
	onBlurred func()
	box       *canvas.Rectangle
	text      *widget.Label
	icon      *widget.Icon
}

func newCaptureField(onRune func(rune), onPaste func(), onBlurred func()) *captureField {
	c := &captureField{onRune: onRune, onPaste: onPaste, onBlurred: onBlurred}
	c.ExtendBaseWidget(c)
	return c
}

func (c *captureField) CreateRenderer() fyne.WidgetRenderer {
	c.box = canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	c.box.StrokeWidth = 3
	c.box.CornerRadius = theme.InputRadiusSize()
	c.text = label("")
	c.text.Alignment = fyne.TextAlignCenter
	c.text.TextStyle.Bold = true
	c.icon = widget.NewIcon(theme.SearchIcon())
	c.refresh()
	content := container.NewPadded(container.NewHBox(c.icon, c.text))
	return widget.NewSimpleRenderer(container.NewStack(c.box, container.NewCenter(content)))
}

// refresh shows the focus state: a thick primary border and "Ready" when
// the scanner's characters will arrive here.
func (c *captureField) refresh() {
	if c.box == nil {
		return
	}
	if c.focused {
		c.box.StrokeColor = theme.Color(theme.ColorNamePrimary)
		setLabel(c.text, tr("Ready: scan a code now"))
	} else {
		c.box.StrokeColor = theme.Color(theme.ColorNameDisabled)
		setLabel(c.text, tr("Click here before scanning"))
	}
	c.box.Refresh()
}

func (c *captureField) MinSize() fyne.Size {
	m := c.BaseWidget.MinSize()
	return fyne.NewSize(max(m.Width, 420), max(m.Height, 72))
}

// Tapped takes the focus (a click on the field).
func (c *captureField) Tapped(*fyne.PointEvent) {
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c); cv != nil {
		cv.Focus(c)
	}
}

func (c *captureField) FocusGained() { c.focused = true; c.refresh() }

func (c *captureField) FocusLost() {
	c.focused = false
	c.refresh()
	if c.onBlurred != nil {
		c.onBlurred()
	}
}

func (c *captureField) TypedRune(r rune) { c.onRune(r) }

func (c *captureField) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		c.onRune('\n')
	}
}

// TypedShortcut handles paste; every other shortcut is ignored.
func (c *captureField) TypedShortcut(s fyne.Shortcut) {
	if _, ok := s.(*fyne.ShortcutPaste); ok && c.onPaste != nil {
		c.onPaste()
	}
}

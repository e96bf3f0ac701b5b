package main

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// screenSize asks GLFW (which Fyne's desktop driver initialises the same
// way a moment later; a second glfw.Init does nothing) for the primary
// monitor's size in Fyne's units: pixels over the monitor's content scale.
// Zero when there is no display.
func screenSize() fyne.Size {
	if err := glfw.Init(); err != nil {
		return fyne.Size{}
	}
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	vm := m.GetVideoMode()
	if vm == nil {
		return fyne.Size{}
	}
	sx, _ := m.GetContentScale()
	if sx <= 0 {
		sx = 1
	}
	return fyne.NewSize(float32(vm.Width)/sx, float32(vm.Height)/sx)
}

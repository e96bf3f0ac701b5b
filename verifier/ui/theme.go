package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// appTheme is Fyne's default theme with the variant forced (or left to the
// system) and status colours dark enough for white text (light variant) or
// light enough for black text (dark variant): the verdict band is read from
// across a desk. The colours are the wallet's (wallet/ui/theme.go).
type appTheme struct{ variant string } // "", "light" or "dark"

var (
	brandLight = color.NRGBA{R: 0x00, G: 0x69, B: 0x5c, A: 0xff}
	brandDark  = color.NRGBA{R: 0x4d, G: 0xd0, B: 0xc0, A: 0xff}
	// Status colours: ≥ 6:1 against white (light) or black (dark).
	statusLight = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameSuccess: color.NRGBA{R: 0x1b, G: 0x5e, B: 0x20, A: 0xff}, // green 900: 7.9:1 with white
		theme.ColorNameWarning: color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff}, // dark amber: 6.3:1
		theme.ColorNameError:   color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff}, // red 900: 6.6:1
	}
	statusDark = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameSuccess: color.NRGBA{R: 0x81, G: 0xc7, B: 0x84, A: 0xff}, // green 300: 11:1 with black
		theme.ColorNameWarning: color.NRGBA{R: 0xff, G: 0xb7, B: 0x4d, A: 0xff}, // orange 300
		theme.ColorNameError:   color.NRGBA{R: 0xef, G: 0x9a, B: 0x9a, A: 0xff}, // red 200
	}
)

func (t *appTheme) dark(v fyne.ThemeVariant) bool {
	switch t.variant {
	case "light":
		return false
	case "dark":
		return true
	}
	return v == theme.VariantDark
}

func (t *appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	dark := t.dark(v)
	if dark {
		v = theme.VariantDark
	} else {
		v = theme.VariantLight
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameFocus:
		c := brandLight
		if dark {
			c = brandDark
		}
		if n == theme.ColorNameFocus {
			c.A = 0x80
		}
		return c
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnSuccess,
		theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnWarning:
		if dark {
			return color.Black
		}
		return color.White
	case theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError:
		if dark {
			return statusDark[n]
		}
		return statusLight[n]
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t *appTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t *appTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *appTheme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }

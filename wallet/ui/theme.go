package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme choices stored in the preferences.
const (
	themeSystem = "system"
	themeLight  = "light"
	themeDark   = "dark"
)

// appTheme is Fyne's default theme with the user's variant forced (or left to
// the system) and text sizes multiplied for readability.
type appTheme struct {
	variant string  // themeSystem, themeLight or themeDark
	scale   float32 // text size factor, 1 = Fyne's default
}

var (
	brandLight = color.NRGBA{R: 0x00, G: 0x69, B: 0x5c, A: 0xff} // teal 800: 6.6:1 on white
	brandDark  = color.NRGBA{R: 0x4d, G: 0xd0, B: 0xc0, A: 0xff} // teal 300: 9.9:1 on the dark background
)

// Status colours with at least 4.5:1 contrast (WCAG AA) on the background of
// their variant.
var (
	statusLight = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameSuccess: color.NRGBA{R: 0x1b, G: 0x5e, B: 0x20, A: 0xff}, // green 900: 7.9:1 on white
		theme.ColorNameWarning: color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff}, // dark amber: 6.3:1
		theme.ColorNameError:   color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff}, // red 900: 6.6:1
	}
	statusDark = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameSuccess: color.NRGBA{R: 0x81, G: 0xc7, B: 0x84, A: 0xff}, // green 300
		theme.ColorNameWarning: color.NRGBA{R: 0xff, G: 0xb7, B: 0x4d, A: 0xff}, // orange 300
		theme.ColorNameError:   color.NRGBA{R: 0xef, G: 0x9a, B: 0x9a, A: 0xff}, // red 200
	}
)

func (t *appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch t.variant {
	case themeLight:
		v = theme.VariantLight
	case themeDark:
		v = theme.VariantDark
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameFocus:
		c := brandLight
		if v == theme.VariantDark {
			c = brandDark
		}
		if n == theme.ColorNameFocus {
			c.A = 0x80
		}
		return c
	case theme.ColorNameForegroundOnPrimary:
		if v == theme.VariantDark {
			return color.Black
		}
		return color.White
	case theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError:
		// Status words ("Done", "Overdue", "Revoked") are text: Fyne's
		// defaults (bright green, amber, red) fall below 4.5:1 on white.
		if v == theme.VariantDark {
			return statusDark[n]
		}
		return statusLight[n]
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t *appTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t *appTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *appTheme) Size(n fyne.ThemeSizeName) float32 {
	s := theme.DefaultTheme().Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
		theme.SizeNameCaptionText, theme.SizeNameInlineIcon:
		if t.scale > 0 {
			return s * t.scale
		}
	}
	return s
}

// Package ui is the wallet's Fyne user interface: the screens a family uses
// to keep, view, present and back up its vaccination records. Every decision
// about credentials is made by package wallet; this package only shows its
// results and asks the user.
//
// # Threads
//
// Slow work (unlocking with argon2id, decoding QR images, backups) runs off
// the UI thread; its result comes back through one bridge, async in
// bridge.go, which is the only code that calls fyne.Do (FyneApp.toml sets
// fyneDo = true, so Fyne checks this in development builds).
//
// # Languages
//
// Every string the user reads goes through Fyne's lang package; the
// translations (English, French, Arabic) are embedded from assets/i18n.
// Fyne 2.7 picks the language once, so changing it in the settings takes
// effect at the next start. Dates and numbers are written in the language's
// own way (month names, digit grouping, Arabic-Indic digits). Fyne 2.7 shapes
// Arabic text but lays every screen out left to right, and has no screen
// reader support; keyboard use is complete instead: Tab and Shift+Tab move
// through every control, Enter submits forms, Escape leaves the QR screen,
// and Ctrl+1…7 (⌘ on macOS) open the sections.
//
// # QR codes
//
// The QR screen always draws black modules on white with a white quiet zone,
// whatever the theme (a dark-mode inverted code defeats many scanners), at
// the largest square the window leaves, with nearest-neighbour scaling so
// the modules stay sharp. It asks the driver not to blank the screen while it
// is shown (Fyne 2.5+: Driver.SetDisableScreenBlanking; on Linux this is a
// D-Bus screensaver inhibit, on macOS and Windows the system call, and
// nothing on mobile yet).
package ui

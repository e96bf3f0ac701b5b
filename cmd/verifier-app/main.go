// Command verifier-app is the ImmunoPass verifier's desktop app (Fyne; the
// screens are in package verifier/ui).
//
//	verifier-app [--data DIR] [--screen scan|ask|trust|settings] [--ask CONTEXT] [--scan FILE] [--at RFC3339] [--exit-after DURATION] [--startup]
//
// --data is the app's data folder (settings, trust files, optional daily
// counts); it defaults to $IMMUNOPASS_VERIFIER_DATA, else immunopass-verifier
// in the user's config folder (~/.config/immunopass-verifier on Linux).
// For demos and screenshots: --screen opens a screen, --ask opens the Ask
// screen with a challenge for a context (e.g. yellow-fever), --scan verifies a file
// at start as if it had been dropped on the window, $IMMUNOPASS_LANG and
// $IMMUNOPASS_THEME override the language and theme for one run, and
// --exit-after quits; --at runs the app's clock from that instant (like
// `verifier verify --at`: to show how a stale trust bundle is reported). --startup prints the time from the process start to
// the first frame of the scan screen on standard error.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/verifier/station"
	"github.com/immunopass/immunopass/verifier/ui"
)

const appID = "org.immunopass.verifier"

var started = time.Now()

func main() {
	dir := flag.String("data", defaultDir(), "the app's data `DIR`")
	screen := flag.String("screen", "", "open `NAME` first: scan, ask, trust or settings (demos, screenshots)")
	ask := flag.String("ask", "", "open the Ask screen with a challenge for the context `NAME` (demos, screenshots)")
	scanFile := flag.String("scan", "", "verify `FILE` at start, as if dropped on the window")
	exitAfter := flag.Duration("exit-after", 0, "quit after `DURATION` (measurements, screenshots)")
	startup := flag.Bool("startup", false, "print the time to the first frame on standard error")
	at := flag.String("at", "", "run the clock from `RFC3339` (demos: a stale trust bundle)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "verifier-app: no arguments expected; see -h")
		os.Exit(2)
	}
	switch *screen {
	case "", ui.ScreenScan, ui.ScreenAsk, ui.ScreenTrust, ui.ScreenSettings:
	default:
		fmt.Fprintf(os.Stderr, "verifier-app: --screen %q is not one of scan, ask, trust, settings\n", *screen)
		os.Exit(2)
	}
	var offset time.Duration
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(os.Stderr, "verifier-app: --at %q is not an RFC 3339 time such as 2026-11-21T09:00:00Z\n", *at)
			os.Exit(2)
		}
		offset = time.Until(t)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "verifier-app:", err)
		os.Exit(1)
	}
	set, err := station.LoadSettings(*dir)
	if err != nil {
		// Start anyway on the defaults: a verifier must keep working. The
		// file is left as it is for the supervisor to look at.
		fmt.Fprintf(os.Stderr, "verifier-app: %v; using the default settings\n", err)
	}
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	language := set.Language
	if l := os.Getenv("IMMUNOPASS_LANG"); l != "" {
		language = l
	}
	ui.SetupLanguage(language)
	cfg := ui.Config{Dir: *dir, Settings: set, Screen: *screen, Theme: os.Getenv("IMMUNOPASS_THEME"), ExitAfter: *exitAfter}
	if offset != 0 {
		// An offset, not a fixed instant: scanner bursts are timed by it.
		cfg.Now = func() time.Time { return time.Now().Add(offset) }
	}
	if *startup {
		cfg.OnFirstFrame = func() {
			fmt.Fprintf(os.Stderr, "verifier-app: first frame after %d ms\n", time.Since(started).Milliseconds())
		}
	}
	u := ui.New(a, cfg)
	if *ask != "" {
		if err := u.AskFor(*ask); err != nil {
			fmt.Fprintf(os.Stderr, "verifier-app: --ask: %v\n", err)
			os.Exit(2)
		}
	}
	if *scanFile != "" {
		u.ScanFile(*scanFile)
	}
	u.Window().ShowAndRun()
}

func defaultDir() string {
	if d := os.Getenv("IMMUNOPASS_VERIFIER_DATA"); d != "" {
		return d
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "immunopass-verifier")
}

// Command wallet is the ImmunoPass wallet app (Fyne; the screens are in
// package wallet/ui).
//
//	wallet [--wallet FILE] [--screen NAME] [--exit-after DURATION] [openid-credential-offer://…]
//	wallet --seed DIR [--wallet FILE]
//
// A clinic's offer link as the argument (the deep link a desktop passes to
// the handler of openid-credential-offer:// links) opens "Receive from
// clinic" with it after unlocking.
// --wallet defaults to $IMMUNOPASS_WALLET, else wallet.db in the user's
// config folder (~/.config/immunopass on Linux). --seed fills a demo wallet
// from the credential and trust files in DIR and exits (see ui.SeedDemo).
// For demos and screenshots only, $IMMUNOPASS_WALLET_PASSPHRASE unlocks the
// wallet at start (and is the passphrase --seed uses), and --screen opens a
// screen after unlocking: people, person, due, holder, import, receive, present, qr,
// history, backup, settings, or unlock to stay on the unlock screen.
// $IMMUNOPASS_LANG and $IMMUNOPASS_THEME override the saved language and
// theme for one run.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/immunopass/immunopass/assets"
	"github.com/immunopass/immunopass/wallet"
	"github.com/immunopass/immunopass/wallet/ui"
)

const appID = "org.immunopass.wallet"

func main() {
	path := flag.String("wallet", defaultPath(), "the wallet `FILE`")
	screen := flag.String("screen", "", "open `NAME` after unlocking (demos, screenshots)")
	seed := flag.String("seed", "", "fill a demo wallet from the files in `DIR`, then exit")
	exitAfter := flag.Duration("exit-after", 0, "quit after `DURATION` (measurements, screenshots)")
	flag.Parse()
	offer := ""
	if flag.NArg() == 1 && strings.HasPrefix(strings.ToLower(flag.Arg(0)), "openid-credential-offer:") {
		offer = flag.Arg(0)
	} else if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "wallet: the only argument is a clinic's openid-credential-offer:// link; see -h")
		os.Exit(2)
	}
	pass := []byte(os.Getenv("IMMUNOPASS_WALLET_PASSPHRASE"))
	if err := os.MkdirAll(filepath.Dir(*path), 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "wallet:", err)
		os.Exit(1)
	}
	if *seed != "" {
		if len(pass) == 0 {
			fmt.Fprintln(os.Stderr, "wallet: --seed needs IMMUNOPASS_WALLET_PASSPHRASE")
			os.Exit(2)
		}
		n, err := ui.SeedDemo(*path, pass, *seed, wallet.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "wallet: seed:", err)
			os.Exit(1)
		}
		fmt.Printf("wallet: %s holds %d new credentials\n", *path, n)
		return
	}

	followGTKDarkTheme()
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	language := a.Preferences().String("language")
	if l := os.Getenv("IMMUNOPASS_LANG"); l != "" {
		language = l
	}
	ui.SetupLanguage(language)
	u := ui.New(a, ui.Config{Path: *path, Options: wallet.Options{}, Passphrase: pass, Screen: *screen, Offer: offer,
		Theme: os.Getenv("IMMUNOPASS_THEME"), ExitAfter: *exitAfter, ScreenSize: screenSize()})
	u.Window().ShowAndRun()
}

// followGTKDarkTheme makes the "system" theme follow a dark GTK theme
// (GTK_THEME=Adwaita:dark) when the desktop has no XDG settings portal,
// where Fyne would otherwise fall back to light. FYNE_THEME, when set,
// still wins.
func followGTKDarkTheme() {
	if os.Getenv("FYNE_THEME") != "" {
		return
	}
	g := strings.ToLower(os.Getenv("GTK_THEME"))
	if strings.HasSuffix(g, ":dark") || strings.HasSuffix(g, "-dark") {
		os.Setenv("FYNE_THEME", "dark")
	}
}

func defaultPath() string {
	if p := os.Getenv("IMMUNOPASS_WALLET"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "immunopass", "wallet.db")
}

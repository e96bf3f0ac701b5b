// Package prompt reads the passphrase that unlocks a role's key file, for the
// command-line tools: from IMMUNOPASS_PASSPHRASE when it is set (scripts,
// services, tests), else from the terminal without echo. It never prints or
// logs what it read.
package prompt

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// Env is the environment variable a passphrase may come from.
const Env = "IMMUNOPASS_PASSPHRASE"

// Passphrase returns the key passphrase. With confirm (a new key file), the
// terminal asks twice and the two must match. An empty or blank passphrase is
// refused.
func Passphrase(confirm bool) (string, error) {
	if p, ok := os.LookupEnv(Env); ok {
		if strings.TrimSpace(p) == "" {
			return "", errors.New(Env + " is set but empty")
		}
		return p, nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", errors.New("no passphrase: set " + Env + " or run in a terminal")
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return "", errors.New("no passphrase: set " + Env + " or run in a terminal")
	}
	fmt.Fprint(tty, "Key passphrase: ")
	p, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", err
	}
	if confirm {
		fmt.Fprint(tty, "Again: ")
		again, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return "", err
		}
		if string(again) != string(p) {
			return "", errors.New("the passphrases differ")
		}
	}
	if strings.TrimSpace(string(p)) == "" {
		return "", errors.New("empty passphrase")
	}
	return string(p), nil
}

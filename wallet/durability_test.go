package wallet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/immunopass/immunopass/wallet/store"
)

// The wallet durability test runs this test binary again as a wallet
// process that imports credentials through the real Import + Keep and writes
// backups with BackupFile, and SIGKILLs it at random moments — half of the
// runs aimed at imports, half at backups — at least walletKills times. After
// every kill it opens the wallet: every import the child acknowledged (Keep
// returned) is listed under its person, through the index too, with its
// exact text and verdict; and the backup under its final name reads and
// restores into a fresh wallet holding every import acknowledged before it.
// The store-level twin is wallet/store's TestDurability.

const (
	walletKills    = 100
	walletChildEnv = "IMMUNOPASS_WALLET_DURABILITY_CHILD" // dir
	walletModeEnv  = "IMMUNOPASS_WALLET_DURABILITY_MODE"  // "import" or "backup"
	walletCreds    = 1200                                 // credentials prepared for the children
)

var walletPass = []byte("durability passphrase")

func walletOptions() Options {
	return Options{Now: func() time.Time { return testNow }, Params: store.TestParams}
}

func TestWalletDurability(t *testing.T) {
	if dir := os.Getenv(walletChildEnv); dir != "" {
		walletChild(dir, os.Getenv(walletModeEnv) == "backup")
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("SIGKILL loop skipped in -short")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	// The parent sets the wallet up (trust, one person) and prepares the
	// credentials the children import: distinct SMART Health Cards.
	c := newClinic(t)
	w, err := Create(filepath.Join(dir, "wallet.db"), walletPass, walletOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddTrust("directory.json", c.snapshot); err != nil {
		t.Fatal(err)
	}
	prof, err := w.AddProfile(Profile{Given: "Amira", Family: "Haddad", BirthDate: mustDate("2016-04-12"), Country: "AE"})
	if err != nil {
		t.Fatal(err)
	}
	w.Lock()
	rec := demoRecord(t)
	texts := make([]string, walletCreds)
	for i := range texts {
		texts[i] = c.shc(t, rec)
	}
	if err := os.WriteFile(filepath.Join(dir, "creds.txt"), []byte(strings.Join(texts, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}

	acked := -1    // highest acknowledged import
	backedUp := -1 // imports acknowledged before the last acknowledged backup began
	killsImport, killsBackup, partial := 0, 0, 0
	// Aim each run at whichever phase has taken fewer kills, and go on
	// until both have their share (a kill aimed at one phase can land in
	// the other on a loaded machine), within a bound.
	for cycle := 0; (killsImport+killsBackup < walletKills || min(killsImport, killsBackup) < walletKills/4) && cycle < 3*walletKills; cycle++ {
		duringBackup := killsBackup < killsImport || (killsBackup == killsImport && cycle%2 == 1)
		mode := "import"
		if duringBackup {
			mode = "backup"
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestWalletDurability$")
		cmd.Env = append(os.Environ(), walletChildEnv+"="+dir, walletModeEnv+"="+mode)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 4096)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Aimed at backups, the kill comes during the first, second or
		// third backup of the run, so that some backups complete and are
		// checked too.
		aim, times, delay := "open", 1, time.Duration(rng.IntN(40_000))*time.Microsecond
		if duringBackup {
			aim, times, delay = "backup-begin", 1+rng.IntN(3), time.Duration(rng.IntN(3_000))*time.Microsecond
		}
		inBackup, pendingBackup := false, -1
		record := func(l string) {
			f := strings.Fields(l)
			switch f[0] {
			case "kept":
				n, _ := strconv.Atoi(f[1])
				acked = max(acked, n)
			case "backup-begin":
				inBackup, pendingBackup = true, acked
			case "backup":
				inBackup = false
				backedUp = max(backedUp, pendingBackup)
			}
		}
		timeout := time.After(20 * time.Second)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					cmd.Wait()
					t.Fatalf("cycle %d: child exited by itself: %s", cycle, stderr.String())
				}
				record(l)
				if strings.HasPrefix(l, aim) {
					if times--; times == 0 {
						break wait
					}
				}
			case <-timeout:
				cmd.Process.Kill()
				t.Fatalf("cycle %d: child never printed %q: %s", cycle, aim, stderr.String())
			}
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			record(l)
		}
		cmd.Wait()
		if inBackup {
			killsBackup++
			if ms, _ := filepath.Glob(filepath.Join(dir, ".wallet.age.tmp-*")); len(ms) > 0 {
				partial++
			}
		} else {
			killsImport++
		}
		checkWalletAfterKill(t, dir, cycle, texts, prof.ID, acked, backedUp)
	}
	t.Logf("%d kills: %d during imports, %d during backups (%d left a partial temporary, never the final name); %d imports acknowledged, the last acknowledged backup holds ≥ %d",
		killsImport+killsBackup, killsImport, killsBackup, partial, acked+1, backedUp+1)
	if killsImport < walletKills/4 || killsBackup < walletKills/4 {
		t.Errorf("kills not spread: %d during imports, %d during backups", killsImport, killsBackup)
	}
}

// walletChild imports the prepared credentials one by one (Import, then
// Keep) and, in backup mode, writes a backup after each, printing a line
// after each durable completion, until it is killed.
func walletChild(dir string, backups bool) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	data, err := os.ReadFile(filepath.Join(dir, "creds.txt"))
	if err != nil {
		fail(err)
	}
	texts := strings.Split(string(data), "\n")
	w, err := Open(filepath.Join(dir, "wallet.db"), walletPass, walletOptions())
	if err != nil {
		fail(err)
	}
	ps, err := w.Profiles()
	if err != nil || len(ps) != 1 {
		fail(fmt.Errorf("profiles %v: %v", ps, err))
	}
	held, err := w.Credentials(ps[0].ID)
	if err != nil {
		fail(err)
	}
	next := len(held)
	fmt.Println("open", next)
	backupPath := filepath.Join(dir, "wallet.age")
	for {
		if next < len(texts) {
			cands, err := w.Import(fmt.Sprintf("card-%d.txt", next), []byte(texts[next]))
			if err != nil {
				fail(err)
			}
			if len(cands) != 1 || cands[0].Status != StatusVerified || cands[0].Duplicate != "" {
				fail(fmt.Errorf("import %d: %+v", next, cands))
			}
			if _, err := w.Keep(cands[0], ps[0].ID); err != nil {
				fail(err)
			}
			fmt.Println("kept", next)
			next++
		}
		if backups || next >= len(texts) {
			fmt.Println("backup-begin")
			if err := w.backupFileWith(backupPath, walletPass, 2); err != nil {
				fail(err)
			}
			fmt.Println("backup")
		}
	}
}

// checkWalletAfterKill opens what the killed child left.
func checkWalletAfterKill(t *testing.T, dir string, cycle int, texts []string, profileID string, acked, backedUp int) {
	t.Helper()
	want := map[string]int{} // credential ID → import number
	for i, s := range texts {
		want[credentialID(s)] = i
	}
	// check lists a wallet's credentials: imports 0..n-1 exactly, intact.
	check := func(what string, w *Wallet, atLeast int) {
		t.Helper()
		all, err := w.Credentials("")
		if err != nil {
			t.Fatalf("cycle %d: %s: list: %v", cycle, what, err)
		}
		mine, err := w.Credentials(profileID)
		if err != nil {
			t.Fatalf("cycle %d: %s: list the person: %v", cycle, what, err)
		}
		if len(mine) != len(all) {
			t.Fatalf("cycle %d: %s: the index lists %d credentials, the store holds %d", cycle, what, len(mine), len(all))
		}
		seen := make([]bool, len(texts))
		for _, c := range all {
			i, ok := want[c.ID]
			if !ok || c.Text != texts[i] || c.ProfileID != profileID || c.Status != StatusVerified || len(c.Doses) == 0 {
				t.Fatalf("cycle %d: %s: credential %s is not an intact import (%d %v %q)", cycle, what, c.ID, i, ok, c.Status)
			}
			seen[i] = true
		}
		for i := 0; i <= atLeast; i++ {
			if !seen[i] {
				t.Fatalf("cycle %d: %s: acknowledged import %d is missing (%d held, %d acknowledged)", cycle, what, i, len(all), atLeast+1)
			}
		}
	}
	w, err := Open(filepath.Join(dir, "wallet.db"), walletPass, walletOptions())
	if err != nil {
		t.Fatalf("cycle %d: open after kill: %v", cycle, err)
	}
	check("wallet", w, acked)

	f, err := os.Open(filepath.Join(dir, "wallet.age"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if backedUp >= 0 {
			t.Fatalf("cycle %d: an acknowledged backup is gone", cycle)
		}
	case err != nil:
		t.Fatal(err)
	default:
		snap, err := w.ReadBackup(f, walletPass)
		f.Close()
		if err != nil {
			t.Fatalf("cycle %d: the backup under its final name does not read: %v", cycle, err)
		}
		fresh := newTestWallet(t, Options{})
		if err := fresh.Restore(snap, false); err != nil {
			t.Fatalf("cycle %d: restore: %v", cycle, err)
		}
		check("restored backup", fresh, backedUp)
	}
	if err := w.Lock(); err != nil {
		t.Fatal(err)
	}
}

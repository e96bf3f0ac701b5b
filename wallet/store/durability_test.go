package store_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
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

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/wallet/backup"
	"github.com/immunopass/immunopass/wallet/store"
)

// The durability test runs this test binary again as a "wallet process"
// that imports credentials and writes backups, and SIGKILLs it at random
// moments: during imports and during backups, at least durabilityKills times.
// After every kill it opens the store and checks that every import the child
// acknowledged is there and intact, that bbolt finds the file consistent, and
// that a backup under its final name is complete and restores.
//
// The child works at store level (store.Update with credential-sized values),
// not through wallet.Import: what is under test is that an acknowledged
// Update and a renamed backup survive a kill.

const (
	durabilityKills = 100
	childEnv        = "IMMUNOPASS_DURABILITY_CHILD"
	childModeEnv    = "IMMUNOPASS_DURABILITY_MODE" // "backup": back up after every import; else every 4th
	backupName      = "wallet.age"
	childStop       = 4000 // the child stops importing here, to keep backups small
)

var durabilityPass = []byte("durability passphrase")

// credentialValue is the deterministic content of import n: 1–3 KB, like a
// credential with its verification result.
func credentialValue(n int) []byte {
	size := 1000 + n*37%2000
	var out []byte
	seed := sha256.Sum256([]byte(strconv.Itoa(n)))
	for len(out) < size {
		out = append(out, seed[:]...)
		seed = sha256.Sum256(seed[:])
	}
	return out[:size]
}

func credID(n int) string { return fmt.Sprintf("c%06d", n) }

func TestDurability(t *testing.T) {
	if dir := os.Getenv(childEnv); dir != "" {
		durabilityChild(dir, os.Getenv(childModeEnv) == "backup")
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("SIGKILL loop skipped in -short")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	acked := -1           // highest acknowledged import
	ackedBackupCount := 0 // credentials in the last acknowledged backup
	killsDuringImport, killsDuringBackup := 0, 0
	// Aim each run at whichever phase has taken fewer kills, and go on
	// until both have their share (a kill aimed at one phase can land in
	// the other on a loaded machine), within a bound.
	for cycle := 0; (killsDuringImport+killsDuringBackup < durabilityKills || min(killsDuringImport, killsDuringBackup) < durabilityKills/4) && cycle < 3*durabilityKills; cycle++ {
		duringBackup := killsDuringBackup < killsDuringImport || (killsDuringBackup == killsDuringImport && cycle%2 == 1)
		cmd := exec.Command(os.Args[0], "-test.run=^TestDurability$")
		// Runs aimed at imports back up rarely, runs aimed at backups
		// after every import: under load a backup takes far longer than an
		// import, and a child that backs up every 4th import spends most of
		// its time (and so takes most kills) in backups.
		mode := "import"
		if duringBackup {
			mode = "backup"
		}
		cmd.Env = append(os.Environ(), childEnv+"="+dir, childModeEnv+"="+mode)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the moment to aim at, then kill after a random delay.
		// Aimed at backups, the kill comes during the first, second or
		// third backup of the run, so that some backups complete.
		aim, times := "open", 1
		delay := time.Duration(rng.IntN(30_000)) * time.Microsecond
		if duringBackup {
			aim, times = "backup-begin", 1+rng.IntN(3)
			delay = time.Duration(rng.IntN(4_000)) * time.Microsecond
		}
		var seen []string
		inBackup := false
		record := func(l string) {
			seen = append(seen, l)
			switch f := strings.Fields(l); f[0] {
			case "put":
				n, _ := strconv.Atoi(f[1])
				acked = max(acked, n)
			case "backup-begin":
				inBackup = true
			case "backup":
				n, _ := strconv.Atoi(f[1])
				ackedBackupCount = max(ackedBackupCount, n)
				inBackup = false
			}
		}
		timeout := time.After(20 * time.Second)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					cmd.Wait()
					t.Fatalf("child exited by itself: %s\nstdout: %q", stderr.String(), seen)
				}
				record(l)
				if strings.HasPrefix(l, aim) {
					if times--; times == 0 {
						break wait
					}
				}
			case <-timeout:
				cmd.Process.Kill()
				t.Fatalf("child never printed %q: %s", aim, stderr.String())
			}
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			record(l)
		}
		cmd.Wait()
		if inBackup {
			killsDuringBackup++
		} else {
			killsDuringImport++
		}
		checkAfterKill(t, dir, cycle, acked, ackedBackupCount)
	}
	partial, _ := filepath.Glob(filepath.Join(dir, "."+backupName+".tmp-*"))
	t.Logf("%d kills: %d during imports, %d during backups (%d left a partial backup, never under the final name); "+
		"%d imports acknowledged, last acknowledged backup held %d",
		killsDuringImport+killsDuringBackup, killsDuringImport, killsDuringBackup, len(partial), acked+1, ackedBackupCount)
	if killsDuringBackup < durabilityKills/4 || killsDuringImport < durabilityKills/4 {
		t.Errorf("kills not spread: %d during imports, %d during backups", killsDuringImport, killsDuringBackup)
	}
}

// durabilityChild is the wallet process: it imports and backs up until
// killed, printing a line after each durable completion.
func durabilityChild(dir string, everyImport bool) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	path := filepath.Join(dir, "wallet.db")
	s, err := store.OpenBolt(path, durabilityPass)
	if errors.Is(err, fs.ErrNotExist) {
		s, err = store.CreateBolt(path, durabilityPass, store.TestParams)
	}
	if err != nil {
		fail(err)
	}
	next := 0
	if err := s.View(func(tx store.Tx) error {
		return tx.ForEach("credential", func(string, []byte) error { next++; return nil })
	}); err != nil {
		fail(err)
	}
	fmt.Println("open", next)
	for i := 0; ; i++ {
		if next < childStop {
			n := next
			if err := s.Update(func(tx store.Tx) error {
				if err := tx.Put("credential", credID(n), credentialValue(n)); err != nil {
					return err
				}
				return tx.Put("history", credID(n), []byte("imported "+credID(n)))
			}); err != nil {
				fail(err)
			}
			next++
			fmt.Println("put", n)
		}
		if everyImport || i%64 == 63 || next >= childStop {
			fmt.Println("backup-begin")
			if err := backup.WriteFile(filepath.Join(dir, backupName), durabilityPass, s, backup.Options{WorkFactor: 2}); err != nil {
				fail(err)
			}
			fmt.Println("backup", next)
		}
	}
}

// checkAfterKill opens what the killed child left.
func checkAfterKill(t *testing.T, dir string, cycle, acked, ackedBackupCount int) {
	t.Helper()
	path := filepath.Join(dir, "wallet.db")
	// bbolt's own consistency check of every page.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("cycle %d: bbolt cannot open the store: %v", cycle, err)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Fatalf("cycle %d: bbolt check: %v", cycle, err)
	}
	db.Close()

	s, err := store.OpenBolt(path, durabilityPass)
	if err != nil {
		t.Fatalf("cycle %d: open after kill: %v", cycle, err)
	}
	count := 0
	err = s.View(func(tx store.Tx) error {
		return tx.ForEach("credential", func(id string, v []byte) error {
			if id != credID(count) || !bytes.Equal(v, credentialValue(count)) {
				return fmt.Errorf("record %q is not import %d intact", id, count)
			}
			count++
			return nil
		})
	})
	s.Close()
	if err != nil {
		t.Fatalf("cycle %d: %v", cycle, err)
	}
	if count <= acked {
		t.Fatalf("cycle %d: %d imports in the store, but %d were acknowledged", cycle, count, acked+1)
	}

	f, err := os.Open(filepath.Join(dir, backupName))
	if errors.Is(err, fs.ErrNotExist) {
		if ackedBackupCount > 0 {
			t.Fatalf("cycle %d: an acknowledged backup is gone", cycle)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	snap, err := backup.Read(f, durabilityPass)
	f.Close()
	if err != nil {
		t.Fatalf("cycle %d: the backup under its final name does not read: %v", cycle, err)
	}
	mem := store.NewMem([]byte("x"))
	if err := backup.Restore(mem, snap, false); err != nil {
		t.Fatalf("cycle %d: restore: %v", cycle, err)
	}
	n := 0
	mem.View(func(tx store.Tx) error {
		return tx.ForEach("credential", func(id string, v []byte) error {
			if id != credID(n) || !bytes.Equal(v, credentialValue(n)) {
				t.Fatalf("cycle %d: backup record %q is not import %d intact", cycle, id, n)
			}
			n++
			return nil
		})
	})
	if n < ackedBackupCount {
		t.Fatalf("cycle %d: the backup holds %d imports, the last acknowledged one %d", cycle, n, ackedBackupCount)
	}
}

package wallet

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBackupRecordedOnlyOnceWritten: a backup that could not be written is
// not recorded as the last backup (the wallet used to record it first, so
// a failed or power-cut backup silenced the backup reminder for 30 days);
// one that was written is recorded, and carries its own time, so a wallet
// restored from it knows when it was saved.
func TestBackupRecordedOnlyOnceWritten(t *testing.T) {
	w := newTestWallet(t, Options{})
	missing := filepath.Join(t.TempDir(), "no such folder", "wallet.age")
	if err := w.backupFileWith(missing, []byte("backup pass"), 2); err == nil {
		t.Fatal("backup into a missing folder succeeded")
	}
	if last, err := w.LastBackup(); err != nil || !last.IsZero() {
		t.Fatalf("after a failed backup, last backup %v (%v), want none", last, err)
	}
	path := filepath.Join(t.TempDir(), "wallet.age")
	if err := w.backupFileWith(path, []byte("backup pass"), 2); err != nil {
		t.Fatal(err)
	}
	if last, _ := w.LastBackup(); !last.Equal(testNow) {
		t.Fatalf("last backup %v, want %v", last, testNow)
	}
	// Again: the snapshot now replaces the store's lastBackup record
	// instead of adding a second one (which Read would refuse).
	if err := w.backupFileWith(path, []byte("backup pass"), 2); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := w.ReadBackup(f, []byte("backup pass"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := newTestWallet(t, Options{})
	if err := fresh.Restore(snap, false); err != nil {
		t.Fatal(err)
	}
	if last, _ := fresh.LastBackup(); !last.Equal(testNow) {
		t.Fatalf("restored wallet's last backup %v, want %v", last, testNow)
	}
}

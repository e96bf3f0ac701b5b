package atomicfile

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/vfs"
)

// TestCrashAtEveryStep runs each write protocol on vfs.Mem, stops it after
// each of its operations (temp create, chmod, write, fsync, rename or link,
// folder fsync), simulates a power cut, and checks the file under its final
// name: it holds the old content or the complete new one, never a part or
// an empty file, and a write that returned nil always left the new one.
//
// The test fails without either sync (each mutation run by hand, 2026-12-02):
//   - without f.Sync(): the rename survives the cut but the data does not:
//     "crash after step 5 of 5: /state/f.json holds "" (present true) after
//     an acknowledged write, want "new content"".
//   - without fsys.SyncDir(dir): the acknowledged rename is forgotten:
//     "crash after step 5 of 5: /state/f.json holds "" (present false) after
//     an acknowledged write, want "new content"".
func TestCrashAtEveryStep(t *testing.T) {
	const path = "/state/f.json"
	for _, tc := range []struct {
		name  string
		old   string // "" : no file before
		write func(vfs.FS) error
		want  string
	}{
		{"write new", "", func(f vfs.FS) error { return WriteFS(f, path, []byte("new content"), 0o600) }, "new content"},
		{"write replace", "old content", func(f vfs.FS) error { return WriteFS(f, path, []byte("new, longer content"), 0o600) }, "new, longer content"},
		{"create", "", func(f vfs.FS) error { return CreateFS(f, path, []byte("key"), 0o600) }, "key"},
		{"write func", "old backup", func(f vfs.FS) error {
			return WriteFuncFS(f, path, 0o600, func(w io.Writer) error {
				for _, part := range []string{"new ", "backup ", "in parts"} {
					if _, err := w.Write([]byte(part)); err != nil {
						return err
					}
				}
				return nil
			})
		}, "new backup in parts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setup := func() *vfs.Mem {
				m := vfs.NewMem()
				if err := m.MkdirAll("/state", 0o700); err != nil {
					t.Fatal(err)
				}
				if tc.old != "" {
					if err := WriteFS(m, path, []byte(tc.old), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				return m
			}
			m := setup()
			base := m.Ops()
			if err := tc.write(m); err != nil {
				t.Fatal(err)
			}
			steps := m.Ops() - base
			if steps < 4 {
				t.Fatalf("protocol has %d steps, want at least 4", steps)
			}
			for k := 0; k <= steps; k++ {
				m := setup()
				m.CrashAfter(k)
				err := tc.write(m)
				if err != nil && !errors.Is(err, vfs.ErrCrashed) {
					t.Fatalf("crash after %d: %v", k, err)
				}
				m.Crash()
				got, present := m.Files()[path]
				switch {
				case err == nil && (!present || got != tc.want):
					t.Fatalf("crash after step %d of %d: %s holds %q (present %v) after an acknowledged write, want %q", k, steps, path, got, present, tc.want)
				case present && got != tc.want && got != tc.old, !present && tc.old != "":
					t.Fatalf("crash after step %d of %d: %s holds %q (present %v), want %q or %q", k, steps, path, got, present, tc.old, tc.want)
				}
				for name := range m.Files() {
					if name != path && !strings.HasPrefix(name, "/state/.f.json.tmp-") {
						t.Fatalf("crash after step %d: unexpected file %q", k, name)
					}
				}
			}
		})
	}
}

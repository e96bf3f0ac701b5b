// Package atomicfile writes files so that a crash leaves either the old file
// or the complete new one under the final name, never part of one: the data
// goes to a temporary file in the same folder, is fsynced, renamed (or linked,
// for Create) into place, and the folder is fsynced so the rename survives a
// power cut too. Every role's state files, key files and outputs go through
// here.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/immunopass/immunopass/internal/vfs"
)

// Write replaces path with data, atomically and durably.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFS(vfs.OS, path, data, perm)
}

// WriteFS is Write on fsys.
func WriteFS(fsys vfs.FS, path string, data []byte, perm os.FileMode) error {
	return write(fsys, path, perm, false, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// Create writes data to path atomically and durably, and refuses with an
// error wrapping fs.ErrExist when path already exists (also when another
// process creates it at the same moment: the file is linked into place, and
// a link never replaces a file).
func Create(path string, data []byte, perm os.FileMode) error {
	return CreateFS(vfs.OS, path, data, perm)
}

// CreateFS is Create on fsys.
func CreateFS(fsys vfs.FS, path string, data []byte, perm os.FileMode) error {
	return write(fsys, path, perm, true, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// WriteFunc replaces path with what fill writes, atomically and durably; if
// fill fails, path is untouched.
func WriteFunc(path string, perm os.FileMode, fill func(io.Writer) error) error {
	return write(vfs.OS, path, perm, false, fill)
}

// WriteFuncFS is WriteFunc on fsys.
func WriteFuncFS(fsys vfs.FS, path string, perm os.FileMode, fill func(io.Writer) error) error {
	return write(fsys, path, perm, false, fill)
}

func write(fsys vfs.FS, path string, perm os.FileMode, exclusive bool, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if exclusive {
		if _, err := fsys.Lstat(path); err == nil {
			return fmt.Errorf("%q: %w", path, fs.ErrExist)
		}
	}
	f, err := fsys.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			fsys.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err == nil {
		if err = fill(f); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if exclusive {
		if err := fsys.Link(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%q: %w", path, fs.ErrExist)
			}
			return err
		}
		if err := fsys.Remove(tmp); err != nil {
			return err
		}
	} else if err := fsys.Rename(tmp, path); err != nil {
		return err
	}
	done = true
	return fsys.SyncDir(dir)
}

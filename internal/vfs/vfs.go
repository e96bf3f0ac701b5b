// Package vfs is the small file-system interface the project's own durable
// writes go through (internal/atomicfile, the issuer's outbox and ledger, the
// witness state, wallet backups), with two implementations: OS, the real
// file system, and Mem, a strict in-memory one for crash tests.
//
// # What Mem models
//
// Mem keeps, for every file, the bytes written and the bytes last synced
// (File.Sync), and for every folder, its entries and the entries as of its
// last SyncDir. Crash throws away everything not synced: a file's unsynced
// writes, and every unsynced create, rename, link or removal in a folder —
// what a power cut may do to a POSIX file system (the idea of pebble's
// vfs.NewStrictMem). SIGKILL, by contrast, keeps the page cache, so a
// kill -9 test cannot see a missing fsync; a Mem crash test can.
//
// CrashAfter(n) makes every operation after the n-th fail with ErrCrashed,
// so a test can stop a write protocol after each of its steps, call Crash,
// and check what is left. Folders made by MkdirAll are durable at once (the
// protocols here create their folders once, at set-up).
package vfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// FS is what the durable writers need from a file system. Names are
// slash- or OS-separated paths as the os package takes them.
type FS interface {
	// OpenFile opens a file for writing with os flags (O_CREATE, O_EXCL,
	// O_APPEND, O_TRUNC, O_WRONLY).
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// CreateTemp creates a new file in dir, as os.CreateTemp.
	CreateTemp(dir, pattern string) (File, error)
	Rename(oldpath, newpath string) error
	// Link gives oldpath's file a second name; it fails with fs.ErrExist
	// if newpath exists.
	Link(oldpath, newpath string) error
	Remove(name string) error
	MkdirAll(dir string, perm fs.FileMode) error
	ReadFile(name string) ([]byte, error)
	ReadDir(dir string) ([]fs.DirEntry, error)
	// Lstat describes name without following a final symbolic link.
	Lstat(name string) (fs.FileInfo, error)
	// SyncDir makes the creates, renames, links and removals in dir
	// durable. A file system that cannot sync a folder returns nil.
	SyncDir(dir string) error
}

// File is an open file being written.
type File interface {
	io.Writer
	Name() string
	Sync() error
	Chmod(mode fs.FileMode) error
	Close() error
}

// OS is the real file system.
var OS FS = osFS{}

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	return os.OpenFile(name, flag, perm)
}
func (osFS) CreateTemp(dir, pattern string) (File, error) { return os.CreateTemp(dir, pattern) }
func (osFS) Rename(oldpath, newpath string) error         { return os.Rename(oldpath, newpath) }
func (osFS) Link(oldpath, newpath string) error           { return os.Link(oldpath, newpath) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) MkdirAll(dir string, perm fs.FileMode) error  { return os.MkdirAll(dir, perm) }
func (osFS) ReadFile(name string) ([]byte, error)         { return os.ReadFile(name) }
func (osFS) ReadDir(dir string) ([]fs.DirEntry, error)    { return os.ReadDir(dir) }
func (osFS) Lstat(name string) (fs.FileInfo, error)       { return os.Lstat(name) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, fs.ErrPermission) {
		return err
	}
	return nil
}

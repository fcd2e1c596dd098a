// Package disk holds the few ways kp-token touches the file system: files replaced atomically,
// flock locks bounded by a context (with a note for the next holder), and the user's private
// directory for what has no better place.
package disk

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// WriteAtomic replaces path with data: write a temporary file in the same directory, give it
// the original's owner, sync it, rename it over path, then sync the directory so the rename
// itself survives a crash. A crash at any instant leaves the old file or the new one.
func WriteAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if info, statErr := os.Stat(path); statErr == nil {
		// Run with sudo on a user's config, the new file must stay the user's.
		if err = keepOwner(tmp, info); err != nil {
			return err
		}
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	removeStale(dir, "."+filepath.Base(path)+".tmp-*")
	return nil
}

// removeStale deletes temporary files that a process killed mid-write left behind (they hold
// tokens). Only those older than a minute: a young one may belong to a writer still at work.
func removeStale(dir, pattern string) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && time.Since(info.ModTime()) > time.Minute {
			_ = os.Remove(m)
		}
	}
}

// RetryLock is how often a busy lock is tried again.
const RetryLock = 20 * time.Millisecond

// ErrLockTimeout means another process held a lock for longer than our bound.
var ErrLockTimeout = errors.New("timed out waiting for a lock")

// UnsafeError is a file or directory kp-token will not use: another user's, writable by others,
// or a link where a file of our own belongs. Another user on the machine could have planted it.
type UnsafeError struct {
	Path string
	Why  string
}

// UserFacing marks the error as written for the user (commands.UserFacing): it says what to
// remove or change.
func (*UnsafeError) UserFacing() {}

func (e *UnsafeError) Error() string {
	return i18n.T("'{{.Path}}' is not safe to use: {{.Why}}. Remove it, and kp-token makes it again as it should be.",
		map[string]any{"Path": safetext.Quote(e.Path), "Why": e.Why})
}

// PrivateDir is the user's own directory for kp-token's runtime files: $XDG_RUNTIME_DIR/kp-token,
// else (no XDG_RUNTIME_DIR, or one where it cannot be made) kp-token in the user's cache
// directory (never a shared one such as /tmp, nor one relative to the working directory). It is
// made mode 0700 if missing, and refused unless it is the user's and nobody else can write to it.
func PrivateDir() (string, error) {
	if base := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(base) {
		dir := filepath.Join(base, "kp-token")
		err := MakePrivate(dir)
		var unsafe *UnsafeError
		if err == nil || errors.As(err, &unsafe) {
			return dir, err // a directory that is there but not safe is refused, not passed over
		}
		// A runtime directory that cannot hold ours (missing, not a directory, not writable):
		// the cache directory serves as well.
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(base) {
		return "", errors.New(i18n.T("no home directory to keep kp-token's files in"))
	}
	dir := filepath.Join(base, "kp-token")
	return dir, MakePrivate(dir)
}

// MakePrivate makes dir (and its parents) mode 0700, tightens a dir of the user's that was made
// by hand, and refuses one that another user owns or can write to, or a link.
func MakePrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	info, err := ownDir(dir)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return &UnsafeError{Path: dir, Why: i18n.T("others may write to it")}
		}
	}
	return nil
}

// CheckPrivate says whether dir is a directory of the user's that nobody else can write to,
// without making or changing anything: for runs that only read (show), and for reads, which
// need no directory that is not there.
func CheckPrivate(dir string) error {
	info, err := ownDir(dir)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o022 != 0 {
		return &UnsafeError{Path: dir, Why: i18n.T("others may write to it")}
	}
	return nil
}

// ownDir returns dir's own information (not a link's target) when it is a directory of the
// user's.
func ownDir(dir string) (os.FileInfo, error) {
	info, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, &UnsafeError{Path: dir, Why: i18n.T("it is a link or a file, not a directory")}
	}
	if err := checkOwner(info); err != nil {
		return nil, &UnsafeError{Path: dir, Why: err.Error()}
	}
	return info, nil
}

// ReadPrivate reads a file of the user's own, up to limit bytes: never through a link, and not
// one that another user owns or that is no regular file.
func ReadPrivate(path string, limit int64) ([]byte, error) {
	f, err := openPrivate(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &UnsafeError{Path: path, Why: i18n.T("it is not a regular file")}
	}
	if err := checkOwner(info); err != nil {
		return nil, &UnsafeError{Path: path, Why: err.Error()}
	}
	return io.ReadAll(io.LimitReader(f, limit))
}

// Private is this package's private files as one value, for what keeps a file of its own
// without knowing the disk (kms.Files).
type Private struct{}

// CheckPrivate is CheckPrivate.
func (Private) CheckPrivate(dir string) error { return CheckPrivate(dir) }

// MakePrivate is MakePrivate.
func (Private) MakePrivate(dir string) error { return MakePrivate(dir) }

// ReadPrivate is ReadPrivate.
func (Private) ReadPrivate(path string, limit int64) ([]byte, error) { return ReadPrivate(path, limit) }

// WriteAtomic is WriteAtomic.
func (Private) WriteAtomic(path string, data []byte, mode os.FileMode) error {
	return WriteAtomic(path, data, mode)
}

// Package disk holds the few ways kp-token touches the file system: files replaced atomically,
// flock locks bounded by a context (with a note for the next holder), and the user's private
// directory for what has no better place.
package disk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
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

// LockFile takes an exclusive flock on path (creating it) and waits for it until ctx is done.
func LockFile(ctx context.Context, path string) (*flock.Flock, error) {
	l := flock.New(path)
	ok, err := l.TryLockContext(ctx, RetryLock)
	if err != nil || !ok {
		if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, ErrLockTimeout
		}
		return nil, err
	}
	return l, nil
}

// PrivateDir is the user's own directory for kp-token's runtime files: $XDG_RUNTIME_DIR/kp-token,
// else kp-token in the user's cache directory (never a shared one such as /tmp, where another
// user could plant files). It is made mode 0700 if missing.
func PrivateDir() (string, error) {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			return "", err
		}
	}
	dir := filepath.Join(base, "kp-token")
	return dir, MakePrivate(dir)
}

// MakePrivate makes dir (and its parents) mode 0700, and tightens a dir that was made by hand
// when it can.
func MakePrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	_ = os.Chmod(dir, 0o700)
	return nil
}

package cliconfig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// RefreshLock is the single-flight lock that makes concurrent processes refresh once. It is a
// lock file beside config.json, so config.json itself stays free for the CLI while IAM
// answers; the OS releases it if its holder dies. The file also carries the holder's last
// failure, so that processes queued behind a failed refresh report it instead of each calling
// IAM again.
type RefreshLock struct {
	l *flock.Flock
}

// LockRefresh waits for the refresh lock of the config at path until ctx is done. When no lock
// file can be made beside config.json (a read-only directory), it uses one in the user's own
// runtime or cache directory (never a shared one such as /tmp, where another user could plant
// the file), named after the config's path, so the single flight still holds. A symlinked
// config is locked at its target, as SaveTokens writes it: one file, one lock, whichever path
// a process came by.
func LockRefresh(ctx context.Context, path string) (*RefreshLock, error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	l, err := lockFile(ctx, path+".kp-token.lock")
	if err != nil && !errors.Is(err, ErrLockTimeout) {
		dir, dirErr := fallbackDir()
		if dirErr != nil {
			return nil, err
		}
		abs, _ := filepath.Abs(path)
		sum := sha256.Sum256([]byte(abs))
		l, err = lockFile(ctx, filepath.Join(dir, "refresh-"+hex.EncodeToString(sum[:8])+".lock"))
	}
	if err != nil {
		return nil, err
	}
	return &RefreshLock{l: l}, nil
}

// Unlock releases the lock.
func (r *RefreshLock) Unlock() { _ = r.l.Unlock() }

// Note returns what the previous holder left: its failure record, or nothing.
func (r *RefreshLock) Note() []byte {
	b, _ := os.ReadFile(r.l.Path())
	return b
}

// SetNote replaces the record (nil clears it). Only the holder writes, so a plain write is
// safe: readers read only once they hold the lock.
func (r *RefreshLock) SetNote(b []byte) {
	_ = os.WriteFile(r.l.Path(), b, 0o600)
}

func fallbackDir() (string, error) {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			return "", err
		}
	}
	dir := filepath.Join(base, "kp-token")
	return dir, os.MkdirAll(dir, 0o700)
}

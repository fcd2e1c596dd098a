package disk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// Lock is the single-flight lock for one file (config.json, a cache file): concurrent processes
// that would all rewrite that file take it in turn, so one does the work. It is a lock file
// beside the file, so the file itself stays free for others (the CLI) meanwhile; the OS releases
// it if its holder dies. The lock file also carries a note from its last holder, such as the
// failure it met, for the processes queued behind it.
type Lock struct {
	l *flock.Flock
}

// LockFor waits until ctx is done for the lock of the file at path. When no lock file can be
// made beside it (a read-only directory), it uses one in PrivateDir named after the file's
// path, so the single flight still holds. A symlink is locked at its target: one file, one
// lock, whichever path a process came by.
func LockFor(ctx context.Context, path string) (*Lock, error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	l, err := LockFile(ctx, path+".kp-token.lock")
	if err != nil && !errors.Is(err, ErrLockTimeout) {
		dir, dirErr := PrivateDir()
		if dirErr != nil {
			return nil, err
		}
		abs, _ := filepath.Abs(path)
		sum := sha256.Sum256([]byte(abs))
		l, err = LockFile(ctx, filepath.Join(dir, "refresh-"+hex.EncodeToString(sum[:8])+".lock"))
	}
	if err != nil {
		return nil, err
	}
	return &Lock{l: l}, nil
}

// Unlock releases the lock.
func (r *Lock) Unlock() { _ = r.l.Unlock() }

// Note returns what the previous holder left, or nothing.
func (r *Lock) Note() []byte {
	b, _ := os.ReadFile(r.l.Path())
	return b
}

// SetNote replaces the note (nil clears it). Only the holder writes, so a plain write is safe:
// readers read only once they hold the lock.
func (r *Lock) SetNote(b []byte) {
	_ = os.WriteFile(r.l.Path(), b, 0o600)
}

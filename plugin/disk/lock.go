package disk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
)

// Locked is a file held under an exclusive flock; Unlock releases it.
type Locked struct{ h *handle }

// Unlock releases the lock.
func (l *Locked) Unlock() { l.h.close() }

// LockFile takes an exclusive flock on the file at path (creating it, never through a link) and
// waits for it until ctx is done: how the SDK locks config.json to write it.
func LockFile(ctx context.Context, path string) (*Locked, error) {
	h, err := lock(ctx, path, false)
	if err != nil {
		return nil, err
	}
	return &Locked{h}, nil
}

// Lock is the single-flight lock for one file (config.json, a cache file): concurrent processes
// that would all rewrite that file take it in turn, so one does the work. It is a lock file
// beside the file, so the file itself stays free for others (the CLI) meanwhile; the OS releases
// it if its holder dies. The lock file also carries a note from its last holder, such as the
// failure it met, for the processes queued behind it: read and written through the locked file
// itself, never by its name again.
type Lock struct{ h *handle }

// LockFor waits until ctx is done for the lock of the file at path. When no lock file can be
// made beside it (a read-only directory), it uses one in PrivateDir named after the file's
// path, so the single flight still holds; so it does when the lock file there is a link or
// another user's, which is never opened (UnsafeError), and neither is one in PrivateDir. A
// symlinked file is locked at its target: one file, one lock, whichever path a process came by.
func LockFor(ctx context.Context, path string) (*Lock, error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	h, err := lock(ctx, path+".kp-token.lock", true)
	if err != nil && !errors.Is(err, ErrLockTimeout) {
		dir, dirErr := PrivateDir()
		if dirErr != nil {
			return nil, err
		}
		abs, _ := filepath.Abs(path)
		sum := sha256.Sum256([]byte(abs))
		h, err = lock(ctx, filepath.Join(dir, "refresh-"+hex.EncodeToString(sum[:8])+".lock"), true)
	}
	if err != nil {
		return nil, err
	}
	return &Lock{h}, nil
}

// Unlock releases the lock.
func (r *Lock) Unlock() { r.h.close() }

// maxNote bounds what is read of a note: a note is a few hundred bytes.
const maxNote = 64 << 10

// Note returns what the previous holder left, or nothing.
func (r *Lock) Note() []byte { return r.h.read(maxNote) }

// SetNote replaces the note (nil clears it). Only the holder writes.
func (r *Lock) SetNote(b []byte) { r.h.write(b) }

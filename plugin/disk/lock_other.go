//go:build !unix

package disk

import (
	"context"
	"errors"
	"os"

	"github.com/gofrs/flock"
)

// handle is a locked file (Windows: through gofrs/flock's LockFileEx).
type handle struct{ l *flock.Flock }

func lock(ctx context.Context, path string, _ bool) (*handle, error) {
	l := flock.New(path)
	ok, err := l.TryLockContext(ctx, RetryLock)
	if err != nil || !ok {
		if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, ErrLockTimeout
		}
		return nil, err
	}
	return &handle{l}, nil
}

func (h *handle) close() { _ = h.l.Unlock() }

func (h *handle) read(limit int64) []byte {
	b, _ := os.ReadFile(h.l.Path())
	if int64(len(b)) > limit {
		return nil
	}
	return b
}

func (h *handle) write(b []byte) { _ = os.WriteFile(h.l.Path(), b, 0o600) }

// openPrivate opens path for reading.
func openPrivate(path string) (*os.File, error) { return os.Open(path) }

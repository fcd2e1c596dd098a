//go:build unix

package disk

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/kp-token/kp-token/i18n"
)

// handle is a locked file, opened without following a link.
type handle struct{ f *os.File }

// lock opens path (creating it, mode 0600, never through a symbolic link), checks that it is a
// regular file (and, when mine, the user's), and takes an exclusive flock, waiting until ctx is
// done.
func lock(ctx context.Context, path string, mine bool) (*handle, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, &UnsafeError{Path: path, Why: i18n.T("it is a symbolic link")}
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = &UnsafeError{Path: path, Why: i18n.T("it is not a regular file")}
	}
	if err == nil && mine {
		if ownerErr := checkOwner(info); ownerErr != nil {
			err = &UnsafeError{Path: path, Why: ownerErr.Error()}
		}
	}
	for err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &handle{f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			break
		}
		select {
		case <-ctx.Done():
			err = ErrLockTimeout
		case <-time.After(RetryLock):
			err = nil
		}
	}
	_ = f.Close()
	return nil, err
}

func (h *handle) close() { _ = h.f.Close() } // closing releases the flock

func (h *handle) read(limit int64) []byte {
	b, _ := io.ReadAll(io.NewSectionReader(h.f, 0, limit))
	return b
}

func (h *handle) write(b []byte) {
	if h.f.Truncate(0) == nil && len(b) > 0 {
		_, _ = h.f.WriteAt(b, 0)
	}
}

// openPrivate opens path for reading without following a link (and without blocking on a FIFO).
func openPrivate(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
}

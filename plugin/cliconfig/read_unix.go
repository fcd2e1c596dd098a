//go:build unix

package cliconfig

import (
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/kp-token/kp-token/plugin/disk"
)

// readWait bounds the wait for a writer's lock. The SDK holds it for one write of a few
// kilobytes; a writer stuck for longer must not stall every shell start, so after the bound
// the file is read as it is (and refused if it does not parse: nothing is written).
const readWait = 2 * time.Second

// readFile reads config.json under a shared flock on the file itself: the SDK truncates and
// rewrites it under an exclusive flock, and a read in between would see it empty or cut short.
// The file is opened read-only, without blocking (a FIFO would hold the open until a writer
// came), and never created (the SDK's lock would create it); what is not a regular file, or is
// larger than MaxSize, is refused before it is read. The wait for the lock ends at the deadline
// too.
func readFile(path string, deadline time.Time) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close() // releases the lock
	if err := checkFile(f, path); err != nil {
		return nil, err
	}
	wait := time.Now().Add(readWait)
	if !deadline.IsZero() && deadline.Before(wait) {
		wait = deadline
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil || !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(wait) {
			break // locked; or the file system has no locks, or the writer is stuck: read anyway
		}
		time.Sleep(disk.RetryLock)
	}
	return readAll(f, path)
}

//go:build unix

package cliconfig

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// readWait bounds the wait for a writer's lock when the run has no deadline of its own. The
// SDK holds it for one write of a few kilobytes; a writer stuck for longer must not stall
// every shell start, so after the bound the read gives up and says the CLI is busy (Busy).
// A run with a deadline (--timeout) waits until that deadline instead.
const readWait = 2 * time.Second

// readFile reads config.json under a shared flock on the file itself: the SDK truncates and
// rewrites it under an exclusive flock, and a read in between would see it empty or cut short.
// The file is opened read-only, without blocking (a FIFO would hold the open until a writer
// came), and never created (the SDK's lock would create it); what is not a regular file, or is
// larger than MaxSize, is refused before it is read.
//
// A file whose lock is free is read at once. One that a writer holds is waited for (see
// readUnlocked) until the deadline, or readWait when there is none: then the read is given up
// (Busy), never done without the lock. Only a file system that has no locks (flock fails
// otherwise than with EWOULDBLOCK) is read without one.
func readFile(path string, deadline time.Time) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := checkFile(f, path); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
		defer f.Close() // releases the lock
		return readAll(f, path)
	}
	wait := readWait
	if !deadline.IsZero() {
		wait = time.Until(deadline)
	}
	return readUnlocked(f, path, wait)
}

type readResult struct {
	data []byte
	err  error
}

// readUnlocked reads f once a writer has unlocked it, or gives up after wait (Busy).
//
// The wait is a blocking flock, queued in the kernel and woken the moment the writer unlocks,
// not a poll: the SDK saving again and again unlocks and locks again within microseconds, so a
// poll finds the lock free only by chance. (Beside three goroutines saving with the SDK's code
// in a loop and two busy CPUs, the longest of 200 waits was 1.2 s polling every 20 ms, 0.1 to
// 0.25 s polling every 0.1 or 1 ms, 37 ms blocked. Once a read holds the lock, the SDK tries
// again only 100 ms later.) A blocking flock cannot be cancelled, so it runs in a goroutine
// that owns f: it reads f once locked, sends what it read and closes f (releasing the lock),
// whether or not anyone still waits for it. f is never closed while that goroutine is blocked
// on it.
func readUnlocked(f *os.File, path string, wait time.Duration) ([]byte, error) {
	if wait <= 0 {
		_ = f.Close()
		return nil, &Problem{Kind: Busy, Path: path}
	}
	done := make(chan readResult, 1) // the goroutine never blocks on a reader that left
	go func() {
		defer f.Close() // releases the lock
		fd := int(f.Fd())
		err := syscall.Flock(fd, syscall.LOCK_SH)
		for errors.Is(err, syscall.EINTR) {
			err = syscall.Flock(fd, syscall.LOCK_SH)
		}
		// Locked; or, failing otherwise, the file system has no locks after all: read as it is.
		data, err := readAll(f, path)
		done <- readResult{data, err}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.data, r.err
	case <-timer.C:
		select {
		case r := <-done: // locked at the last instant
			return r.data, r.err
		default:
			return nil, &Problem{Kind: Busy, Path: path}
		}
	}
}

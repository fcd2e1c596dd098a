//go:build unix

package source

import "syscall"

// openNoWait opens a FIFO without waiting for its other end.
const openNoWait = syscall.O_NONBLOCK

//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package commands

import (
	"os"
	"syscall"
	"unsafe"
)

// inForeground says whether kp-token's process group is its controlling terminal's foreground
// one: the terminal then delivers Ctrl-C and Ctrl-\ to the command itself.
func inForeground() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false // no controlling terminal
	}
	defer tty.Close()
	var pgrp int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, tty.Fd(), syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp))); errno != 0 {
		return false
	}
	return int(pgrp) == syscall.Getpgrp()
}

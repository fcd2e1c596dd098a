//go:build unix

package shell_test

import "syscall"

// BSD csh closes every descriptor up to the soft limit on start and on each fork: under a limit
// of tens of thousands that is most of its time. The usual 1024 is plenty for these tests,
// which the shells they start inherit.
func init() {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur > 1024 {
		lim.Cur = 1024
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

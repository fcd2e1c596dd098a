//go:build unix

package commands

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// forwarded are the signals a terminal or a supervisor sends, passed on to the command.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// terminalSent says whether the command got s already: Ctrl-C and Ctrl-\ reach the whole
// foreground process group, the command with kp-token, when kp-token is in it.
func terminalSent(s os.Signal) bool {
	return (s == syscall.SIGINT || s == syscall.SIGQUIT) && inForeground()
}

// ended is how kp-token ends as the command ended: nil for 0, its exit status, or, when it
// died of a signal, death by the same signal (as the shell would see after execve).
func ended(_ *exec.Cmd, err error) error {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return err
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		dieOf(sig)
		return &statusError{code: 128 + int(sig)}
	}
	return &statusError{code: exit.ExitCode()}
}

// dieOf ends kp-token by sig, its default action restored; it returns if that did not end it.
var dieOf = func(sig syscall.Signal) {
	signal.Reset(sig)
	_ = syscall.Kill(os.Getpid(), sig)
	time.Sleep(100 * time.Millisecond) // delivered at once to this process; the wait is a margin
}

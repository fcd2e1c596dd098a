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

// forwardSignals passes the signals kp-token receives on to p until stop is called. Ctrl-C and
// Ctrl-\ are not passed on while kp-token is in its terminal's foreground process group: the
// terminal sends them to the command too, which would get each twice.
func forwardSignals(p *os.Process) (stop func()) {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range sigs {
			if (s == syscall.SIGINT || s == syscall.SIGQUIT) && inForeground() {
				continue
			}
			_ = p.Signal(s)
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(sigs)
		<-done
	}
}

// ended is how kp-token ends as the command ended: nil for 0, its exit status, or, when it
// died of a signal, death by the same signal (as the shell would see after execve).
func ended(cmd *exec.Cmd, err error) error {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		if err != nil {
			return err
		}
		return nil
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

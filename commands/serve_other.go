//go:build !unix

package commands

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// forwardSignals passes interrupts on to p until stop is called.
func forwardSignals(p *os.Process) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range sigs {
			_ = p.Signal(s)
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(sigs)
		<-done
	}
}

// ended is the command's exit status as kp-token's.
func ended(_ *exec.Cmd, err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &statusError{code: exit.ExitCode()}
	}
	return err
}

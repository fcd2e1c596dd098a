//go:build !unix

package commands

import (
	"errors"
	"os"
	"os/exec"
)

// forwarded are the signals passed on to the command.
var forwarded = []os.Signal{os.Interrupt}

// terminalSent cannot tell here: every signal is passed on, as exec does.
func terminalSent(os.Signal) bool { return false }

// ended is the command's exit status as kp-token's.
func ended(_ *exec.Cmd, err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &statusError{code: exit.ExitCode()}
	}
	return err
}

package commands

import (
	"io"

	"github.com/kp-token/kp-token/plugin/source"
)

// Namespace is the plug-in's name and its command namespace: `ibmcloud kp-token …`.
const Namespace = "kp-token"

// Deps are what commands need from the outside world.
type Deps struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	// Tokens opens the token source a request names, when a command needs one, so that
	// --unset and help work without a session. It returns the reason when there is none (such
	// as a broken config).
	Tokens func(source.Request) (source.Source, error)
}

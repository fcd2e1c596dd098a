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
	// Instances says where Key Protect instances are looked up and cached (--instance,
	// instances); nil: IBM Cloud's public endpoints, no cache.
	Instances func() KMSEnv

	// brief is set by the shell hook's runs (env --hook): failures and warnings are one line
	// each, under the prompt of a shell the user is typing in.
	brief bool
}

// open opens the token source req names, with standard input and the warning printer filled
// in.
func (d *Deps) open(req source.Request) (source.Source, error) {
	req.Stdin = d.Stdin
	req.Warn = d.warn
	req.Hook = d.brief
	return d.Tokens(req)
}

// warn prints a non-fatal problem on stderr.
func (d *Deps) warn(msg string) {
	if d.brief {
		oneLine(d.Stderr, msg)
		return
	}
	warn(d.Stderr, msg)
}

package commands

import (
	"io"
	"os"
	"strconv"

	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
)

// Namespace is the plug-in's name and its command namespace: `ibmcloud kp-token …`.
const Namespace = "kp-token"

// Runtime is what commands need from the plug-in around them (plugin/wiring is the real one;
// tests give their own). A run opens at most one token source; what comes after it (instance
// lookups) ends by that source's deadline.
type Runtime interface {
	// Open opens the token source req names, when a command needs one, so that --unset and
	// help work without a session. It returns the reason when there is none (such as a broken
	// config).
	Open(req token.Request) (token.Source, error)
	// Resolve finds the instance q names, asked with the token t; warn prints a warning.
	Resolve(t token.Token, q kms.Query, warn func(string)) (kms.Resolution, error)
	// List lists the Key Protect and HPCS instances t can see.
	List(t token.Token) ([]kms.Instance, error)
	// CLIPrivate says whether the CLI uses private endpoints.
	CLIPrivate() bool
	// ConfigPath is the CLI's config.json, whose change means a new login.
	ConfigPath() string
	// StampDir is the user's private directory for the hook's stamp files.
	StampDir() (string, error)
	// CheckKeyFile reads the key file at path, or with container the container-token file, as a
	// run would (hook checks the file it writes into a profile), and returns its absolute path.
	CheckKeyFile(path string, container bool, warn func(string)) (string, error)
	// EnvCRToken is $IBMCLOUD_CR_TOKEN when a run given neither --apikey nor --cr-token would
	// read it (withProfile: --profile is given, which puts it before $IBMCLOUD_API_KEY), else "".
	EnvCRToken(withProfile bool) string
	// Fresh is a new runtime over the same config.json, read again when first needed: a
	// command that outlives many tokens (exec --serve) opens each token source on one, so that
	// a login in another terminal is picked up. Nothing is shared with the runtime it came from.
	Fresh() Runtime
}

// Deps are what commands need from the outside world.
type Deps struct {
	Stdout  io.Writer
	Stderr  io.Writer
	Stdin   io.Reader
	Runtime Runtime
	// Getenv reads the run's environment for what the commands themselves read (IBMCLOUD_QUIET);
	// nil is the process's. Execute reads it once.
	Getenv func(string) string

	// quiet is IBMCLOUD_QUIET: warnings and notes are not printed; failures are.
	quiet bool
	// brief is set by the shell hook's runs (env --hook): failures and warnings are one line
	// each, under the prompt of a shell the user is typing in.
	brief bool
}

// open opens the token source req names, with standard input and the warning printer filled
// in.
func (d *Deps) open(req token.Request) (token.Source, error) {
	req.Stdin = d.Stdin
	req.Warn = d.warn
	req.Hook = d.brief
	return d.Runtime.Open(req)
}

// warn prints a non-fatal problem on stderr, unless the run is quiet.
func (d *Deps) warn(msg string) {
	if d.quiet {
		return
	}
	if d.brief {
		oneLine(d.Stderr, msg)
		return
	}
	warn(d.Stderr, msg)
}

// getenv reads the environment variable name as the run sees it (Deps.Getenv).
func (d *Deps) getenv(name string) string {
	if d.Getenv != nil {
		return d.Getenv(name)
	}
	return os.Getenv(name)
}

// quietEnv says whether IBMCLOUD_QUIET asks for quiet: `ibmcloud -q` passes its quiet mode to
// plug-ins so (the SDK declares the variable, bluemix.EnvQuiet, and leaves it to the plug-in).
// A true value is one strconv.ParseBool takes for true, as the SDK reads its booleans; anything
// else, empty included, is not quiet.
func quietEnv(value string) bool {
	q, err := strconv.ParseBool(value)
	return err == nil && q
}

// Package commands holds the kp-token commands. Each command is an Options struct, a cobra
// constructor and a run function that takes its dependencies, so tests call it directly. The
// cobra tree is also the one source of the plug-in metadata (see Metadata), so the parser and
// what `ibmcloud` shows cannot drift apart.
package commands

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/commands/cliconfig"
	"github.com/kp-token/kp-token/commands/session"
	"github.com/kp-token/kp-token/commands/token"
	"github.com/kp-token/kp-token/i18n"
)

// Namespace is the plug-in's name and its command namespace: `ibmcloud kp-token …`.
const Namespace = "kp-token"

// TokenSource hands out checked access tokens (session.Source in the binary).
type TokenSource interface {
	Token(session.Options) (token.Token, error)
	Describe() session.Info
}

// Deps are what commands need from the outside world.
type Deps struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	// Tokens opens the token source when a command needs it, so that --unset and help work
	// without a session: an API key's when Credentials (or $IBMCLOUD_API_KEY) name one, else
	// the login session's. It returns the reason when there is none (such as a broken config).
	Tokens func(Credentials) (TokenSource, error)
}

// Credentials say where a token comes from.
type Credentials struct {
	APIKey  string // the key itself, read from --apikey; "" for $IBMCLOUD_API_KEY or the session
	NoCache bool
}

// Warn prints a non-fatal problem on stderr in the CLI's warning colour.
func (d *Deps) Warn(err error) {
	fmt.Fprintln(d.Stderr, paint(d.Stderr, warningStyle, describe(err)))
}

// NewRoot builds the command tree.
func NewRoot(d *Deps) *cobra.Command {
	root := &cobra.Command{
		Use:           Namespace,
		Short:         i18n.T("Print IAM access tokens for Key Protect and Hyper Protect Crypto Services."),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeHelp(c.OutOrStdout(), c) })
	root.AddCommand(NewCmdEnv(d, nil), NewCmdPrint(d, nil), NewCmdShow(d, nil), NewCmdExec(d, nil), NewCmdHook(d, nil))
	for _, c := range root.Commands() {
		c.Flags().SortFlags = false
	}
	return root
}

// Execute runs args (args[0] is the command, as the CLI passes them) and returns the exit
// status. On any failure stdout stays empty; FAILED and the reason go to stderr.
func Execute(d *Deps, args []string) int {
	root := NewRoot(d)
	root.SetOut(d.Stdout)
	root.SetErr(d.Stderr)
	if len(args) == 0 {
		// Help on stdout would be evaluated by `eval "$(kp-token)"`: keep it on stderr.
		writeHelp(d.Stderr, root)
		return 1
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsageError(err) {
		Failed(d.Stderr, i18n.T("Incorrect Usage: {{.Error}}", map[string]any{"Error": err.Error()})+"\n")
		writeHelp(d.Stderr, cmd)
		return 1
	}
	Failed(d.Stderr, describe(err))
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

func usageErrorf(msg string) error { return &usageError{errors.New(msg)} }

// isCobraUsageError recognises the argument errors cobra itself raises (unknown command,
// wrong number of arguments, flags that exclude each other).
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown command", "accepts ", "arg(s)", "if any flags in the group"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// describe turns an error into the sentence the user reads: what went wrong, what to do. Our
// errors (session.Error, cliconfig.Problem) are written that way already.
func describe(err error) string {
	var se *session.Error
	var p *cliconfig.Problem
	var st *statusError
	if errors.As(err, &se) || errors.As(err, &p) || errors.As(err, &st) {
		return err.Error()
	}
	return i18n.T("An unexpected error occurred: {{.Error}}", map[string]any{"Error": err.Error()})
}

// valueName is the flag annotation that names a flag's value in usage text (NAME, DURATION).
const valueName = "kp-token/value-name"

func setValueName(fs *pflag.FlagSet, flag, name string) {
	_ = fs.SetAnnotation(flag, valueName, []string{name})
}

// flagSyntax is "--name NAME" for a flag with a value, "--refresh" for a switch.
func flagSyntax(f *pflag.Flag) string {
	s := "--" + f.Name
	if f.Shorthand != "" {
		s = "-" + f.Shorthand + ", " + s
	}
	if f.Value.Type() == "bool" {
		return s
	}
	name := strings.ToUpper(f.Value.Type())
	if v := f.Annotations[valueName]; len(v) == 1 {
		name = v[0]
	}
	return s + " " + name
}

// Usage is the command's usage line, built from its flags: `ibmcloud kp-token env [--no-bearer] …`.
func Usage(c *cobra.Command) string {
	parts := []string{"ibmcloud", Namespace}
	if c.HasParent() {
		parts = append(parts, c.Name())
	} else {
		parts = append(parts, "COMMAND")
	}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" {
			parts = append(parts, "["+flagSyntax(f)+"]")
		}
	})
	if c.Annotations["args"] != "" {
		parts = append(parts, c.Annotations["args"])
	}
	return strings.Join(parts, " ")
}

// writeHelp prints help in the IBM Cloud CLI's layout: NAME, USAGE, OPTIONS, EXAMPLES.
func writeHelp(w io.Writer, c *cobra.Command) {
	fmt.Fprintf(w, "%s\n  %s - %s\n\n", i18n.T("NAME:"), c.Name(), c.Short)
	fmt.Fprintf(w, "%s\n  %s\n", i18n.T("USAGE:"), Usage(c))
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n%s\n", i18n.T("COMMANDS:"))
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				fmt.Fprintf(w, "  %-10s %s\n", sub.Name(), sub.Short)
			}
		}
	}
	var rows [][2]string
	width := 0
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		rows = append(rows, [2]string{flagSyntax(f), f.Usage})
		width = max(width, len(flagSyntax(f)))
	})
	if len(rows) > 0 {
		fmt.Fprintf(w, "\n%s\n", i18n.T("OPTIONS:"))
		for _, r := range rows {
			fmt.Fprintf(w, "  %-*s  %s\n", width, r[0], r[1])
		}
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\n%s\n%s\n", i18n.T("EXAMPLES:"), c.Example)
	}
}

// Package commands is what the user types and sees: one file per command (an Options struct, a
// cobra constructor and a run function), the command tree and the plug-in metadata built from
// the same definitions (so the parser and what `ibmcloud` shows cannot drift apart), help in
// the CLI's layout, errors and output. The shell dialects are in shell/, the hooks in hooks/.
package commands

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
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

// NewRoot builds the command tree.
func NewRoot(d *Deps) *cobra.Command {
	root := &cobra.Command{
		Use:           Namespace,
		Short:         i18n.T("Print IAM access tokens for Key Protect and Hyper Protect Crypto Services."),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Runnable only to refuse what is not a command, in our words rather than cobra's.
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf(i18n.T("Name a command."))
			}
			return usageErrorf(i18n.T("'{{.Command}}' is not a kp-token command.", map[string]any{"Command": safetext.Quote(args[0])}))
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeHelp(c.OutOrStdout(), c) })
	root.AddCommand(NewCmdEnv(d), NewCmdPrint(d), NewCmdShow(d), NewCmdExec(d), NewCmdHook(d))
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
	return report(d.Stderr, cmd, err)
}

// noArgs refuses arguments, in our words.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf(i18n.T("'{{.Argument}}' is not an argument this command takes.", map[string]any{"Argument": safetext.Quote(args[0])}))
	}
	return nil
}

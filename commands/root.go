// Package commands is what the user types and sees: one file per command (an Options struct, a
// cobra constructor and a run function), the command tree and the plug-in metadata built from
// the same definitions (so the parser and what `ibmcloud` shows cannot drift apart), help in
// the CLI's layout, errors and output. The shell dialects are in shell/, the hooks in hooks/.
package commands

import (
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// subcommands are the commands, in the order help lists them.
var subcommands = []struct {
	name string
	make func(*Deps) *cobra.Command
}{
	{"env", NewCmdEnv}, {"print", NewCmdPrint}, {"show", NewCmdShow}, {"exec", NewCmdExec}, {"hook", NewCmdHook},
	{"instances", NewCmdInstances}, {"curl", NewCmdCurl}, {"version", NewCmdVersion},
}

// NewRoot builds the command tree.
func NewRoot(d *Deps) *cobra.Command { return newRoot(d, "") }

// newRoot builds the tree with every command, or with only the one named when there is one of
// that name: env runs at every shell start, and building all the others costs it time.
func newRoot(d *Deps, only string) *cobra.Command {
	root := &cobra.Command{
		Use:           Namespace,
		Short:         i18n.N("Print IAM access tokens for Key Protect and Hyper Protect Crypto Services."),
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
	root.Version = Version.String()
	root.SetVersionTemplate(versionLine() + "\n")
	root.Flags().Bool("version", false, i18n.N("Show the version of the kp-token plug-in."))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeHelp(c.OutOrStdout(), c) })
	for _, sub := range subcommands {
		if sub.name == only {
			root.AddCommand(sub.make(d))
		}
	}
	if !root.HasSubCommands() {
		for _, sub := range subcommands {
			root.AddCommand(sub.make(d))
		}
	}
	for _, c := range root.Commands() {
		c.Flags().SortFlags = false
	}
	return root
}

// Execute runs args (args[0] is the command, as the CLI passes them) and returns the exit
// status. On any failure stdout stays empty; FAILED and the reason go to stderr.
//
// IBMCLOUD_QUIET (ibmcloud -q) makes every command quiet, as the CLI's own are: no warnings or
// notes on stderr; FAILED and its message still; stdout as it would be.
func Execute(d *Deps, args []string) int {
	d.quiet = quietEnv(d.getenv("IBMCLOUD_QUIET"))
	only := ""
	if len(args) > 0 {
		only = args[0]
	}
	root := newRoot(d, only)
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
	return report(d, cmd, err)
}

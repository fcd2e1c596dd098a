package commands

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/i18n"
)

// EnvOptions are the inputs of `kp-token env`.
type EnvOptions struct {
	Name     string
	NoBearer bool
	Freshness
	Unset bool

	Out    io.Writer
	Tokens func() (TokenSource, error)
}

// NewCmdEnv builds `env`. runF replaces runEnv in tests of the flag parsing.
func NewCmdEnv(d *Deps, runF func(*EnvOptions) error) *cobra.Command {
	o := &EnvOptions{Out: d.Stdout, Tokens: d.Tokens}
	cmd := &cobra.Command{
		Use:   "env",
		Short: i18n.T("Print a shell command that exports the IAM access token."),
		Example: "  eval \"$(ibmcloud kp-token env)\"\n" +
			"  eval \"$(ibmcloud kp-token env --no-bearer --name KP_TOKEN)\"\n" +
			"  eval \"$(ibmcloud kp-token env --unset)\"",
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(o)
			}
			return runEnv(o)
		},
	}
	fs := cmd.Flags()
	registerNoBearer(fs, &o.NoBearer)
	registerName(fs, &o.Name)
	o.Freshness.register(fs)
	fs.BoolVar(&o.Unset, "unset", false, i18n.T("Print a command that unsets the variable instead."))
	cmd.MarkFlagsMutuallyExclusive("unset", "refresh")
	cmd.MarkFlagsMutuallyExclusive("unset", "no-bearer")
	cmd.MarkFlagsMutuallyExclusive("unset", "min-validity")
	return cmd
}

func runEnv(o *EnvOptions) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	if o.Unset {
		_, err := fmt.Fprintln(o.Out, shell.Unset(o.Name))
		return err
	}
	t, err := getToken(o.Tokens, opts)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(o.Out, shell.Export(o.Name, t.Value(!o.NoBearer)))
	return err
}

// printable quotes a user-supplied value for an error message so that control characters in
// it cannot act on the terminal.
func printable(s string) string {
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}

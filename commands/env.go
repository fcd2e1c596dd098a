package commands

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/commands/session"
	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/i18n"
)

// DefaultName is the variable IBM's Key Protect and Hyper Protect Crypto Services docs use.
const DefaultName = "ACCESS_TOKEN"

// DefaultMinValidity is how long a token must still live for env to hand it out unrefreshed.
const DefaultMinValidity = 5 * time.Minute

// TokenLifetime is how long IAM access tokens live: no token can be valid for longer.
const TokenLifetime = time.Hour

// EnvOptions are the inputs of `kp-token env`.
type EnvOptions struct {
	Name        string
	NoBearer    bool
	MinValidity time.Duration
	Refresh     bool
	Unset       bool

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
	fs.BoolVar(&o.NoBearer, "no-bearer", false, i18n.T("Print the token without the 'Bearer ' prefix."))
	fs.StringVar(&o.Name, "name", DefaultName, i18n.T("Name of the variable to set. The default is ACCESS_TOKEN."))
	setValueName(fs, "name", "NAME")
	fs.DurationVar(&o.MinValidity, "min-validity", DefaultMinValidity, i18n.T("Refresh the token first when it expires within this duration, such as 10m. The default is 5m."))
	fs.BoolVar(&o.Refresh, "refresh", false, i18n.T("Refresh the token first, whatever its expiry, for a full hour."))
	fs.BoolVar(&o.Unset, "unset", false, i18n.T("Print a command that unsets the variable instead."))
	cmd.MarkFlagsMutuallyExclusive("unset", "refresh")
	cmd.MarkFlagsMutuallyExclusive("unset", "no-bearer")
	cmd.MarkFlagsMutuallyExclusive("unset", "min-validity")
	return cmd
}

func runEnv(o *EnvOptions) error {
	if !shell.ValidName(o.Name) {
		return usageErrorf(i18n.T("'{{.Name}}' is not a valid variable name. Use letters, digits and underscores, not starting with a digit.",
			map[string]any{"Name": printable(o.Name)}))
	}
	if o.MinValidity < 0 || o.MinValidity >= TokenLifetime {
		return usageErrorf(i18n.T("--min-validity must be at least 0 and less than 1h, the life of an IAM access token."))
	}
	if o.Unset {
		_, err := fmt.Fprintln(o.Out, shell.Unset(o.Name))
		return err
	}
	src, err := o.Tokens()
	if err != nil {
		return err
	}
	t, err := src.Token(session.Options{MinValidity: o.MinValidity, Force: o.Refresh})
	if err != nil {
		return err
	}
	value := t.Bearer()
	if o.NoBearer {
		value = t.JWT
	}
	_, err = fmt.Fprintln(o.Out, shell.Export(o.Name, value))
	return err
}

// printable quotes a user-supplied value for an error message so that control characters in
// it cannot act on the terminal.
func printable(s string) string {
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}

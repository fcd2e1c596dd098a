package commands

import (
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/i18n"
)

// EnvOptions are the inputs of `kp-token env`.
type EnvOptions struct {
	Name       string
	NoBearer   bool
	Shell      string
	NoExport   bool
	WithExpiry bool
	TokenFlags
	Unset bool
	Hook  bool // run by the shell hook
}

// NewCmdEnv builds `env`.
func NewCmdEnv(d *Deps) *cobra.Command {
	o := &EnvOptions{}
	cmd := &cobra.Command{
		Use:   "env",
		Short: i18n.T("Print a shell command that exports the IAM access token."),
		Example: "  eval \"$(ibmcloud kp-token env)\"\n" +
			"  eval \"$(ibmcloud kp-token env --no-bearer --name KP_TOKEN)\"\n" +
			"  eval \"$(ibmcloud kp-token env --unset)\"",
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			d.brief = o.Hook
			if err := exclusive(c.Flags(), "unset", "refresh", "no-bearer", "min-validity"); err != nil {
				return err
			}
			return runEnv(d, o)
		},
	}
	fs := cmd.Flags()
	registerNoBearer(fs, &o.NoBearer)
	registerName(fs, &o.Name)
	fs.StringVar(&o.Shell, "shell", "sh", i18n.T("Shell to print for: sh (also bash, zsh, ksh, dash), fish, csh, tcsh, powershell, pwsh or cmd. The default is sh."))
	setValueName(fs, "shell", "SHELL")
	fs.BoolVar(&o.NoExport, "no-export", false, i18n.T("Set a shell variable without exporting it to the environment."))
	fs.BoolVar(&o.WithExpiry, "with-expiry", false, i18n.T("Also set NAME_EXPIRES_AT to the token's expiry in Unix seconds."))
	o.TokenFlags.register(fs)
	fs.BoolVar(&o.Unset, "unset", false, i18n.T("Print a command that unsets the variable and NAME_EXPIRES_AT instead."))
	// The shell hook's runs: one-line messages, and a timeout that names the hook.
	fs.BoolVar(&o.Hook, "hook", false, i18n.T("Report as the shell hook does: one line per message."))
	_ = fs.MarkHidden("hook")
	return cmd
}

func runEnv(d *Deps, o *EnvOptions) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	dialect, err := shell.ParseDialect(o.Shell)
	if err != nil {
		return unknownShell(o.Shell)
	}
	names := []string{o.Name}
	if o.WithExpiry || o.Unset {
		// --unset clears the expiry too, whichever way the token was set: no trace of a
		// token that is gone stays behind.
		names = append(names, o.Name+"_EXPIRES_AT")
	}
	var lines []string
	if o.Unset {
		if err := o.check(); err != nil {
			return err
		}
		for _, n := range names {
			line, err := dialect.Unset(n, !o.NoExport)
			if err != nil {
				return err
			}
			lines = append(lines, line)
		}
	} else {
		t, _, err := o.token(d)
		if err != nil {
			return err
		}
		values := []string{t.Value(!o.NoBearer), strconv.FormatInt(t.Expiry.Unix(), 10)}
		for i, n := range names {
			line, err := dialect.Set(n, values[i], !o.NoExport)
			if err != nil {
				return err
			}
			lines = append(lines, line)
		}
	}
	// All lines or none: nothing is written until every one is ready. csh's eval "`…`" turns
	// newlines into spaces, so its commands share one line.
	sep := "\n"
	if dialect == shell.Csh {
		sep = "; "
	}
	out := strings.Join(lines, sep)
	if name, _ := shell.Canonical(o.Shell); name == "csh" && len(out) > shell.BSDCshEvalMax {
		// BSD csh stops at "Word too long" and keeps the old value: refuse rather than hand it
		// a line it cannot take. tcsh has no such limit.
		return &statusError{code: 1, msg: i18n.T("The line for csh would be {{.Length}} characters long, and BSD csh takes at most {{.Max}} in one eval. Use --shell tcsh, which has no such limit.",
			map[string]any{"Length": len(out), "Max": shell.BSDCshEvalMax})}
	}
	_, err = io.WriteString(d.Stdout, out+"\n")
	return err
}

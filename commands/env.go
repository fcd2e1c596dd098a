package commands

import (
	"io"
	"strconv"
	"strings"

	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/safetext"

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
	InstanceFlags
	Format  string // "" (shell variables) or "sdk" (IBM's SDK variables)
	Service string // with --format sdk: the SDK service name
	Unset   bool
	Hook    bool // run by the shell hook
}

// NewCmdEnv builds `env`.
func NewCmdEnv(d *Deps) *cobra.Command {
	o := &EnvOptions{}
	cmd := &cobra.Command{
		Use:   "env",
		Short: i18n.N("Print a shell command that exports the IAM access token."),
		Example: "  eval \"$(ibmcloud kp-token env)\"\n" +
			"  eval \"$(ibmcloud kp-token env --instance my-kp)\"\n" +
			"  eval \"$(ibmcloud kp-token env --format sdk --instance my-kp)\"\n" +
			"  eval \"$(ibmcloud kp-token env --no-bearer --name KP_TOKEN)\"\n" +
			"  eval \"$(ibmcloud kp-token env --unset)\"\n" +
			// Comment lines are message IDs, translated when shown (writeHelp).
			"  # " + i18n.N("In a shell profile, the plug-in's binary on your PATH is the better line: it skips the CLI's start-up, and nothing but kp-token's own output reaches the shell.") + "\n" +
			"  eval \"$(kp-token env --timeout 5s 2>/dev/null)\"\n" +
			"  # " + i18n.N("Through the CLI: IBMCLOUD_VERSION_CHECK=false and -q keep the CLI's update notices and verbose lines out of what the shell evaluates.") + "\n" +
			"  eval \"$(IBMCLOUD_VERSION_CHECK=false ibmcloud -q kp-token env --timeout 5s 2>/dev/null)\"",
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			d.brief = o.Hook
			if err := exclusive(c.Flags(), "unset", "refresh", "no-bearer", "min-validity"); err != nil {
				return err
			}
			if err := exclusive(c.Flags(), "format", "name", "no-bearer", "with-expiry"); err != nil {
				return err
			}
			return runEnv(d, o)
		},
	}
	fs := cmd.Flags()
	registerNoBearer(fs, &o.NoBearer)
	registerName(fs, &o.Name)
	fs.StringVar(&o.Shell, "shell", "sh", i18n.N("Shell to print for: sh (also bash, zsh, ksh, dash), fish, csh, tcsh, powershell, pwsh or cmd. The default is sh."))
	setValueName(fs, "shell", "SHELL")
	fs.BoolVar(&o.NoExport, "no-export", false, i18n.N("Set a shell variable without exporting it to the environment."))
	fs.BoolVar(&o.WithExpiry, "with-expiry", false, i18n.N("Also set NAME_EXPIRES_AT to the token's expiry in Unix seconds."))
	o.TokenFlags.register(fs)
	o.InstanceFlags.register(fs)
	fs.StringVar(&o.Format, "format", "", i18n.N("sdk: print the variables IBM's SDKs read (IBM_KEY_PROTECT_API_AUTH_TYPE, _BEARER_TOKEN and _URL, with KP_INSTANCE_ID) instead of NAME."))
	setValueName(fs, "format", "FORMAT")
	fs.StringVar(&o.Service, "service", kms.DefaultSDKService, i18n.N("With --format sdk, the service name whose variables to set. The default is ibm_key_protect_api."))
	setValueName(fs, "service", "NAME")
	fs.BoolVar(&o.Unset, "unset", false, i18n.N("Print a command that unsets the variable and NAME_EXPIRES_AT instead."))
	// The shell hook's runs: one-line messages, and a timeout that names the hook.
	fs.BoolVar(&o.Hook, "hook", false, i18n.N("Report as the shell hook does: one line per message."))
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
	if err := o.InstanceFlags.check(); err != nil {
		return err
	}
	var sdk kms.SDKNames
	switch strings.ToLower(o.Format) {
	case "":
	case "sdk":
		if sdk, err = kms.SDKVars(o.Service); err != nil {
			return usageErrorf(err.Error())
		}
	default:
		return usageErrorf(i18n.T("'{{.Format}}' is not a format env knows. Give sdk, or no --format for NAME.", map[string]any{"Format": safetext.Quote(o.Format)}))
	}
	// The variables, in order: the token's (or the SDK's), then the instance's.
	names := []string{o.Name}
	if sdk.AuthType != "" {
		names = []string{sdk.AuthType, sdk.BearerToken, sdk.URL}
	} else if o.WithExpiry || o.Unset {
		// --unset clears the expiry too, whichever way the token was set: no trace of a
		// token that is gone stays behind.
		names = append(names, o.Name+"_EXPIRES_AT")
	}
	// --unset of the SDK's variables takes the instance's too: SDK code reads them together.
	if o.Instance != "" || o.Unset && sdk.AuthType != "" {
		names = append(names, kms.EnvInstanceID, kms.EnvURL)
	}
	var lines []string
	if o.Unset {
		if err := o.TokenFlags.check(); err != nil {
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
		t, inst, err := tokenAndInstance(d, &o.TokenFlags, &o.InstanceFlags)
		if err != nil {
			return err
		}
		values := []string{t.Value(!o.NoBearer)}
		switch {
		case sdk.AuthType != "":
			url := ""
			if inst != nil {
				url = inst.URL
			}
			values = []string{kms.AuthTypeBearerToken, t.JWT, url}
		case o.WithExpiry:
			values = append(values, strconv.FormatInt(t.Expiry.Unix(), 10))
		}
		if inst != nil {
			values = append(values, inst.Instance.GUID, inst.URL)
		}
		for i, n := range names {
			if values[i] == "" {
				continue // the SDK's URL without an instance: left as the user has it
			}
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

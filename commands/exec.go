package commands

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strings"

	"github.com/kp-token/kp-token/plugin/kms"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// ExecOptions are the inputs of `kp-token exec`.
type ExecOptions struct {
	Name     string
	NoBearer bool
	TokenFlags
	InstanceFlags
	Serve    bool     // answer IAM's API-key grant for the command while it runs
	Services []string // with Serve: the SDK service names whose variables to set
	Command  []string
}

// NewCmdExec builds `exec`: run one command with the token in its environment, leaving the
// shell's own environment alone (aws-vault's exec is the model).
func NewCmdExec(d *Deps) *cobra.Command {
	o := &ExecOptions{}
	cmd := &cobra.Command{
		Use:   "exec",
		Short: i18n.N("Run a command with the IAM access token in its environment."),
		Example: "  ibmcloud kp-token exec -- ./list-keys.sh\n" +
			"  ibmcloud kp-token exec --name KP_TOKEN --no-bearer -- terraform apply\n" +
			"  ibmcloud kp-token exec --serve --instance my-kp -- python rotate_keys.py\n" +
			"  ibmcloud kp-token exec --serve -- $SHELL",
		Annotations: map[string]string{"args": "-- COMMAND [ARG...]"},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf(i18n.T("Name the command to run after '--'."))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.Command = args
			return runExec(d, o)
		},
	}
	// Everything after the command belongs to it, flags included.
	cmd.Flags().SetInterspersed(false)
	fs := cmd.Flags()
	registerName(fs, &o.Name)
	fs.BoolVar(&o.NoBearer, "no-bearer", false, i18n.N("Put the token in the variable without the 'Bearer ' prefix."))
	o.TokenFlags.register(fs)
	o.InstanceFlags.register(fs)
	fs.BoolVar(&o.Serve, "serve", false, i18n.N("Answer IAM's API-key grant on a loopback address for as long as the command runs, so that IBM's SDKs in it renew their token from the session (IBM_KEY_PROTECT_API_AUTH_TYPE=iam, _APIKEY and _AUTH_URL)."))
	fs.StringArrayVar(&o.Services, "service", nil, i18n.N("With --serve, a service name whose SDK variables to set; repeat it for more. The default is ibm_key_protect_api."))
	setValueName(fs, "service", "NAME")
	return cmd
}

func runExec(d *Deps, o *ExecOptions) error {
	if err := checkName(o.Name); err != nil {
		return err
	}
	if err := o.TokenFlags.check(); err != nil {
		return err
	}
	if err := o.InstanceFlags.check(); err != nil {
		return err
	}
	if err := o.checkServe(); err != nil {
		return err
	}
	// Find the command before asking for a token: a typo should not cost a refresh.
	path, err := exec.LookPath(o.Command[0])
	if err != nil {
		return notRunnable(o.Command[0], err)
	}
	t, inst, err := tokenAndInstance(d, &o.TokenFlags, &o.InstanceFlags)
	if err != nil {
		return err
	}
	env := withVar(os.Environ(), o.Name, t.Value(!o.NoBearer))
	if inst != nil {
		env = withVar(withVar(env, kms.EnvInstanceID, inst.Instance.GUID), kms.EnvURL, inst.URL)
	}
	if o.Serve {
		return runServe(d, o, path, env, t, inst)
	}
	if err := execProcess(path, o.Command, env); err != nil {
		return notRunnable(o.Command[0], err)
	}
	return nil
}

// withVar is env with NAME set to value, every earlier NAME removed.
func withVar(env []string, name, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return append(out, name+"="+value)
}

// notRunnable is the shell's convention: 127 when the command is not found, 126 when it is
// found but cannot be run.
func notRunnable(name string, err error) error {
	args := map[string]any{"Command": safetext.Quote(name)}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return &statusError{127, i18n.T("Command '{{.Command}}' not found. Check its name and your PATH.", args)}
	}
	return &statusError{126, i18n.T("Command '{{.Command}}' cannot be run: {{.Error}}. Check that it is a program you may run.", map[string]any{"Command": safetext.Quote(name), "Error": errorText(err)})}
}

// errorText is an OS or exec error without the path and operation Go puts before it.
func errorText(err error) string {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err.Error()
	}
	return safetext.OSError(err)
}

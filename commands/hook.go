package commands

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/commands/hooks"
	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
	"github.com/kp-token/kp-token/plugin/token"
)

// HookOptions are the inputs of `kp-token hook`.
type HookOptions struct {
	Shell    string
	Name     string
	NoBearer bool
	Freshness
	Credential
	InstanceFlags
	Quiet bool
}

// NewCmdHook builds `hook`: code for a shell profile that keeps a long-lived shell supplied with
// a live token.
func NewCmdHook(d *Deps) *cobra.Command {
	o := &HookOptions{}
	cmd := &cobra.Command{
		Use:   "hook",
		Short: i18n.N("Print profile code for bash, zsh or fish that keeps the IAM access token fresh."),
		Example: "  eval \"$(ibmcloud kp-token hook bash)\"      # ~/.bashrc\n" +
			"  eval \"$(ibmcloud kp-token hook zsh)\"       # ~/.zshrc\n" +
			"  ibmcloud kp-token hook fish | source        # ~/.config/fish/config.fish",
		Annotations: map[string]string{"args": "SHELL"},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf(i18n.T("Name one shell: bash, zsh or fish."))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.Shell = args[0]
			return runHook(d, o)
		},
	}
	fs := cmd.Flags()
	registerName(fs, &o.Name)
	// The hook sets a variable: it prints no token (registerNoBearer's words are print's and env's).
	fs.BoolVar(&o.NoBearer, "no-bearer", false, i18n.N("Put the token in the variable without the 'Bearer ' prefix."))
	o.Freshness.register(fs)
	registerAPIKey(fs, &o.APIKey, i18n.N("Use the API key in this file (@FILE) instead of the login session. $IBMCLOUD_API_KEY works too."), "@FILE")
	o.registerContainer(fs, i18n.N("Use the container token in this file (@FILE), with --profile, instead of the login session. $IBMCLOUD_CR_TOKEN works too."), "@FILE")
	o.registerAssume(fs)
	o.InstanceFlags.register(fs)
	fs.BoolVar(&o.Quiet, "quiet", false, i18n.N("Print no message in the shell, not even when a refresh fails (the variable is unset then)."))
	return cmd
}

func runHook(d *Deps, o *HookOptions) error {
	sh, err := shell.Canonical(o.Shell)
	if err != nil {
		return unknownShell(o.Shell)
	}
	if !hooks.Supported(sh) {
		return usageErrorf(i18n.T("There is no hook for {{.Shell}}. The hook supports bash, zsh and fish; in another shell, use env in its profile.", map[string]any{"Shell": sh}))
	}
	if err := checkName(o.Name); err != nil {
		return err
	}
	if !hooks.Settable(sh, o.Name) {
		return usageErrorf(i18n.T("The hook cannot set '{{.Name}}': {{.Shell}} keeps that variable for itself, or the hook uses it. Choose another --name.", map[string]any{"Name": o.Name, "Shell": sh}))
	}
	if err := o.Freshness.check(); err != nil {
		return err
	}
	if err := o.Credential.check(); err != nil {
		return err
	}
	if err := o.InstanceFlags.check(); err != nil {
		return err
	}
	// What env would refuse at every prompt is refused here, once (the same words).
	profile := o.Assume
	if profile == "" {
		profile = d.getenv(token.AssumeEnv)
	}
	switch {
	case profile == "" && o.Account != "":
		return usageErrorf(i18n.T("--account names the account of a trusted profile to assume: give --assume PROFILE too, or set KP_TOKEN_ASSUME."))
	case (o.Assume != "" || o.Account != "") && token.BadAssume(profile, o.Account):
		return usageErrorf(i18n.T("The trusted profile to assume (--assume, or KP_TOKEN_ASSUME) or its account (--account, or KP_TOKEN_ACCOUNT) is blank or holds control characters. Give the profile's ID, CRN or name."))
	}
	// The hook runs this very binary, not `ibmcloud`: it skips the CLI's start-up at every refresh.
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	s := hooks.Script{Shell: sh, Bin: bin, Name: o.Name, MinValidity: o.MinValidity, NoBearer: o.NoBearer, Quiet: o.Quiet, Profile: o.Profile}
	if o.Assume != "" {
		s.Assume = []string{"--assume", o.Assume}
	}
	if o.Account != "" {
		s.Assume = append(s.Assume, "--account", o.Account)
	}
	if o.Instance != "" {
		s.Instance = []string{"--instance", o.Instance}
		switch {
		case o.Private:
			s.Instance = append(s.Instance, "--private")
		case o.Public:
			s.Instance = append(s.Instance, "--public")
		case o.URL != "":
			s.Instance = append(s.Instance, "--url", o.URL)
		}
	}
	switch {
	case o.APIKey != "":
		if s.KeyFile, err = hookKeyFile(d.Runtime, o.APIKey, false, d.warn); err != nil {
			return err
		}
	case o.CRToken != "":
		if s.CRFile, err = hookKeyFile(d.Runtime, o.CRToken, true, d.warn); err != nil {
			return err
		}
	default:
		if err := checkEnvCRFile(d.Runtime.EnvCRToken(o.Profile != "")); err != nil {
			return err
		}
		if o.Profile == "" {
			s.Config = d.Runtime.ConfigPath() // the login session: a new login shows in config.json
		}
	}
	if s.Stamp, err = stampPath(d.Runtime, bin, o.Name); err != nil {
		return err
	}
	script, err := s.Render()
	if err != nil {
		return err
	}
	_, err = io.WriteString(d.Stdout, script)
	return err
}

// hookKeyFile checks --apikey (or, container, --cr-token) for a hook and returns the file's
// absolute path. Only a file: the hook's code goes into a profile, where a key must not be
// written, and runs at every prompt, where standard input is the user's. Only a regular file:
// reading a FIFO from a profile would hold the shell's start (and take the key meant for
// someone else).
func hookKeyFile(rt Runtime, flag string, container bool, warn func(string)) (string, error) {
	path, ok := strings.CutPrefix(flag, "@")
	if !ok || path == "-" || path == "" {
		return "", usageErrorf(i18n.T("With hook, --apikey and --cr-token take @FILE only; or set IBMCLOUD_API_KEY or IBMCLOUD_CR_TOKEN."))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	switch {
	case err != nil || info.Mode().IsRegular():
	case container: // a directory too: the run's words for it would be an API key's
		return "", usageErrorf(i18n.T("With hook, --cr-token takes a regular file; '{{.Where}}' is not one.", map[string]any{"Where": safetext.Quote(abs)}))
	case !info.IsDir():
		return "", usageErrorf(i18n.T("With hook, --apikey takes a regular file; '{{.Where}}' is not one.", map[string]any{"Where": safetext.Quote(abs)}))
	}
	return rt.CheckKeyFile(path, container, warn)
}

// checkEnvCRFile refuses the file $IBMCLOUD_CR_TOKEN names (as @FILE), crToken, when it is
// there but not a regular file: every prompt's run would read it (a FIFO would be waited on).
// One that is missing is the run's to report, as it may be made later.
func checkEnvCRFile(crToken string) error {
	path, ok := strings.CutPrefix(crToken, "@")
	if !ok || path == "" {
		return nil
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return &statusError{code: 1, msg: i18n.T("IBMCLOUD_CR_TOKEN names '{{.Where}}', which is not a regular file. Name a regular file, or unset IBMCLOUD_CR_TOKEN.", map[string]any{"Where": safetext.Quote(path)})}
	}
	return nil
}

// stampPath is where each shell's stamp goes (with its PID after it): a file in the user's
// private directory whose age says how long ago the shell fetched its token. Stamps of shells
// that have ended are removed here, at the start of a new one.
func stampPath(rt Runtime, bin, name string) (string, error) {
	dir, err := rt.StampDir()
	var unsafe UserFacing // an unsafe directory (disk.UnsafeError) says what to remove
	if errors.As(err, &unsafe) {
		return "", &statusError{code: 1, msg: unsafe.Error()}
	}
	if err != nil {
		return "", &statusError{code: 1, msg: i18n.T("There is no directory for the hook's stamp file: {{.Error}}. Set XDG_RUNTIME_DIR or XDG_CACHE_HOME to a directory of yours that you can write to.", map[string]any{"Error": err.Error()})}
	}
	removeEndedStamps(dir)
	sum := sha256.Sum256([]byte(bin + "\x00" + name + "\x00" + rt.ConfigPath())) // one CLI home's shells apart from another's
	return filepath.Join(dir, "hook-"+hex.EncodeToString(sum[:6])+".stamp"), nil
}

// removeEndedStamps removes the stamps whose shell (the PID after the name) no longer runs.
func removeEndedStamps(dir string) {
	stamps, _ := filepath.Glob(filepath.Join(dir, "hook-*.stamp.*"))
	for _, f := range stamps {
		pid, err := strconv.Atoi(f[strings.LastIndexByte(f, '.')+1:])
		if err != nil || pid <= 0 {
			continue
		}
		p, err := os.FindProcess(pid)
		if err == nil {
			err = p.Signal(syscall.Signal(0)) // nil, or EPERM for another user's process: it runs
		}
		if err != nil && !errors.Is(err, syscall.EPERM) {
			_ = os.Remove(f)
		}
	}
}

package commands

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/commands/hooks"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/disk"
	"github.com/kp-token/kp-token/plugin/safetext"
	"github.com/kp-token/kp-token/plugin/source"
)

// HookOptions are the inputs of `kp-token hook`.
type HookOptions struct {
	Shell    string
	Name     string
	NoBearer bool
	Freshness
	APIKey string
}

// NewCmdHook builds `hook`: code for a shell profile that keeps a long-lived shell supplied with
// a live token.
func NewCmdHook(d *Deps) *cobra.Command {
	o := &HookOptions{}
	cmd := &cobra.Command{
		Use:   "hook",
		Short: i18n.T("Print profile code for bash, zsh or fish that keeps the IAM access token fresh."),
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
	registerNoBearer(fs, &o.NoBearer)
	o.Freshness.register(fs)
	registerAPIKey(fs, &o.APIKey, i18n.T("Use the API key in this file (@FILE) instead of the login session. $IBMCLOUD_API_KEY works too."), "@FILE")
	return cmd
}

func runHook(d *Deps, o *HookOptions) error {
	if !hooks.Supported(o.Shell) {
		return usageErrorf(i18n.T("'{{.Shell}}' is not a shell the hook supports. Use bash, zsh or fish.", map[string]any{"Shell": safetext.Quote(o.Shell)}))
	}
	if err := checkName(o.Name); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	// The hook runs this very binary, not `ibmcloud`: it skips the CLI's start-up at every refresh.
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	s := hooks.Script{Shell: o.Shell, Bin: bin, Name: o.Name, MinValidity: o.MinValidity, NoBearer: o.NoBearer}
	if o.APIKey != "" {
		if s.KeyFile, err = hookKeyFile(o.APIKey, func(msg string) { warn(d.Stderr, msg) }); err != nil {
			return err
		}
	}
	if o.Shell == "fish" {
		if s.Stamp, err = stampPath(bin, o.Name); err != nil {
			return err
		}
	}
	script, err := s.Render()
	if err != nil {
		return err
	}
	_, err = io.WriteString(d.Stdout, script)
	return err
}

// hookKeyFile checks --apikey for a hook and returns the key file's absolute path. Only a file:
// the hook's code goes into a profile, where a key must not be written, and runs at every
// prompt, where standard input is the user's. Only a regular file: reading a FIFO from a
// profile would hold the shell's start (and take the key meant for someone else).
func hookKeyFile(flag string, warn func(string)) (string, error) {
	path, ok := strings.CutPrefix(flag, "@")
	if !ok || path == "-" || path == "" {
		return "", usageErrorf(i18n.T("With hook, --apikey takes @FILE only; or set IBMCLOUD_API_KEY."))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if info, err := os.Stat(abs); err == nil && !info.Mode().IsRegular() && !info.IsDir() {
		return "", usageErrorf(i18n.T("With hook, --apikey takes a regular file; '{{.Where}}' is not one.", map[string]any{"Where": safetext.Quote(abs)}))
	}
	return source.CheckKeyFile(path, warn)
}

// stampPath is fish's clock: a file in the user's private directory whose age says how long
// ago the token was fetched.
func stampPath(bin, name string) (string, error) {
	dir, err := disk.PrivateDir()
	if err != nil {
		return "", errors.New(i18n.T("no directory for the hook's stamp file: {{.Error}}", map[string]any{"Error": err.Error()}))
	}
	sum := sha256.Sum256([]byte(bin + "\x00" + name + "\x00" + os.Getenv("IBMCLOUD_HOME") + os.Getenv("IBMCLOUD_CONFIG_HOME")))
	return filepath.Join(dir, "hook-"+hex.EncodeToString(sum[:6])+".stamp"), nil
}

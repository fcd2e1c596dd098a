package commands

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/i18n"
)

//go:embed hooks/bash.sh hooks/zsh.zsh hooks/fish.fish
var hookScripts embed.FS

var hookFiles = map[string]string{"bash": "hooks/bash.sh", "zsh": "hooks/zsh.zsh", "fish": "hooks/fish.fish"}

// HookOptions are the inputs of `kp-token hook`.
type HookOptions struct {
	Shell       string
	Name        string
	NoBearer    bool
	MinValidity time.Duration
	APIKey      string

	Out        io.Writer
	Executable func() (string, error)
}

// NewCmdHook builds `hook`: code for a shell profile that keeps a long-lived shell supplied with
// a live token.
func NewCmdHook(d *Deps, runF func(*HookOptions) error) *cobra.Command {
	o := &HookOptions{Out: d.Stdout, Executable: os.Executable}
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
			if runF != nil {
				return runF(o)
			}
			return runHook(o)
		},
	}
	fs := cmd.Flags()
	registerName(fs, &o.Name)
	registerNoBearer(fs, &o.NoBearer)
	fs.DurationVar(&o.MinValidity, "min-validity", DefaultMinValidity, i18n.T("Refresh the token first when it expires within this duration, such as 10m. The default is 5m."))
	setValueName(fs, "min-validity", "DURATION")
	fs.StringVar(&o.APIKey, "apikey", "", i18n.T("Use the API key in this file (@FILE) instead of the login session. $IBMCLOUD_API_KEY works too."))
	setValueName(fs, "apikey", "@FILE")
	return cmd
}

func runHook(o *HookOptions) error {
	file, ok := hookFiles[o.Shell]
	if !ok {
		return usageErrorf(i18n.T("'{{.Shell}}' is not a shell the hook supports. Use bash, zsh or fish.", map[string]any{"Shell": printable(o.Shell)}))
	}
	if err := checkName(o.Name); err != nil {
		return err
	}
	if _, err := (&TokenFlags{MinValidity: o.MinValidity}).options(); err != nil {
		return err
	}
	// The hook runs this very binary, not `ibmcloud`: it skips the CLI's start-up at every refresh.
	bin, err := o.Executable()
	if err != nil {
		return err
	}
	script, err := hookScripts.ReadFile(file)
	if err != nil {
		return err
	}
	dialect := shell.POSIX
	if o.Shell == "fish" {
		dialect = shell.Fish
	}
	var flags []string
	if o.NoBearer {
		flags = append(flags, "--no-bearer")
	}
	if o.APIKey != "" {
		// Only a file: the hook's code goes into a profile, where a key must not be written,
		// and runs at every prompt, where standard input is the user's.
		path, ok := strings.CutPrefix(o.APIKey, "@")
		if !ok || path == "-" || path == "" {
			return usageErrorf(i18n.T("With hook, --apikey takes @FILE only; or set IBMCLOUD_API_KEY."))
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		// A regular file only: reading a FIFO here, from a profile, would hold the shell's
		// start (and take the key meant for someone else).
		if info, err := os.Stat(abs); err == nil && !info.Mode().IsRegular() && !info.IsDir() {
			return usageErrorf(i18n.T("With hook, --apikey takes a regular file; '{{.Where}}' is not one.", map[string]any{"Where": printable(abs)}))
		}
		if _, err := readKeyFile(abs); err != nil {
			return usageErrorf(i18n.T("Cannot read the API key from {{.Where}}: {{.Error}}. Check that it exists and that you can read it.", map[string]any{"Where": printable(abs), "Error": errorText(err)}))
		}
		q, err := dialect.Quote("@" + abs)
		if err != nil {
			return err
		}
		flags = append(flags, "--apikey", q)
	}
	quotedBin, err := dialect.Quote(bin)
	if err != nil {
		return err
	}
	quotedStamp := ""
	if o.Shell == "fish" {
		stamp, err := stampPath(bin, o.Name)
		if err != nil {
			return err
		}
		if quotedStamp, err = dialect.Quote(stamp); err != nil {
			return err
		}
	}
	_, err = io.WriteString(o.Out, strings.NewReplacer(
		"__BIN__", quotedBin,
		"__NAME__", o.Name,
		"__MIN__", strconv.Itoa(int(o.MinValidity.Seconds())),
		"__FLAGS__", strings.Join(flags, " "),
		"__TIMEOUT__", strconv.Itoa(int(HookTimeout.Seconds())),
		"__STAMP__", quotedStamp,
	).Replace(string(script)))
	return err
}

// HookTimeout bounds each refresh the hook starts: a prompt must not freeze for the CLI's
// whole bound while IAM is down.
const HookTimeout = 5 * time.Second

// stampPath is fish's clock: a file in the user's own runtime or cache directory whose age
// says how long ago the token was fetched.
func stampPath(bin, name string) (string, error) {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			return "", errors.New(i18n.T("no directory for the hook's stamp file: {{.Error}}", map[string]any{"Error": err.Error()}))
		}
	}
	dir := filepath.Join(base, "kp-token")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(bin + "\x00" + name + "\x00" + os.Getenv("IBMCLOUD_HOME") + os.Getenv("IBMCLOUD_CONFIG_HOME")))
	return filepath.Join(dir, "hook-"+hex.EncodeToString(sum[:6])+".stamp"), nil
}

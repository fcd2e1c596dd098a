// Package hooks writes the profile code of `kp-token hook`: a script per shell that exports
// the token when the shell starts and again whenever it is about to fall due, so that a shell
// that stays open for days always holds a live token.
//
// What the scripts do, and why (the scripts themselves carry one comment line, since they are
// printed into every user's shell):
//
//   - Each refresh runs this very binary, not `ibmcloud`, so it skips the CLI's start-up, with
//     `env --with-expiry` so the shell learns when to refresh next, and `--timeout` so a dead
//     IAM cannot hold a prompt for long.
//   - While the token is fresh no process is started: the shell compares its own clock with
//     NAME_EXPIRES_AT minus the minimum validity. bash >= 4.2 reads the clock from
//     $EPOCHSECONDS or printf '%(%s)T' (bash 3.2 runs one `date` per prompt); zsh from
//     zsh/datetime's EPOCHSECONDS; fish has no clock builtin, so the age of a stamp file
//     written at each refresh (`path mtime`, fish >= 3.5) tells the time (older fish runs one
//     `date` per prompt). Each fish shell has its own stamp: its clock starts at its own
//     refresh.
//   - bash checks before each prompt (PROMPT_COMMAND, kept as a string or an array as the user
//     has it); zsh and fish before each prompt and each command (precmd and preexec hooks,
//     fish_prompt and fish_preexec events).
//   - A failed refresh never leaves a stale token behind: the variables are unset, the failure
//     is shown once, and the refresh is tried again each minute, quietly.
//   - The exit status the user's next prompt sees is the one their command left.
package hooks

import (
	"embed"
	"strconv"
	"strings"
	"time"

	"github.com/kp-token/kp-token/commands/shell"
)

//go:embed bash.sh zsh.zsh fish.fish
var scripts embed.FS

var files = map[string]string{"bash": "bash.sh", "zsh": "zsh.zsh", "fish": "fish.fish"}

// Timeout bounds each refresh a hook starts: a prompt must not freeze for the CLI's whole bound
// while IAM is down.
const Timeout = 5 * time.Second

// Supported reports whether there is a hook for the shell.
func Supported(sh string) bool {
	_, ok := files[sh]
	return ok
}

// Dialect is the syntax the shell's hook is written in.
func Dialect(sh string) shell.Dialect {
	if sh == "fish" {
		return shell.Fish
	}
	return shell.POSIX
}

// Script are the values a hook is written with. Name must be a valid variable name; Bin,
// KeyFile and Stamp are quoted here for the shell.
type Script struct {
	Shell       string
	Bin         string // the kp-token binary the hook runs
	Name        string // the variable it sets
	MinValidity time.Duration
	NoBearer    bool
	KeyFile     string // --apikey @KeyFile: an absolute path, or "" for the session or $IBMCLOUD_API_KEY
	Stamp       string // fish: the stamp file's path, without the per-shell suffix
}

// Render writes the hook.
func (s Script) Render() (string, error) {
	b, err := scripts.ReadFile(files[s.Shell])
	if err != nil {
		return "", err
	}
	d := Dialect(s.Shell)
	quote := func(v string) string {
		if err != nil {
			return ""
		}
		var q string
		q, err = d.Quote(v)
		return q
	}
	var flags []string
	if s.NoBearer {
		flags = append(flags, "--no-bearer")
	}
	if s.KeyFile != "" {
		flags = append(flags, "--apikey", quote("@"+s.KeyFile))
	}
	bin, stamp := quote(s.Bin), ""
	if s.Stamp != "" {
		stamp = quote(s.Stamp)
	}
	if err != nil {
		return "", err
	}
	return strings.NewReplacer(
		"__BIN__", bin,
		"__NAME__", s.Name,
		"__MIN__", strconv.Itoa(int(s.MinValidity.Seconds())),
		"__FLAGS__", strings.Join(flags, " "),
		"__TIMEOUT__", strconv.Itoa(int(Timeout.Seconds())),
		"__STAMP__", stamp,
	).Replace(string(b)), nil
}

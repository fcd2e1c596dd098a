// Package shelltest is the one roster of real shells the tests evaluate kp-token's output with,
// and the rule for a missing one: skipped on a developer's machine, a failure under CI=true
// (where .ci/run installs every one; all are Debian packages).
package shelltest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/kp-token/kp-token/commands/shell"
)

// Shell is a shell the tests run, the way its users do.
type Shell struct {
	Name    string   // the name in test names
	Argv    []string // the command, with options that keep the user's start-up files out; the script follows as -c SCRIPT
	Dialect shell.Dialect
	Flag    string // the value of env's --shell for it
	// MaxLine is the longest line the shell's eval reads, 0 for no limit. A longer line must
	// fail closed: the variable is left unset, never set to something else.
	MaxLine int
	// Interactive says the shell is also run as an interactive shell (-i, script on stdin),
	// where csh's history substitution has real events to substitute.
	Interactive bool
	Prelude     string // run first, to set the shell's options
	Package     string // the Debian package, when it is not Argv[0]
}

// All is every shell the tests evaluate lines with.
var All = []Shell{
	{Name: "bash", Argv: []string{"bash", "--norc", "--noprofile"}, Flag: "bash"},
	{Name: "dash", Argv: []string{"dash"}, Flag: "dash"},
	{Name: "zsh", Argv: []string{"zsh", "-f"}, Flag: "zsh"},
	{Name: "ksh", Argv: []string{"ksh"}, Flag: "ksh"},
	{Name: "mksh", Argv: []string{"mksh"}, Flag: "mksh"},
	{Name: "yash", Argv: []string{"yash"}, Flag: "yash"},
	{Name: "busybox", Argv: []string{"busybox", "sh"}, Flag: "sh"},
	{Name: "fish", Argv: []string{"fish", "--no-config"}, Dialect: shell.Fish, Flag: "fish"},
	{Name: "tcsh", Argv: []string{"tcsh", "-f"}, Dialect: shell.Csh, Flag: "tcsh", Interactive: true},
	// With backslash_quote, a backslash quotes \, ' and " inside single quotes too.
	{Name: "tcsh-backslash_quote", Argv: []string{"tcsh", "-f"}, Dialect: shell.Csh, Flag: "tcsh", Prelude: "set backslash_quote"},
	{Name: "bsd-csh", Argv: []string{"bsd-csh", "-f"}, Dialect: shell.Csh, Flag: "csh", MaxLine: shell.BSDCshEvalMax, Interactive: true, Package: "csh"},
}

// Of returns the installed shells of dialect d, with their paths. A missing shell is a failure
// under CI=true and is left out otherwise.
func Of(tb testing.TB, d shell.Dialect) []Shell {
	tb.Helper()
	var out []Shell
	for _, sh := range All {
		if sh.Dialect != d {
			continue
		}
		path, err := exec.LookPath(sh.Argv[0])
		if err != nil {
			if os.Getenv("CI") == "true" {
				sh.missing(tb)
			}
			tb.Logf("%s is not installed: not tested", sh.Argv[0])
			continue
		}
		sh.Argv = append([]string{path}, sh.Argv[1:]...)
		out = append(out, sh)
	}
	return out
}

// Require returns sh with its path, or skips (fails under CI=true) when it is missing.
func Require(tb testing.TB, sh Shell) Shell {
	tb.Helper()
	path, err := exec.LookPath(sh.Argv[0])
	if err != nil {
		sh.missing(tb)
	}
	sh.Argv = append([]string{path}, sh.Argv[1:]...)
	return sh
}

// Tool returns the path of another program the tests drive (tmux, curl), by the same rule.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Shell{Argv: []string{name}}.missing(tb)
	}
	return path
}

// Eval is the line a user evaluates env's output with: cmd is the env command line.
func (sh Shell) Eval(cmd string) string {
	switch sh.Dialect {
	case shell.Fish:
		return cmd + " | source"
	case shell.Csh:
		return "eval \"`" + cmd + "`\""
	}
	return `eval "$(` + cmd + `)"`
}

// Show is a script that prints variable name's value, or "<unset>".
func (sh Shell) Show(name string) string {
	switch sh.Dialect {
	case shell.Fish:
		return fmt.Sprintf(`if set -q %[1]s; printf '%%s' "$%[1]s"; else; printf '<unset>'; end`, name)
	case shell.Csh:
		return fmt.Sprintf("if ($?%[1]s) then\nprintf '%%s' \"$%[1]s\"\nelse\nprintf '<unset>'\nendif", name)
	}
	return fmt.Sprintf(`printf '%%s' "${%[1]s-<unset>}"`, name)
}

func (sh Shell) missing(tb testing.TB) {
	tb.Helper()
	pkg := sh.Package
	if pkg == "" {
		pkg = sh.Argv[0]
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is not installed; .ci/run must install the Debian package %s", sh.Argv[0], pkg)
	}
	tb.Skipf("%s is not installed (Debian package %s)", sh.Argv[0], pkg)
}

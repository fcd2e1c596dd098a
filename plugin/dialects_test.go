package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// dialectShell evaluates env's output the way its users do and reports a variable.
type dialectShell struct {
	argv  []string // the shell, to which "-c SCRIPT" is appended
	flag  string   // env's --shell value
	eval  string   // %s is the env command line
	show  string   // %s is the variable: prints its value, or "<unset>"
	child string   // %s is the variable: what a child process sees, or "<unset>"
}

var dialectShells = []dialectShell{
	{[]string{"bash"}, "bash", `eval "$(%s)"`, `printf '%%s' "${%[1]s-<unset>}"`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"dash"}, "sh", `eval "$(%s)"`, `printf '%%s' "${%[1]s-<unset>}"`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"zsh"}, "zsh", `eval "$(%s)"`, `printf '%%s' "${%[1]s-<unset>}"`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"ksh"}, "ksh", `eval "$(%s)"`, `printf '%%s' "${%[1]s-<unset>}"`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"mksh"}, "sh", `eval "$(%s)"`, `printf '%%s' "${%[1]s-<unset>}"`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"yash"}, "sh", `eval "$(%s)"`, `printf '%%s' "${%[1]s-<unset>}"`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"busybox", "sh"}, "sh", `eval "$(%s)"`, `printf '%%s' "${%[1]s-<unset>}"`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"fish"}, "fish", `%s | source`, `if set -q %[1]s; printf '%%s' "$%[1]s"; else; printf '<unset>'; end`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
	{[]string{"tcsh", "-f"}, "tcsh", "eval \"`%s`\"", `if ($?%[1]s) then
printf '%%s' "$%[1]s"
else
printf '<unset>'
endif`, `sh -c 'printf %%s "${%[1]s-<unset>}"'`},
}

// Every dialect's output, set and unset, exported or not, with and without the expiry, is
// evaluated by its real shell and the variables compared byte for byte.
func TestEnvDialectsEvaluatedByRealShells(t *testing.T) {
	exp := time.Now().Add(50 * time.Minute).Truncate(time.Second)
	jwt := iamtest.JWT(iamtest.Claims{IssuedAt: exp.Add(-time.Hour), ExpiresAt: exp})
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	expiry := strconv.FormatInt(exp.Unix(), 10)

	for _, sh := range dialectShells {
		t.Run(sh.argv[0], func(t *testing.T) {
			path := lookTool(t, sh.argv[0])
			run := func(script string) string {
				cmd := exec.Command(path, append(sh.argv[1:], "-c", script)...)
				cmd.Env, cmd.Dir = s.env, s.home
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s -c %q: %s", sh.argv[0], script, out)
				return string(out)
			}
			env := func(args string) string { return fmt.Sprintf("%s env --shell %s %s", binary, sh.flag, args) }
			then := func(a, b string) string {
				if sh.argv[0] == "tcsh" || sh.argv[0] == "fish" {
					return a + "\n" + b
				}
				return a + "; " + b
			}
			check := func(args, name, want, childWant string) {
				t.Helper()
				eval := fmt.Sprintf(sh.eval, env(args))
				assert.Equal(t, want, run(then(eval, fmt.Sprintf(sh.show, name))), "%s: %s", args, name)
				assert.Equal(t, childWant, run(then(eval, fmt.Sprintf(sh.child, name))), "%s: %s in a child", args, name)
			}
			check("", "ACCESS_TOKEN", "Bearer "+jwt, "Bearer "+jwt)
			check("--no-bearer --name KP_TOKEN", "KP_TOKEN", jwt, jwt)
			check("--with-expiry", "ACCESS_TOKEN_EXPIRES_AT", expiry, expiry)
			check("--with-expiry --no-bearer", "ACCESS_TOKEN", jwt, jwt)
			check("--no-export", "ACCESS_TOKEN", "Bearer "+jwt, "<unset>")
			check("--no-export --with-expiry", "ACCESS_TOKEN_EXPIRES_AT", expiry, "<unset>")

			for _, args := range []string{"", "--no-export", "--with-expiry", "--with-expiry --no-export"} {
				set := fmt.Sprintf(sh.eval, env(args))
				unset := fmt.Sprintf(sh.eval, env(args+" --unset"))
				for _, name := range []string{"ACCESS_TOKEN", "ACCESS_TOKEN_EXPIRES_AT"} {
					if name != "ACCESS_TOKEN" && args != "--with-expiry" && args != "--with-expiry --no-export" {
						continue
					}
					assert.Equal(t, "<unset>", run(then(then(set, unset), fmt.Sprintf(sh.show, name))), "unset %s (%s)", name, args)
				}
			}
		})
	}
}

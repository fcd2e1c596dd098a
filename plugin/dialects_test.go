package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Needs processes: real shells evaluate the binary's output.
// Every dialect's output, set and unset, exported or not, with and without the expiry, is
// evaluated by its real shell and the variables compared byte for byte.
func TestEnvDialectsEvaluatedByRealShells(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(50 * time.Minute).Truncate(time.Second)
	jwt := iamtest.JWT(iamtest.Claims{IssuedAt: exp.Add(-time.Hour), ExpiresAt: exp})
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	expiry := strconv.FormatInt(exp.Unix(), 10)

	// A session whose token is not a JWT: env fails, and must leave the variable alone.
	hostile := newSession(t, "Bearer x'$(touch pwned)'`touch pwned`", "secret-refresh-token")

	for _, sh := range shelltest.All {
		t.Run(sh.Name, func(t *testing.T) {
			sh := shelltest.Require(t, sh)
			// run returns what script prints on stdout; stderr must stay empty but for a failed run.
			run := func(h *home, script string) string {
				cmd := exec.Command(sh.Argv[0], append(sh.Argv[1:], "-c", script)...)
				cmd.Env, cmd.Dir = h.env, h.home
				var stderr strings.Builder
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				require.NoError(t, err, "%s -c %q: %s%s", sh.Name, script, out, stderr.String())
				if h == s {
					assert.Empty(t, stderr.String(), "%s -c %q", sh.Name, script)
				}
				return string(out)
			}
			env := func(args string) string { return fmt.Sprintf("%s env --shell %s %s", binary, sh.Flag, args) }
			then := func(a, b string) string { return a + "\n" + b }
			child := func(name string) string { return fmt.Sprintf(`sh -c 'printf %%s "${%s-<unset>}"'`, name) }
			check := func(args, name, want, childWant string) {
				t.Helper()
				eval := sh.Eval(env(args))
				assert.Equal(t, want, run(s, then(eval, sh.Show(name))), "%s: %s", args, name)
				assert.Equal(t, childWant, run(s, then(eval, child(name))), "%s: %s in a child", args, name)
			}
			check("", "ACCESS_TOKEN", "Bearer "+jwt, "Bearer "+jwt)
			check("--no-bearer --name KP_TOKEN", "KP_TOKEN", jwt, jwt)
			check("--with-expiry", "ACCESS_TOKEN_EXPIRES_AT", expiry, expiry)
			check("--with-expiry --no-bearer", "ACCESS_TOKEN", jwt, jwt)
			check("--no-export", "ACCESS_TOKEN", "Bearer "+jwt, "<unset>")
			check("--no-export --with-expiry", "ACCESS_TOKEN_EXPIRES_AT", expiry, "<unset>")

			// --unset clears the token and its expiry, whether the expiry was set or not.
			for _, args := range []string{"", "--no-export", "--with-expiry", "--with-expiry --no-export"} {
				set := sh.Eval(env(args))
				for _, unsetArgs := range []string{"--unset", "--unset --no-export"} {
					unset := sh.Eval(env(unsetArgs))
					for _, name := range []string{"ACCESS_TOKEN", "ACCESS_TOKEN_EXPIRES_AT"} {
						assert.Equal(t, "<unset>", run(s, then(then(set, unset), sh.Show(name))), "%s after %s, then %s", name, args, unsetArgs)
					}
				}
			}

			// A failed run prints nothing: the variable keeps its value and nothing is run.
			before := map[shell.Dialect]string{shell.POSIX: "ACCESS_TOKEN=before", shell.Fish: "set -g ACCESS_TOKEN before", shell.Csh: "set ACCESS_TOKEN=before"}[sh.Dialect]
			assert.Equal(t, "before", run(hostile, then(then(before, sh.Eval(env(""))), sh.Show("ACCESS_TOKEN"))))
			assert.NoFileExists(t, filepath.Join(hostile.home, "pwned"))
		})
	}
}

// Needs processes: tcsh evaluates the binary's output. BSD csh cannot take a line over 4090
// characters in eval "`…`" (it says "Word too long" and keeps the old value): env refuses to
// print one for csh, and suggests tcsh (commands/env_test.go's TestEnvRefusals, "a line too
// long for csh", in-process), which takes it, as tcsh shows here.
func TestTcshTakesATokenCshCannotHold(t *testing.T) {
	t.Parallel()
	jwt := iamtest.JWT(iamtest.Claims{Override: map[string]any{"pad": strings.Repeat("x", 4000)}})
	require.Greater(t, len(jwt), 4100)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	tcsh := shelltest.Require(t, shelltest.All[8])
	cmd := exec.Command(tcsh.Argv[0], append(tcsh.Argv[1:], "-c", "eval \"`"+binary+" env --shell tcsh`\"; printf '%s' \"$ACCESS_TOKEN\"")...)
	cmd.Env, cmd.Dir = s.env, s.home
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+jwt, string(out))
}

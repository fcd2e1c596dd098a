package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// readmeCshLine is the csh and tcsh line of the README's "In a shell profile" table.
func readmeCshLine(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?m)^\\| tcsh, csh \\| [^|]* \\| ``(.*?)``").FindSubmatch(b)
	require.NotNil(t, m, "the README's tcsh, csh row")
	return string(m[1])
}

// The README's profile line for csh and tcsh, as written, in tcsh and BSD csh: quiet at a start
// while logged out (as the sh and fish lines are), the token in the environment when logged in.
func TestProfileLineCshQuietAndWorking(t *testing.T) {
	t.Parallel()
	line := readmeCshLine(t)
	require.True(t, strings.HasPrefix(line, "eval "), line)
	jwt := iamtest.Valid(time.Hour)
	for _, sh := range shelltest.All {
		if sh.Dialect != shelltest.All[8].Dialect {
			continue
		}
		sh := sh
		t.Run(sh.Name, func(t *testing.T) {
			t.Parallel()
			sh := shelltest.Require(t, sh)
			for _, tc := range []struct{ name, access, refresh, want string }{
				{"logged out", "", "", ""},
				{"logged in", "Bearer " + jwt, "secret-refresh-token", "Bearer " + jwt},
			} {
				s := newSession(t, tc.access, tc.refresh)
				dir := t.TempDir()
				writeHook(t, s, dir, "bash") // installs the binary as dir/kp-token
				script := line + "\nif ($?ACCESS_TOKEN) printenv ACCESS_TOKEN\n"
				if sh.Prelude != "" {
					script = sh.Prelude + "\n" + script
				}
				cmd := exec.Command(sh.Argv[0], append(sh.Argv[1:], "-c", script)...)
				cmd.Env, cmd.Dir = append(s.env[1:], "PATH="+dir+":"+os.Getenv("PATH")), s.home
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s: %s", tc.name, out)
				assert.Equal(t, strings.TrimSpace(tc.want), strings.TrimSpace(string(out)), "%s: %s", tc.name, line)
			}
		})
	}
}

package hooks

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/commands/shell/shelltest"
)

// Every variable a shell sets for itself, as each lists them at a clean start, is refused as
// the hook's --name: the hook could not keep a token in it (read-only, recomputed at every
// read, or holding what the shell runs on), or would break the shell by trying.
func TestSettableRefusesWhatTheShellSets(t *testing.T) {
	t.Parallel()
	list := map[string]string{
		"bash": "compgen -v",
		"zsh":  "print -l ${(k)parameters}",
		"fish": "set -n",
	}
	for _, sh := range shelltest.All {
		script, ok := list[sh.Name]
		if !ok {
			continue
		}
		sh := shelltest.Require(t, sh)
		cmd := exec.Command("env", append([]string{"-i", "HOME=" + t.TempDir()}, append(sh.Argv, "-c", script)...)...)
		out, err := cmd.Output()
		require.NoError(t, err, sh.Name)
		names := strings.Fields(string(out))
		require.NotEmpty(t, names)
		for _, name := range names {
			if !shell.ValidName(name) {
				continue // zsh's $?, $# and the like: no --name could name them
			}
			assert.False(t, Settable(sh.Name, name), "%s sets %s itself", sh.Name, name)
		}
	}
	for _, ok := range []string{"ACCESS_TOKEN", "KP_TOKEN", "out", "st"} {
		for sh := range list {
			assert.True(t, Settable(sh, ok), "%s --name %s", sh, ok)
		}
	}
}

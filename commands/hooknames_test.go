package commands_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hook takes the same shell names as env: a path, any case (moved from plugin's TestHookNames,
// issue 17). The names it refuses are TestHookRefuses'.
func TestHookTakesShellNamesAsEnvDoes(t *testing.T) {
	t.Parallel()
	for name, shell := range map[string]string{"/bin/bash": "bash", "BASH": "bash", "/usr/bin/zsh": "zsh"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rt := &fakeRuntime{stampDir: t.TempDir(), config: "/home/jane/.bluemix/config.json"}
			r := execute(rt, "", "hook", name)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			assert.True(t, strings.HasPrefix(r.stdout, "# kp-token hook for "+shell+": "), r.stdout)
			assert.Empty(t, rt.opened, "no token is got: the script gets it when the shell runs it")
		})
	}
}

package commands_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The commands reach the plug-in only through the Runtime they are handed: nothing under
// commands/ depends, even indirectly, on the packages that read the CLI's config, touch the
// disk, call IAM or choose a token source.
func TestCommandsDependOnNoPluginInternals(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, dep := range strings.Fields(string(out)) {
		for _, internal := range []string{"cliconfig", "disk", "iam", "source", "wiring"} {
			require.NotEqual(t, "github.com/kp-token/kp-token/plugin/"+internal, dep, "commands/ must not depend on plugin/%s", internal)
		}
	}
}

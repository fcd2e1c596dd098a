package main

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// The README's profile lines never hold a shell's start for more than 5 s, whatever IAM does,
// an expired session included: here IAM never answers.
func TestProfileLinesNeverStallAShellStart(t *testing.T) {
	t.Parallel()
	bash := shelltest.Require(t, shelltest.All[0])
	for _, access := range []string{"Bearer " + iamtest.Valid(-time.Hour), "Bearer " + iamtest.Valid(2*time.Minute)} {
		for _, line := range []string{
			`eval "$(` + binary + ` env --timeout 5s 2>/dev/null)"`,
			`eval "$(` + binary + ` hook bash --quiet)"`,
		} {
			t.Run("", func(t *testing.T) {
				t.Parallel()
				s := newSession(t, access, "secret-refresh-token", func(c map[string]any) { c["HTTPTimeout"] = 60 })
				s.iam.SetHandler(iamtest.Hang)
				cmd := exec.Command(bash.Argv[0], append(bash.Argv[1:], "-c", line)...)
				cmd.Env, cmd.Dir = s.env, s.home
				start := time.Now()
				out, err := cmd.CombinedOutput()
				took := time.Since(start)
				require.NoError(t, err, "%s", out)
				t.Logf("%s: %v", line, took.Round(10*time.Millisecond))
				assert.Less(t, took, 5500*time.Millisecond, "%s", line)
				assert.Empty(t, string(out), "quiet as promised: %s", line)
			})
		}
	}
}

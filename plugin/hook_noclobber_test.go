package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// A shell with noclobber, nounset and errexit set before the hook: a start while logged out
// does not end the shell, and every new login, not only the first, is picked up by the next
// check (the hook rewrites its stamp at each refresh, which noclobber alone forbids to '>').
// The logins are config.json files dated ahead, one after the other: nothing waits for a clock.
func TestHookUnderNoclobberNounsetErrexit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sh   shelltest.Shell
		opts string
	}{
		{shelltest.All[0], "set -o noclobber; set -eu"},
		{shelltest.All[2], "setopt noclobber nounset errexit"},
	} {
		t.Run(tc.sh.Name, func(t *testing.T) {
			t.Parallel()
			sh := shelltest.Require(t, tc.sh)
			s := newSession(t, "", "")
			dir := t.TempDir()
			_, hookFile := writeHook(t, s, dir, sh.Name, "--quiet")
			var jwts [2]string
			var logins [2]string
			for i := range jwts {
				jwts[i] = iamtest.Valid(time.Hour - time.Duration(i)*time.Minute) // two tokens, told apart
				b, err := json.Marshal(iamtest.Config("Bearer "+jwts[i], "secret-refresh-token", "https://iam.cloud.ibm.com"))
				require.NoError(t, err)
				logins[i] = filepath.Join(filepath.Dir(s.config), "login"+string(rune('1'+i)))
				require.NoError(t, os.WriteFile(logins[i], b, 0o600))
				at := time.Now().Add(time.Duration(i+1) * 100 * time.Second)
				require.NoError(t, os.Chtimes(logins[i], at, at))
			}
			script := tc.opts + "\nsource " + hookFile + `
echo "start=${ACCESS_TOKEN-}"
mv ` + logins[0] + " " + s.config + `
__kp_token_check
echo "first=${ACCESS_TOKEN-}"
mv ` + logins[1] + " " + s.config + `
__kp_token_check
echo "second=${ACCESS_TOKEN-}"
`
			cmd := s.command(sh.Argv[0], append(sh.Argv[1:], "-c", script)...)
			r := s.finish(cmd, "")
			assert.Equal(t, 0, r.code, "%s", r.stderr)
			assert.Equal(t, "start=\nfirst=Bearer "+jwts[0]+"\nsecond=Bearer "+jwts[1]+"\n", r.stdout, "%s", r.stderr)
		})
	}
}

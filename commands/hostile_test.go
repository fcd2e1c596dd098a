//go:build unix

package commands_test

// Hostile files and wrong clocks, through the whole plug-in in-process (moved from plugin's
// end-to-end suite, issue 17). What needs a process stays in plugin/hostile_test.go: configs
// that are a FIFO, /dev/zero or 2 GB (refused at once, measured on the process's time and
// memory), main's choice of config.json without HOME, another user's plants (run as nobody),
// and the lock waits --timeout bounds (measured on the process).

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
)

// A failure note stamped by a clock that was a day ahead is not replayed once the clock is
// right: the run calls IAM itself.
func TestAFailureNoteFromTheFutureIsNotReplayed(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(-time.Minute), "secret-refresh-token")
	note, err := json.Marshal(map[string]any{
		"at": time.Now().Add(24 * time.Hour).UnixNano(), "subject": source.Subject("secret-refresh-token", s.iam.URL),
		"kind": 3, "endpoint": s.iam.URL, "status": 503, "code": "BXNIM0503E", "message": "down",
	})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(s.config+".kp-token.lock", note, 0o600))
	r := s.run("env")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, s.iam.Calls())
}

package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// The hook with --assume in a real interactive bash (a process of its own: the shell, tmux, the
// binary the hook runs): the profile's token is exported at once, prompts start nothing while
// it is fresh, and once it falls due (for the shell's clock, which the test moves, and for
// kp-token's, whose cached entry the test replaces by one due under --min-validity) the next
// prompt assumes a new one, with the session's token, which stays as it was.
func TestHookKeepsTheAssumedProfileFresh(t *testing.T) {
	t.Parallel()
	shelltest.Tool(t, "bash")
	const profileID = "Profile-7c3e3b1a-4d5e-4f60-9a8b-0c1d2e3f4a5b"
	caller := iamtest.Valid(59 * time.Minute)
	s := newSession(t, "Bearer "+caller, "secret-refresh-token")
	s.iam.SetTrusted(iamtest.TrustedProfile{ID: profileID, Name: "kp-rotator", Account: "0123456789abcdef0123456789abcdef", Trusts: []string{"IBMid-2700012345"}})

	dir := t.TempDir()
	_, hookFile := writeHook(t, s, dir, "bash", "--min-validity", hookMin.String(), "--assume", "kp-rotator")
	sh := startHookShell(t, s, "bash", dir, hookFile, filepath.Join(dir, "user-prompt"))
	exported := sh.value(dir, "ACCESS_TOKEN") // the shell has sourced the hook, which ran at once
	first := s.iam.LastIssued()
	require.Len(t, s.iam.Assumed(), 1)
	assert.Equal(t, caller, s.iam.Assumed()[0].AccessToken, "assumed with the session's token")
	assert.Equal(t, "Bearer "+first, exported, "the profile's token, at once")
	assert.Equal(t, "Profile", mustClaims(t, first).SubjectType)

	for range 5 {
		sh.typeLine("true")
	}
	due := sh.expiresAt("ACCESS_TOKEN", first) - int64(hookMin/time.Second)
	assert.Equal(t, 1, s.iam.Calls(), "a fresh profile token starts nothing")

	// The cached profile token falls due for kp-token too: one due under hookMin, valid 30 min.
	files, err := filepath.Glob(filepath.Join(filepath.Dir(s.config), "plugins", "kp-token", "cache", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1, "one cache entry: the profile's (the session's token is config.json's)")
	stale := iamtest.JWT(iamtest.Claims{IAMID: "iam-" + profileID, SubType: "Profile", ExpiresAt: time.Now().Add(30 * time.Minute)})
	b, err := json.Marshal(map[string]any{"access_token": stale, "expiration": time.Now().Add(30 * time.Minute).Unix()})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(files[0], b, 0o600))

	sh.setClock(due)
	got := sh.value(dir, "ACCESS_TOKEN")
	require.Eventually(t, func() bool { return len(s.iam.Assumed()) == 2 }, 20*time.Second, 20*time.Millisecond, sh.screen())
	fresh := s.iam.LastIssued()
	assert.NotEqual(t, first, fresh)
	assert.Equal(t, "Bearer "+fresh, got, "the command typed once the token fell due ran with a new profile token")
	assert.Equal(t, caller, s.iam.Assumed()[1].AccessToken)
	assert.Equal(t, 2, s.iam.Calls(), "no refresh of the session: its token was valid")
	assert.NotContains(t, sh.screen(), "kp-token: ")
}

// Needs processes: shells starting at once with --assume, the profile's token not cached yet,
// make one assume call between them (the lock beside the cache entry), and all print its token.
func TestShellsStartingAtOnceAssumeOnce(t *testing.T) {
	t.Parallel()
	const procs = 10
	s := newSession(t, "Bearer "+iamtest.Valid(59*time.Minute), "secret-refresh-token")
	s.iam.SetTrusted(iamtest.TrustedProfile{ID: "Profile-1", Name: "kp-rotator", Account: "0123456789abcdef0123456789abcdef", Trusts: []string{"IBMid-2700012345"}})
	s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // a slow IAM widens the window
		s.iam.Refresh(w, r)
	})
	var wg sync.WaitGroup
	outs, errs := make([]string, procs), make([]error, procs)
	start := make(chan struct{})
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(binary, "env", "--assume", "kp-rotator")
			cmd.Env, cmd.Dir = s.env, s.home
			<-start
			out, err := cmd.Output()
			outs[i], errs[i] = string(out), err
		}()
	}
	close(start)
	wg.Wait()
	assert.Len(t, s.iam.Assumed(), 1, "one assume call for every process")
	want := "export ACCESS_TOKEN='Bearer " + s.iam.LastIssued() + "'\n"
	for i := range procs {
		if assert.NoError(t, errs[i], "process %d", i) {
			assert.Equal(t, want, outs[i], "process %d", i)
		}
	}
}

func mustClaims(t *testing.T, jwt string) (c struct{ SubjectType string }) {
	t.Helper()
	m, ok := iamtest.Payload(jwt)
	require.True(t, ok)
	c.SubjectType, _ = m["sub_type"].(string)
	return c
}

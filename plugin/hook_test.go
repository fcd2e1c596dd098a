package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// tmuxShell is an interactive shell in a detached tmux session, typed into with send-keys.
type tmuxShell struct {
	t      *testing.T
	socket string
	env    []string
}

func startTmux(t *testing.T, env []string, argv ...string) *tmuxShell {
	t.Helper()
	shelltest.Tool(t, "tmux")
	ts := &tmuxShell{t: t, socket: fmt.Sprintf("kp-token-test-%d-%d", os.Getpid(), time.Now().UnixNano()), env: env}
	ts.tmux(append([]string{"new-session", "-d", "-x", "200", "-y", "50", "-s", "t"}, argv...)...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", ts.socket, "kill-server").Run() })
	return ts
}

func (ts *tmuxShell) tmux(args ...string) string {
	ts.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", ts.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = ts.env
	out, err := cmd.CombinedOutput()
	require.NoError(ts.t, err, "tmux %v: %s", args, out)
	return string(out)
}

// typeLine types a command line and Enter.
func (ts *tmuxShell) typeLine(line string) {
	ts.tmux("send-keys", "-t", "t", "-l", line)
	ts.tmux("send-keys", "-t", "t", "Enter")
}

// value has the shell write $name to a file and returns it ("" when unset).
func (ts *tmuxShell) value(dir, name string) string {
	ts.t.Helper()
	out := filepath.Join(dir, fmt.Sprintf("value-%d", time.Now().UnixNano()))
	ts.typeLine(fmt.Sprintf(`printf '%%s' "$%s" > %s.tmp; mv %s.tmp %s`, name, out, out, out))
	var b []byte
	require.Eventually(ts.t, func() bool {
		var err error
		b, err = os.ReadFile(out)
		return err == nil
	}, 20*time.Second, 20*time.Millisecond, "the shell answers; screen:\n%s", ts.screen())
	return string(b)
}

func (ts *tmuxShell) screen() string { return ts.tmux("capture-pane", "-p", "-t", "t", "-S", "-200") }

// writeHook installs the plug-in in dir (the hook calls the binary that printed it) and writes
// the code `hook args…` prints there, to be sourced.
func writeHook(t *testing.T, s *home, dir string, args ...string) (bin, hookFile string) {
	t.Helper()
	bin = filepath.Join(dir, "kp-token")
	installBinary(t, bin)
	cmd := exec.Command(bin, append([]string{"hook"}, args...)...)
	cmd.Env = s.env
	hook, err := cmd.Output()
	require.NoError(t, err)
	hookFile = filepath.Join(dir, "hook")
	require.NoError(t, os.WriteFile(hookFile, hook, 0o644))
	return bin, hookFile
}

// minValidity makes every token the loopback IAM mints due for refresh 3 s after it is minted:
// the tests wait seconds, not minutes, for a token to fall due.
const minValidity = 59*time.Minute + 57*time.Second

// mintedDue is how long after it is minted a token from the loopback IAM falls due.
const mintedDue = time.Hour - minValidity

// sessionDueIn is a session whose token is due for refresh under minValidity after due; it
// returns the token and when it was minted.
func sessionDueIn(t *testing.T, due time.Duration) (s *home, first string, minted time.Time) {
	t.Helper()
	minted = time.Now()
	first = iamtest.JWT(iamtest.Claims{IssuedAt: minted.Add(-time.Minute), ExpiresAt: minted.Add(minValidity + due)})
	return newSession(t, "Bearer "+first, "secret-refresh-token"), first, minted
}

// awaitRefresh waits for the one refresh a prompt in ts starts and returns the token IAM
// minted. The loopback IAM counts a call when it arrives and records the token just after, so
// it waits for the token.
func awaitRefresh(t *testing.T, s *home, ts *tmuxShell) string {
	t.Helper()
	require.Eventually(t, func() bool { return s.iam.LastIssued() != "" }, 20*time.Second, 20*time.Millisecond, ts.screen())
	require.Equal(t, 1, s.iam.Calls())
	return s.iam.LastIssued()
}

// The hook in real interactive shells: the token is exported at once, a fresh token starts
// no process at the prompt, a token due for refresh is replaced at the next prompt, and a
// failing refresh leaves a usable shell with the variable unset and one warning.
func TestHookKeepsALongLivedShellSupplied(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		shell    string
		argv     []string
		userHook string // the user's own prompt handler, which must keep running
		flags    []string
		name     string
		bearer   bool
	}{
		{"bash", []string{"bash", "--norc", "--noprofile", "-i"}, `PROMPT_COMMAND='echo p >> %s'`, nil, "ACCESS_TOKEN", true},
		{"zsh", []string{"zsh", "-f", "-i"}, `precmd() { echo p >> %s }`, []string{"--name", "KP_TOKEN", "--no-bearer"}, "KP_TOKEN", false},
		{"fish", []string{"fish", "--no-config", "-i"}, `function user_prompt --on-event fish_prompt; echo p >> %s; end`, nil, "ACCESS_TOKEN", true},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			t.Parallel()
			shelltest.Tool(t, tc.shell)
			// Due 3 s from now: room for a loaded machine to start the shell and show ten
			// prompts first (0.35-0.6 s under two CPU hogs).
			const firstDue = 3 * time.Second
			s, first, minted := sessionDueIn(t, firstDue)

			dir := t.TempDir()
			bin, hookFile := writeHook(t, s, dir, append([]string{tc.shell, "--min-validity", minValidity.String()}, tc.flags...)...)
			hook, err := os.ReadFile(hookFile)
			require.NoError(t, err)
			assert.Contains(t, string(hook), "--timeout 5s", "a refresh from a prompt is bounded short")
			if tc.shell == "fish" {
				assert.Contains(t, string(hook), ".$fish_pid", "one stamp per fish shell")
			}
			// The hook calls the binary it was printed by; count its runs through a wrapper.
			count := filepath.Join(dir, "runs")
			require.NoError(t, os.Rename(bin, bin+".real"))
			require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\necho run >> '"+count+"'\nexec '"+bin+".real' \"$@\"\n"), 0o755))
			runs := func() int {
				b, _ := os.ReadFile(count)
				return strings.Count(string(b), "run")
			}
			want := func(jwt string) string {
				if tc.bearer {
					return "Bearer " + jwt
				}
				return jwt
			}

			ts := startTmux(t, append(s.env, "TERM=xterm-256color", "PS1=$ ", "SHELL="+tc.shell, "HISTFILE=/dev/null"), tc.argv...)
			userRuns := filepath.Join(dir, "user-prompt")
			ts.typeLine(fmt.Sprintf(tc.userHook, userRuns))
			ts.typeLine("source " + hookFile)
			assert.Equal(t, want(first), ts.value(dir, tc.name), "exported at once")
			assert.Equal(t, 1, runs())

			for i := 0; i < 10; i++ {
				ts.typeLine("true")
			}
			ts.value(dir, tc.name)
			assert.Equal(t, 1, runs(), "a fresh token starts no process at the prompt")
			assert.Equal(t, 0, s.iam.Calls())

			t.Logf("shell started and %d fresh prompts shown in %v", 10, time.Since(minted).Round(time.Millisecond))
			require.Less(t, time.Since(minted), firstDue, "the fresh-token checks ran before the token was due")
			time.Sleep(time.Until(minted.Add(firstDue + 1500*time.Millisecond)))
			ts.typeLine("true")
			fresh := awaitRefresh(t, s, ts)
			refreshed := time.Now()
			assert.Equal(t, want(fresh), ts.value(dir, tc.name), "replaced at the next prompt")
			assert.Equal(t, 2, runs())
			require.Less(t, time.Since(refreshed), mintedDue-time.Second, "the check ran before the new token was due")

			// IAM fails: the token is removed, not left to go stale, and the shell goes on.
			s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "down") })
			time.Sleep(time.Until(refreshed.Add(mintedDue + 1100*time.Millisecond)))
			ts.typeLine("true")
			require.Eventually(t, func() bool { return runs() == 3 }, 20*time.Second, 20*time.Millisecond, ts.screen())
			assert.Equal(t, "", ts.value(dir, tc.name), "unset rather than stale")
			ts.typeLine("true")
			assert.Equal(t, "", ts.value(dir, tc.name))
			screen := ts.screen()
			assert.Equal(t, 1, strings.Count(screen, "FAILED"), "one warning:\n%s", screen)
			assert.Contains(t, screen, "Try again later")
			assert.Equal(t, 3, runs(), "after a failure it waits a minute before trying again")
			b, err := os.ReadFile(userRuns)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, strings.Count(string(b), "p"), 15, "the user's own prompt handler still runs")
		})
	}
}

// Two fish shells of one user: each keeps its own clock, so the refresh in one does not hide
// from the other that its own token is due (they once shared one stamp file).
func TestHookTwoFishShellsEachRefresh(t *testing.T) {
	t.Parallel()
	shelltest.Tool(t, "fish")
	const firstDue = 3 * time.Second
	s, first, minted := sessionDueIn(t, firstDue)
	dir := t.TempDir()
	_, hookFile := writeHook(t, s, dir, "fish", "--min-validity", minValidity.String())

	env := append(s.env, "TERM=xterm-256color", "SHELL=fish")
	a := startTmux(t, env, "fish", "--no-config", "-i")
	b := startTmux(t, env, "fish", "--no-config", "-i")
	for _, sh := range []*tmuxShell{a, b} {
		sh.typeLine("source " + hookFile)
		assert.Equal(t, "Bearer "+first, sh.value(dir, "ACCESS_TOKEN"))
	}
	require.Less(t, time.Since(minted), firstDue, "both shells started before the token was due")

	time.Sleep(time.Until(minted.Add(firstDue + 1500*time.Millisecond)))
	a.typeLine("true")
	fresh := awaitRefresh(t, s, a)
	assert.Equal(t, "Bearer "+fresh, a.value(dir, "ACCESS_TOKEN"))

	// The other shell's token is just as due: its next prompt picks up the refreshed session.
	b.typeLine("true")
	assert.Equal(t, "Bearer "+fresh, b.value(dir, "ACCESS_TOKEN"), "the second shell refreshes too")
	assert.Equal(t, 1, s.iam.Calls(), "from the session the first shell refreshed, without a call")
}

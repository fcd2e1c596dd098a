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

// The hook in real interactive shells: the token is exported at once; a fresh token starts no
// process at the prompt; a command typed at a prompt drawn before the token fell due runs with a
// fresh one (bash too, through its DEBUG trap); a refresh that fails while the token is still
// valid keeps it, says so on one line, once, and tries again only after a minute.
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
		{"bash", []string{"bash", "--norc", "--noprofile", "-i"}, `PROMPT_COMMAND='echo p >> %s'`, []string{"--name", "out"}, "out", true},
		{"zsh", []string{"zsh", "-f", "-i"}, `precmd() { echo p >> %s }`, []string{"--name", "st", "--no-bearer"}, "st", false},
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
			assert.Equal(t, 1, strings.Count(string(hook), "#"), "one comment line for the user")
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
			// The prompt was drawn while the token was fresh; the command typed now, after it
			// fell due, must see a fresh one.
			time.Sleep(time.Until(minted.Add(firstDue + 1500*time.Millisecond)))
			got := ts.value(dir, tc.name)
			fresh := awaitRefresh(t, s, ts)
			refreshed := time.Now()
			assert.Equal(t, want(fresh), got, "the command typed after the token fell due ran with a fresh one")
			assert.Equal(t, 2, runs())
			require.Less(t, time.Since(refreshed), mintedDue-time.Second, "the check ran before the new token was due")

			// IAM fails while the token is still valid: it is kept, one line says so, and the
			// hook tries again only after a minute.
			s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "down") })
			time.Sleep(time.Until(refreshed.Add(mintedDue + 1100*time.Millisecond)))
			assert.Equal(t, want(fresh), ts.value(dir, tc.name), "kept: still valid")
			require.Eventually(t, func() bool { return runs() == 3 }, 20*time.Second, 20*time.Millisecond, ts.screen())
			for i := 0; i < 3; i++ {
				ts.typeLine("true")
			}
			assert.Equal(t, want(fresh), ts.value(dir, tc.name))
			screen := ts.screen()
			assert.Equal(t, 1, strings.Count(screen, "kp-token: "), "one line:\n%s", screen)
			assert.Contains(t, screen, "kp-token: WARNING: The access token was not refreshed")
			assert.NotContains(t, screen, "FAILED")
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

// A logged-out shell with the hook says so on one line, once (nothing with --quiet), never the
// help; and a login made meanwhile is picked up by the next command, without waiting for the
// minute's retry.
func TestHookQuietWhenLoggedOutAndQuickAfterALogin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		shell string
		argv  []string
		quiet bool
	}{
		{"bash", []string{"bash", "--norc", "--noprofile", "-i"}, false},
		{"zsh", []string{"zsh", "-f", "-i"}, true},
		{"fish", []string{"fish", "--no-config", "-i"}, false},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			t.Parallel()
			shelltest.Tool(t, tc.shell)
			s := newSession(t, "", "")
			dir := t.TempDir()
			args := []string{tc.shell}
			if tc.quiet {
				args = append(args, "--quiet")
			}
			_, hookFile := writeHook(t, s, dir, args...)
			ts := startTmux(t, append(s.env, "TERM=xterm-256color", "PS1=$ ", "SHELL="+tc.shell, "HISTFILE=/dev/null"), tc.argv...)
			ts.typeLine("source " + hookFile)
			for i := 0; i < 3; i++ {
				ts.typeLine("true")
			}
			assert.Equal(t, "", ts.value(dir, "ACCESS_TOKEN"))
			screen := ts.screen()
			if tc.quiet {
				assert.NotContains(t, screen, "kp-token", "--quiet:\n%s", screen)
			} else {
				assert.Equal(t, 1, strings.Count(screen, "kp-token: You are not logged in."), "one line:\n%s", screen)
			}
			assert.NotContains(t, screen, "FAILED")
			assert.NotContains(t, screen, "USAGE:")

			// `ibmcloud login` in another terminal writes config.json, a second later (fish
			// tells file times to the second).
			time.Sleep(1100 * time.Millisecond)
			jwt := iamtest.Valid(time.Hour)
			_, err := iamtest.WriteConfig(s.home, iamtest.Config("Bearer "+jwt, "secret-refresh-token", "https://iam.cloud.ibm.com"))
			require.NoError(t, err)
			assert.Equal(t, "Bearer "+jwt, ts.value(dir, "ACCESS_TOKEN"), "the next command has the new session's token")
		})
	}
}

// bash before each command, without changing what the user's commands see: $?, $_ and
// PIPESTATUS, and a DEBUG trap the user already had, which still runs (the hook takes the
// trap at the first prompt, where bash lets it see the user's). With bash-preexec loaded, the
// hook joins its function arrays instead of taking the DEBUG trap and PROMPT_COMMAND.
func TestHookBashKeepsWhatCommandsSee(t *testing.T) {
	t.Parallel()
	sh := shelltest.Require(t, shelltest.All[0])
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	dir := t.TempDir()
	_, hookFile := writeHook(t, s, dir, "bash")
	// An interactive bash reading its commands from standard input: prompts, PROMPT_COMMAND
	// and DEBUG traps as at a terminal.
	run := func(script string) string {
		cmd := exec.Command(sh.Argv[0], append(sh.Argv[1:], "-i")...)
		cmd.Env, cmd.Dir, cmd.Stdin = s.env, s.home, strings.NewReader(script)
		out, err := cmd.Output()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	trapFile := filepath.Join(dir, "trap")
	out := run(`trap 'echo user-trap >> ` + trapFile + `' DEBUG
source ` + hookFile + `
true
false | true; echo "pipestatus=${PIPESTATUS[*]}"
(exit 3); echo "status=$?"
shopt -s extdebug
false
echo "after-false with the user's trap"
trap -p DEBUG
`)
	assert.Contains(t, out, "pipestatus=1 0\n")
	assert.Contains(t, out, "status=3\n")
	assert.Contains(t, out, "after-false with the user's trap\n", "the user's trap decides under extdebug")
	assert.Contains(t, out, `trap -- '__kp_token_debug "$_"; echo user-trap >> `+trapFile+`' DEBUG`)
	b, err := os.ReadFile(trapFile)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, strings.Count(string(b), "user-trap"), 4, "the user's trap still runs")

	out = run(`source ` + hookFile + `
true
echo hello world; echo "last=$_"
source ` + hookFile + `
true
trap -p DEBUG; declare -p PROMPT_COMMAND
`)
	assert.Contains(t, out, "last=world\n")
	assert.Equal(t, 1, strings.Count(out, "__kp_token_debug"), "sourced twice, installed once:\n%s", out)
	assert.Contains(t, out, `declare -- PROMPT_COMMAND="__kp_token_precmd"`, "the one-time install step is gone")

	// Under extdebug a DEBUG trap's status decides whether the command runs (1 skips it), and
	// functions inherit the trap: the hook's trap must not hand a failed command's status on.
	out = run(`source ` + hookFile + `
shopt -s extdebug
false
echo after-false
f() { false; echo in-f; }; f
`)
	assert.Contains(t, out, "after-false\n")
	assert.Contains(t, out, "in-f\n")

	// bash-preexec's variables, as it leaves them once loaded.
	out = run(`bash_preexec_imported=defined; preexec_functions=(); precmd_functions=(); PROMPT_COMMAND=mine
source ` + hookFile + `
echo "preexec=${preexec_functions[*]} precmd=${precmd_functions[*]} prompt=$PROMPT_COMMAND"; trap -p DEBUG
`)
	assert.Contains(t, out, "preexec=__kp_token_preexec precmd=__kp_token_precmd prompt=mine\n")
	assert.NotContains(t, out, "trap --")
}

// Every name the hook accepts works, its own variables' names included; a name the shell keeps
// for itself is refused with a message.
func TestHookNames(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	for _, tc := range []struct {
		sh   shelltest.Shell
		name string
		show string
	}{
		{shelltest.All[0], "out", `printf %s "$out"`},
		{shelltest.All[0], "status", `printf %s "$status"`},
		{shelltest.All[2], "st", `printf %s "$st"`},
		{shelltest.All[2], "out", `printf %s "$out"`},
		{shelltest.All[7], "out", `printf %s "$out"`},
	} {
		sh := shelltest.Require(t, tc.sh)
		_, hookFile := writeHook(t, s, t.TempDir(), sh.Name, "--name", tc.name)
		cmd := exec.Command(sh.Argv[0], append(sh.Argv[1:], "-c", "source "+hookFile+"\n"+tc.show)...)
		cmd.Env, cmd.Dir = s.env, s.home
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, "Bearer "+jwt, string(out), "%s --name %s", sh.Name, tc.name)
	}
	for _, tc := range [][]string{{"fish", "status"}, {"zsh", "status"}, {"bash", "BASHPID"}, {"bash", "SRANDOM"}, {"zsh", "parameters"}, {"bash", "__kp_token_next"}} {
		r := s.run("hook", tc[0], "--name", tc[1])
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "The hook cannot set '"+tc[1]+"'")
	}
	// The same shell names as env: a path, any case.
	for _, name := range []string{"/bin/bash", "BASH", "/usr/bin/zsh"} {
		r := s.run("hook", name)
		assert.Equal(t, 0, r.code, r.stderr)
	}
	r := s.run("hook", "nu")
	assert.Contains(t, r.stderr, "'nu' is not a shell kp-token knows. Use one of: sh, bash")
}

// A stamp directory that is not safe (here a link someone left in its place) stops the hook
// with a message saying what to remove, and prints nothing for the shell to run.
func TestHookRefusesAnUnsafeStampDirectory(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	runtime := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(runtime, "other"), 0o700))
	require.NoError(t, os.Symlink("other", filepath.Join(runtime, "kp-token")))
	r := s.runIn("", []string{"XDG_RUNTIME_DIR=" + runtime}, "hook", "bash", "--quiet")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "is not safe to use: it is a link")
	assert.NotContains(t, r.stderr, "unexpected")
}

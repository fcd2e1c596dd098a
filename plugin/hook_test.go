package main

import (
	"encoding/json"
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
	"github.com/kp-token/kp-token/plugin/token"
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

// hookMin is the --min-validity of the hook tests: a session token minted for 59 minutes is fresh
// for 4 more, one IAM mints for an hour for 5 more, and one with 30 minutes left is due. The
// shell's clock is the test's (see hookShell): nothing waits for a token to fall due.
const hookMin = 55 * time.Minute

// hookShell is an interactive shell with the hook whose clock the test sets, at a moment it
// chooses: bash and zsh read the time the hook compares with NAME_EXPIRES_AT from a file the
// test writes, loaded at each prompt after the hook's own checks (bash's EPOCHSECONDS is an
// ordinary variable once unset; zsh's once zsh/datetime's parameter is disabled); fish tells
// time by the age of the shell's stamp file, which the test dates back. Each prompt, after the
// hook's checks, also appends the last mark the test typed to a file: so the test knows when a
// prompt has been drawn, and that its checks ran with the clock as it was before.
type hookShell struct {
	*tmuxShell
	shell string
	dir   string
	ack   string // the marks, one per prompt
	clock string // bash and zsh: the clock's value, in Unix seconds
	stamp string // fish: the shell's stamp file
	marks int
}

// startHookShell starts the shell in tmux, with the user's own prompt handler (appending a line
// to userRuns at each prompt) and the test's clock, and sources hookFile.
func startHookShell(t *testing.T, s *home, shell, dir, hookFile, userRuns string) *hookShell {
	t.Helper()
	hs := &hookShell{shell: shell, dir: dir, ack: filepath.Join(dir, "ack"), clock: filepath.Join(dir, "clock")}
	env := append(s.env, "TERM=xterm-256color", "PS1=$ ", "SHELL="+shell, "HISTFILE=/dev/null")
	switch shell {
	case "bash":
		hs.tmuxShell = startTmux(t, env, "bash", "--norc", "--noprofile", "-i")
		// The user's PROMPT_COMMAND, which the hook runs after its own check.
		hs.typeLine(fmt.Sprintf(`__t_prompt() { if [ -s %[1]s ]; then unset EPOCHSECONDS; read -r EPOCHSECONDS < %[1]s; fi; echo "${__t_mark-}" >> %[2]s; }; PROMPT_COMMAND='echo p >> %[3]s; __t_prompt'`, hs.clock, hs.ack, userRuns))
		hs.typeLine("source " + hookFile)
	case "zsh":
		hs.tmuxShell = startTmux(t, env, "zsh", "-f", "-i")
		hs.typeLine(fmt.Sprintf(`precmd() { echo p >> %s }`, userRuns))
		hs.typeLine("source " + hookFile)
		// After the hook's precmd, which add-zsh-hook put first in precmd_functions.
		hs.typeLine(fmt.Sprintf(`__t_prompt() { if [[ -s %[1]s ]]; then zmodload -F zsh/datetime -p:EPOCHSECONDS; typeset -g EPOCHSECONDS=$(<%[1]s); fi; print -r -- "${__t_mark-}" >> %[2]s }; precmd_functions+=(__t_prompt)`, hs.clock, hs.ack))
	case "fish":
		hs.tmuxShell = startTmux(t, env, "fish", "--no-config", "-i")
		hs.typeLine(fmt.Sprintf(`function user_prompt --on-event fish_prompt; echo p >> %s; end`, userRuns))
		hs.typeLine("source " + hookFile)
		// fish runs the handlers of an event in the order they were defined: after the hook's.
		hs.typeLine(fmt.Sprintf(`function __t_prompt --on-event fish_prompt; echo "$__t_mark" >> %s; end`, hs.ack))
		hs.stamp = hs.value(dir, "__kp_token_stamp")
	default:
		t.Fatalf("no hook shell %s", shell)
	}
	return hs
}

// mark types a command and waits for the prompt after it: that prompt's checks have run.
func (hs *hookShell) mark() {
	hs.t.Helper()
	hs.marks++
	id := fmt.Sprintf("mark-%d", hs.marks)
	if hs.shell == "fish" {
		hs.typeLine("set -g __t_mark " + id)
	} else {
		hs.typeLine("__t_mark=" + id)
	}
	require.Eventually(hs.t, func() bool {
		b, _ := os.ReadFile(hs.ack)
		return strings.Contains(string(b), id+"\n")
	}, 20*time.Second, 20*time.Millisecond, "the prompt after %s; screen:\n%s", id, hs.screen())
}

// exact says whether the test sets the shell's clock to the second (bash, zsh); fish's clock,
// the stamp's age, goes on with the real one.
func (hs *hookShell) exact() bool { return hs.shell != "fish" }

// setClock makes the hook's clock read unix from the next command on; the prompt at which it
// changes has already run its checks with the clock as it was. fish's reads at least unix: the
// stamp's age counts from the hook's last refresh, which it took for its "now", and goes on.
func (hs *hookShell) setClock(unix int64) {
	hs.t.Helper()
	// Once the last command's prompt has run its checks, and loaded the clock: a command's
	// output does not say that its prompt is done.
	hs.mark()
	if hs.exact() {
		require.NoError(hs.t, os.WriteFile(hs.clock, []byte(fmt.Sprint(unix)), 0o600))
		hs.mark() // its prompt checks with the clock as it was, then loads the new one
		return
	}
	hs.dateStamp(unix)
}

// dateStamp sets fish's clock to at least unix at once. The stamp was written at the hook's
// last refresh, which the hook took for its "now" then; dated back, its age reaches the clock's
// distance from that moment.
func (hs *hookShell) dateStamp(unix int64) {
	hs.t.Helper()
	info, err := os.Stat(hs.stamp)
	require.NoError(hs.t, err)
	at := time.Now().Add(-time.Duration(unix-info.ModTime().Unix()) * time.Second)
	require.NoError(hs.t, os.Chtimes(hs.stamp, at, at))
}

// sessionDue puts into config.json the session as time would have left it for kp-token (whose
// clock is the real one): a token due under hookMin but valid for 30 more minutes, the same
// refresh token; the file dated two hours back (and renamed into place, so that no check ever
// sees it new), so that a hook does not take it for a new login. It returns the token.
func sessionDue(t *testing.T, s *home) string {
	t.Helper()
	jwt := iamtest.Valid(30 * time.Minute)
	b, err := json.Marshal(iamtest.Config("Bearer "+jwt, "secret-refresh-token", "https://iam.cloud.ibm.com"))
	require.NoError(t, err)
	tmp := s.config + ".test"
	require.NoError(t, os.WriteFile(tmp, b, 0o600))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(tmp, old, old))
	require.NoError(t, os.Rename(tmp, s.config))
	return jwt
}

// expiresAt is the NAME_EXPIRES_AT the shell holds, which must be jwt's exp.
func (hs *hookShell) expiresAt(name, jwt string) int64 {
	hs.t.Helper()
	tok, err := token.Parse(jwt)
	require.NoError(hs.t, err)
	got := hs.value(hs.dir, name+"_EXPIRES_AT")
	require.Equal(hs.t, fmt.Sprint(tok.Expiry.Unix()), got, "%s_EXPIRES_AT", name)
	return tok.Expiry.Unix()
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
// process at the prompt, up to the second it falls due; a command typed at a prompt drawn
// before the token fell due runs with a fresh one (bash too, through its DEBUG trap); a refresh
// that fails while the token is still valid keeps it, says so on one line, once, and tries
// again only after a minute. The shell's clock is the test's: counts and values, no timing.
func TestHookKeepsALongLivedShellSupplied(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		shell  string
		flags  []string
		name   string
		bearer bool
	}{
		{"bash", []string{"--name", "out"}, "out", true},
		{"zsh", []string{"--name", "st", "--no-bearer"}, "st", false},
		{"fish", nil, "ACCESS_TOKEN", true},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			t.Parallel()
			shelltest.Tool(t, tc.shell)
			minted := time.Now()
			first := iamtest.JWT(iamtest.Claims{IssuedAt: minted.Add(-time.Minute), ExpiresAt: minted.Add(59 * time.Minute)})
			s := newSession(t, "Bearer "+first, "secret-refresh-token")

			dir := t.TempDir()
			bin, hookFile := writeHook(t, s, dir, append([]string{tc.shell, "--min-validity", hookMin.String()}, tc.flags...)...)
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
			minS := int64(hookMin / time.Second)

			userRuns := filepath.Join(dir, "user-prompt")
			sh := startHookShell(t, s, tc.shell, dir, hookFile, userRuns)
			assert.Equal(t, want(first), sh.value(dir, tc.name), "exported at once")
			assert.Equal(t, 1, runs())

			// Fresh for minutes by every clock: ten prompts and commands start nothing.
			for i := 0; i < 10; i++ {
				sh.typeLine("true")
			}
			due := sh.expiresAt(tc.name, first) - minS
			assert.Equal(t, 1, runs(), "a fresh token starts no process at the prompt")
			assert.Equal(t, 0, s.iam.Calls())
			if sh.exact() {
				sh.setClock(due - 1)
				assert.Equal(t, want(first), sh.value(dir, tc.name))
				assert.Equal(t, 1, runs(), "not a second before the token is due")
			}

			// The token falls due (for kp-token too) while a prompt is drawn: that prompt's
			// checks found it fresh and started nothing; the command typed at it must run with
			// a fresh one.
			sessionDue(t, s)
			sh.setClock(due)
			assert.Equal(t, 1, runs(), "the prompt was drawn while the token was fresh")
			assert.Equal(t, 0, s.iam.Calls())
			got := sh.value(dir, tc.name)
			fresh := awaitRefresh(t, s, sh.tmuxShell)
			assert.Equal(t, want(fresh), got, "the command typed after the token fell due ran with a fresh one")
			assert.Equal(t, 2, runs())
			due = sh.expiresAt(tc.name, fresh) - minS
			assert.Equal(t, 2, runs(), "the new token is fresh: nothing more")

			// IAM fails while the token at hand is still valid: it is kept, one line says so,
			// and the hook tries again only after a minute.
			s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "down") })
			kept := sessionDue(t, s)
			sh.setClock(due)
			assert.Equal(t, 2, runs())
			assert.Equal(t, want(kept), sh.value(dir, tc.name), "kept: still valid")
			assert.Equal(t, 3, runs())
			for i := 0; i < 3; i++ {
				sh.typeLine("true")
			}
			assert.Equal(t, want(kept), sh.value(dir, tc.name))
			assert.Equal(t, 3, runs(), "after a failure it waits a minute before trying again")
			if sh.exact() {
				sh.setClock(due + 59)
				assert.Equal(t, want(kept), sh.value(dir, tc.name))
				assert.Equal(t, 3, runs(), "not a second before the minute is up")
			}
			sh.setClock(due + 60)
			assert.Equal(t, want(kept), sh.value(dir, tc.name))
			assert.Equal(t, 4, runs(), "a minute after the failure it tries again")
			screen := sh.screen()
			assert.Equal(t, 1, strings.Count(screen, "kp-token: "), "one line, until a refresh works again:\n%s", screen)
			assert.Contains(t, screen, "kp-token: WARNING: The access token was not refreshed")
			assert.NotContains(t, screen, "FAILED")
			b, err := os.ReadFile(userRuns)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, strings.Count(string(b), "p"), 15, "the user's own prompt handler still runs")
		})
	}
}

// Two fish shells of one user: each keeps its own clock, so the refresh in one does not hide
// from the other that its own token is due (they once shared one stamp file, which the first
// shell's refresh made young again for both).
func TestHookTwoFishShellsEachRefresh(t *testing.T) {
	t.Parallel()
	shelltest.Tool(t, "fish")
	minted := time.Now()
	first := iamtest.JWT(iamtest.Claims{IssuedAt: minted.Add(-time.Minute), ExpiresAt: minted.Add(59 * time.Minute)})
	s := newSession(t, "Bearer "+first, "secret-refresh-token")
	dir := t.TempDir()
	_, hookFile := writeHook(t, s, dir, "fish", "--min-validity", hookMin.String())

	var shells []*hookShell
	for _, name := range []string{"a", "b"} {
		sub := filepath.Join(dir, name)
		require.NoError(t, os.Mkdir(sub, 0o700))
		sh := startHookShell(t, s, "fish", sub, hookFile, filepath.Join(sub, "user-prompt"))
		assert.Equal(t, "Bearer "+first, sh.value(sub, "ACCESS_TOKEN"))
		shells = append(shells, sh)
	}
	a, b := shells[0], shells[1]

	// The token falls due for both shells, idle at their prompts, and for kp-token.
	due := a.expiresAt("ACCESS_TOKEN", first) - int64(hookMin/time.Second)
	a.mark()
	b.mark()
	sessionDue(t, s)
	a.dateStamp(due)
	b.dateStamp(due)
	a.typeLine("true")
	fresh := awaitRefresh(t, s, a.tmuxShell)
	assert.Equal(t, "Bearer "+fresh, a.value(a.dir, "ACCESS_TOKEN"))

	// The other shell's token is just as due: its next prompt picks up the refreshed session.
	b.typeLine("true")
	assert.Equal(t, "Bearer "+fresh, b.value(b.dir, "ACCESS_TOKEN"), "the second shell refreshes too")
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

// Needs processes: real shells source the hook the binary prints. Every name the hook accepts
// works, the names of its own variables' kind included (out, st, status): the shell ends up
// holding the token in it. The names a shell keeps for itself, which hook refuses, and the
// shell names it takes, are commands/hook_test.go's TestHookRefuses and
// commands/hooknames_test.go's TestHookTakesShellNamesAsEnvDoes, in-process.
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

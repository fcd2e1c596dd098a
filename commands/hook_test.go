package commands_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/commands/hooks"
	"github.com/kp-token/kp-token/plugin/disk"
	"github.com/kp-token/kp-token/plugin/wiring"
)

// hookRuntime is a fake runtime for hook: a private stamp directory of the test's, the CLI's
// config.json at a path of its own, and key files the runtime reports at an absolute path of
// its choosing, recording what it was asked to check.
type hookRuntime struct {
	*fakeRuntime
	keyDir  string   // where CheckKeyFile says the files are
	checked []string // the paths CheckKeyFile was asked about
}

func (r *hookRuntime) CheckKeyFile(path string, _ bool, _ func(string)) (string, error) {
	r.checked = append(r.checked, path)
	return filepath.Join(r.keyDir, filepath.Base(path)), nil
}

func newHookRuntime(t *testing.T) *hookRuntime {
	return &hookRuntime{
		fakeRuntime: &fakeRuntime{stampDir: t.TempDir(), config: "/home/jane/.bluemix/config.json"},
		keyDir:      "/var/keys",
	}
}

// stampOf is the stamp path a hook script holds, which it finds in every shell's script as
// __kp_token_stamp (bash, zsh) or set -g __kp_token_stamp (fish), quoted for the shell.
func stampOf(t *testing.T, script string) string {
	t.Helper()
	m := regexp.MustCompile(`__kp_token_stamp[= ]'([^']*)'`).FindStringSubmatch(script)
	require.NotNil(t, m, "the stamp in:\n%s", script)
	return m[1]
}

// hook prints the script hooks renders from the command line: this very binary, the flags
// passed on as env takes them, the session's config.json (whose change means a new login) or
// the absolute key file the runtime checked, and a stamp in the runtime's private directory,
// one per binary and --name.
func TestHookScript(t *testing.T) {
	t.Parallel()
	bin, err := os.Executable()
	require.NoError(t, err)
	for _, tc := range []struct {
		args    []string
		script  hooks.Script // without Bin and Stamp
		checked []string
	}{
		{args: []string{"hook", "bash"},
			script: hooks.Script{Shell: "bash", Name: "ACCESS_TOKEN", MinValidity: commands.DefaultMinValidity, Config: "/home/jane/.bluemix/config.json"}},
		{args: []string{"hook", "/usr/bin/zsh", "--name", "KP", "--no-bearer", "--min-validity", "59m57s", "--quiet"},
			script: hooks.Script{Shell: "zsh", Name: "KP", MinValidity: 59*time.Minute + 57*time.Second, NoBearer: true, Quiet: true, Config: "/home/jane/.bluemix/config.json"}},
		{args: []string{"hook", "FISH", "--instance", "my kp", "--private"},
			script: hooks.Script{Shell: "fish", Name: "ACCESS_TOKEN", MinValidity: commands.DefaultMinValidity, Instance: []string{"--instance", "my kp", "--private"}, Config: "/home/jane/.bluemix/config.json"}},
		{args: []string{"hook", "bash", "--instance", "my-kp", "--public"},
			script: hooks.Script{Shell: "bash", Name: "ACCESS_TOKEN", MinValidity: commands.DefaultMinValidity, Instance: []string{"--instance", "my-kp", "--public"}, Config: "/home/jane/.bluemix/config.json"}},
		{args: []string{"hook", "zsh", "--instance", "my-kp", "--url", "https://kp.example"},
			script: hooks.Script{Shell: "zsh", Name: "ACCESS_TOKEN", MinValidity: commands.DefaultMinValidity, Instance: []string{"--instance", "my-kp", "--url", "https://kp.example"}, Config: "/home/jane/.bluemix/config.json"}},
		{args: []string{"hook", "bash", "--apikey", "@keys/api key.json"},
			script:  hooks.Script{Shell: "bash", Name: "ACCESS_TOKEN", MinValidity: commands.DefaultMinValidity, KeyFile: "/var/keys/api key.json"},
			checked: []string{"keys/api key.json"}},
		{args: []string{"hook", "fish", "--cr-token", "@/run/sa-token", "--profile", "kp-reader"},
			script:  hooks.Script{Shell: "fish", Name: "ACCESS_TOKEN", MinValidity: commands.DefaultMinValidity, CRFile: "/var/keys/sa-token", Profile: "kp-reader"},
			checked: []string{"/run/sa-token"}},
		{args: []string{"hook", "zsh", "--profile", "kp-reader"},
			script: hooks.Script{Shell: "zsh", Name: "ACCESS_TOKEN", MinValidity: commands.DefaultMinValidity, Profile: "kp-reader"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			rt := newHookRuntime(t)
			r := execute(rt, "", tc.args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)

			stamp := stampOf(t, r.stdout)
			assert.Equal(t, rt.stampDir, filepath.Dir(stamp), "in the private directory")
			assert.Regexp(t, `^hook-[0-9a-f]{12}\.stamp$`, filepath.Base(stamp))
			want := tc.script
			want.Bin, want.Stamp = bin, stamp
			script, err := want.Render()
			require.NoError(t, err)
			assert.Equal(t, script, r.stdout)
			assert.Equal(t, tc.checked, rt.checked)
			assert.Empty(t, rt.opened, "no token is got: the script gets it when the shell runs it")

			assert.Contains(t, r.stdout, "--timeout "+strconv.Itoa(int(hooks.Timeout.Seconds()))+"s", "a refresh from a prompt is bounded short")
			assert.Equal(t, 1, strings.Count(r.stdout, "#"), "one comment line for the user")
			assert.True(t, strings.HasPrefix(r.stdout, "# kp-token hook for "+want.Shell+": "), r.stdout)
		})
	}

	t.Run("one stamp per binary and name", func(t *testing.T) {
		t.Parallel()
		rt := newHookRuntime(t)
		a := stampOf(t, execute(rt, "", "hook", "bash").stdout)
		assert.Equal(t, a, stampOf(t, execute(rt, "", "hook", "bash").stdout), "the same each time")
		assert.Equal(t, a, stampOf(t, execute(rt, "", "hook", "zsh").stdout), "whichever the shell")
		assert.NotEqual(t, a, stampOf(t, execute(rt, "", "hook", "bash", "--name", "KP").stdout), "another name, another stamp")
	})
}

// A new hook removes the stamps of shells that have ended (the PID after the name runs no
// more), and keeps those of shells that run, and anything else.
func TestHookRemovesTheStampsOfEndedShells(t *testing.T) {
	t.Parallel()
	rt := newHookRuntime(t)
	// A PID above Linux's highest (pid_max is at most 2^22) belongs to no process.
	ended := filepath.Join(rt.stampDir, "hook-0123456789ab.stamp.2147483647")
	running := filepath.Join(rt.stampDir, "hook-0123456789ab.stamp."+strconv.Itoa(os.Getpid()))
	other := []string{filepath.Join(rt.stampDir, "hook-0123456789ab.stamp"), filepath.Join(rt.stampDir, "hook-0123456789ab.stamp.x"), filepath.Join(rt.stampDir, "notes.2147483647")}
	p, err := os.FindProcess(2147483647)
	if err == nil {
		require.Error(t, p.Signal(syscall.Signal(0)), "no such process")
	}
	for _, f := range append([]string{ended, running}, other...) {
		require.NoError(t, os.WriteFile(f, nil, 0o600))
	}
	r := execute(rt, "", "hook", "bash")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NoFileExists(t, ended)
	for _, f := range append([]string{running}, other...) {
		assert.FileExists(t, f)
	}
}

// What hook refuses, before it prints anything: a shell it has no hook for, a name the shell
// keeps for itself or the hook uses, a key that is not in a regular file (the profile must not
// hold the key, nor wait on a FIFO at every shell's start), flags that do not go together, and
// a stamp directory it cannot use.
func TestHookRefuses(t *testing.T) {
	t.Parallel()
	// Not a regular file, as a FIFO is not (a character device here).
	const device = "/dev/null"
	for _, tc := range []struct {
		args     []string
		stampErr error
		stderr   string
	}{
		{args: []string{"hook"}, stderr: "Incorrect Usage: Name one shell: bash, zsh or fish."},
		{args: []string{"hook", "bash", "zsh"}, stderr: "Incorrect Usage: Name one shell: bash, zsh or fish."},
		{args: []string{"hook", "nu"}, stderr: "Incorrect Usage: 'nu' is not a shell kp-token knows. Use one of: sh, bash"},
		{args: []string{"hook", "sh"}, stderr: "Incorrect Usage: There is no hook for sh. The hook supports bash, zsh and fish; in another shell, use env in its profile."},
		{args: []string{"hook", "fish", "--name", "status"}, stderr: "Incorrect Usage: The hook cannot set 'status': fish keeps that variable for itself, or the hook uses it. Choose another --name."},
		{args: []string{"hook", "zsh", "--name", "status"}, stderr: "The hook cannot set 'status': zsh keeps"},
		{args: []string{"hook", "bash", "--name", "BASHPID"}, stderr: "The hook cannot set 'BASHPID'"},
		{args: []string{"hook", "bash", "--name", "SRANDOM"}, stderr: "The hook cannot set 'SRANDOM'"},
		{args: []string{"hook", "zsh", "--name", "parameters"}, stderr: "The hook cannot set 'parameters'"},
		{args: []string{"hook", "bash", "--name", "__kp_token_next"}, stderr: "The hook cannot set '__kp_token_next'"},
		{args: []string{"hook", "bash", "--name", "PIPESTATUS"}, stderr: "The hook cannot set 'PIPESTATUS'"},
		{args: []string{"hook", "bash", "--name", "1X"}, stderr: "Incorrect Usage: '1X' is not a valid variable name."},
		{args: []string{"hook", "bash", "--min-validity", "1h"}, stderr: "Incorrect Usage: --min-validity must be at least 0 and less than 1h"},
		{args: []string{"hook", "bash", "--apikey", "the-key-itself-0123456789"}, stderr: "Incorrect Usage: With hook, --apikey and --cr-token take @FILE only; or set IBMCLOUD_API_KEY or IBMCLOUD_CR_TOKEN."},
		{args: []string{"hook", "bash", "--apikey", "@-"}, stderr: "Incorrect Usage: With hook, --apikey and --cr-token take @FILE only"},
		{args: []string{"hook", "bash", "--apikey", "@"}, stderr: "Incorrect Usage: With hook, --apikey and --cr-token take @FILE only"},
		{args: []string{"hook", "zsh", "--cr-token", "eyJ.token", "--profile", "p"}, stderr: "Incorrect Usage: With hook, --apikey and --cr-token take @FILE only"},
		{args: []string{"hook", "bash", "--apikey", "@" + device}, stderr: "Incorrect Usage: With hook, --apikey takes a regular file; '" + device + "' is not one."},
		{args: []string{"hook", "fish", "--cr-token", "@" + device, "--profile", "p"}, stderr: "Incorrect Usage: With hook, --cr-token takes a regular file; '" + device + "' is not one."},
		{args: []string{"hook", "bash", "--apikey", "@k", "--cr-token", "@t"}, stderr: "Incorrect Usage: --apikey and --cr-token or --profile cannot be used together"},
		{args: []string{"hook", "bash", "--url", "https://kp.example"}, stderr: "Incorrect Usage: --private, --public and --url choose the endpoint of an --instance"},
		{args: []string{"hook", "bash", "--quiet"}, stampErr: &disk.UnsafeError{Path: "/run/user/1000/kp-token", Why: "it is a link"},
			stderr: "FAILED\n'/run/user/1000/kp-token' is not safe to use: it is a link. Remove it, and kp-token makes it again as it should be.\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			rt := newHookRuntime(t)
			rt.stampErr = tc.stampErr
			r := execute(rt, "", tc.args...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout, "nothing for the shell to run")
			if strings.HasSuffix(tc.stderr, "\n") {
				assert.Equal(t, tc.stderr, r.stderr)
			} else {
				assert.Contains(t, r.stderr, tc.stderr)
			}
			assert.NotContains(t, r.stderr, "unexpected")
			assert.Empty(t, rt.checked, "no key file read")
			assert.Empty(t, rt.opened)
		})
	}
}

// hookSession is the real plug-in's runtime over s, but for the stamp directory, which is the
// test's: the real one is the user's, outside the test's reach.
type hookSession struct {
	*wiring.Runtime
	stampDir string
}

func (r hookSession) StampDir() (string, error) { return r.stampDir, nil }

// With the real plug-in, a key file is checked as a run would read it, and the script names it
// by its absolute path: the hook runs wherever the shell is.
func TestHookKeyFileWithThePlugin(t *testing.T) {
	t.Parallel()
	s := newSession(t, "", "")
	key := filepath.Join(s.home, "apikey")
	require.NoError(t, os.WriteFile(key, []byte("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEf\n"), 0o600))
	wd, err := os.Getwd()
	require.NoError(t, err)
	relative, err := filepath.Rel(wd, key)
	require.NoError(t, err)
	rt := hookSession{wiring.Disk(s.config, commands.Namespace).WithGetenv(func(k string) string { return s.vars[k] }), t.TempDir()}

	r := execute(rt, "", "hook", "bash", "--apikey", "@"+relative)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "--apikey '@"+key+"'", "the hook reads the same file")
	assert.NotContains(t, r.stdout, "__kp_token_config='"+s.config+"'", "an API key's token does not follow the login")
	assert.Contains(t, r.stdout, "__kp_token_config=''")

	r = execute(rt, "", "hook", "bash", "--apikey", "@"+key+".missing")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "FAILED\n")
	assert.NotContains(t, r.stderr, "AbCdEf", "never the key")

	r = execute(rt, "", "hook", "zsh")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "__kp_token_config='"+s.config+"'", "the session's config.json, whose change means a new login")
	assert.Equal(t, 0, s.iam.Calls(), "hook gets no token itself")
}

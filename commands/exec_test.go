package commands_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/token"
)

// execHelperVar holds the token the helper process hands out; set, it makes
// TestExecHelperProcess run exec instead of returning.
const execHelperVar = "KP_TOKEN_TEST_EXEC_HELPER"

// execKP is the instance the helper's runtime knows as my-kp.
var execKP = kms.Instance{Name: "my-kp", GUID: "0a1b2c3d-0000-4000-8000-00000000be01", Service: kms.KeyProtect, Region: "us-south"}

// TestExecHelperProcess is no test of its own. exec replaces its process with the command
// (execve), so what the command receives is seen from outside: the tests below run this test
// binary again with execHelperVar set, and here, in that process, `exec ARGS` runs on a fake
// runtime (a fake token source, an instance my-kp), with the process's own streams.
func TestExecHelperProcess(t *testing.T) {
	jwt := os.Getenv(execHelperVar)
	if jwt == "" {
		return
	}
	require.NoError(t, os.Unsetenv(execHelperVar)) // the command sees the environment the test gave
	i := 0
	for i < len(os.Args) && os.Args[i] != "--" {
		i++
	}
	rt := withToken(mustParse(t, jwt))
	rt.resolve = func(_ token.Token, q kms.Query) (kms.Resolution, error) {
		if q.Ref != "my-kp" {
			return kms.Resolution{}, &kms.Error{Kind: kms.NotFound, Ref: q.Ref}
		}
		return kms.Resolution{Instance: execKP, URL: "https://private.us-south.kms.cloud.ibm.com"}, nil
	}
	code := commands.Execute(&commands.Deps{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Runtime: rt}, os.Args[i+1:])
	os.Exit(code) // only when the command was not run
}

// execRun runs `exec ARGS` in a helper process with env as its whole environment and stdin.
func execRun(t *testing.T, jwt string, env []string, stdin string, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestExecHelperProcess$", "--", "exec"}, args...)...)
	cmd.Env = append(env[:len(env):len(env)], execHelperVar+"="+jwt)
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	r := outcome{stdout: out.String(), stderr: errb.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return r
}

// exec hands the command the token in its environment, the rest of the environment unchanged,
// the arguments as given (flags after the command are its own) and the terminal's stdin; with
// --instance, KP_INSTANCE_ID and KP_URL too.
func TestExecEnvironmentAndArguments(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	env := []string{"PATH=" + os.Getenv("PATH"), "ACCESS_TOKEN=stale", "KEEP_ME=kept value", "KP_URL=https://old.example"}
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		stdout string
	}{
		{"the token, the rest of the environment, and stdin", "input line\n",
			[]string{"--", "sh", "-c", `printf '%s|%s|' "$ACCESS_TOKEN" "$KEEP_ME"; cat`}, "Bearer " + jwt + "|kept value|input line\n"},
		{"another name leaves ACCESS_TOKEN as it was", "",
			[]string{"--name", "KP_TOKEN", "--no-bearer", "--", "sh", "-c", `printf '%s|%s' "$KP_TOKEN" "$ACCESS_TOKEN"`}, jwt + "|stale"},
		{"flags after the command belong to it", "",
			[]string{"sh", "-c", `printf '%s|%s' "$1" "$ACCESS_TOKEN"`, "sh", "--no-bearer"}, "--no-bearer|Bearer " + jwt},
		{"arguments reach it as given", "",
			[]string{"--", "sh", "-c", `printf '[%s]' "$@"`, "sh", "two words", "", "'quoted'", "$HOME", "--"}, "[two words][]['quoted'][$HOME][--]"},
		{"the instance beside the token", "",
			[]string{"--instance", "my-kp", "--", "sh", "-c", `printf '%s|%s|%s' "$KP_INSTANCE_ID" "$KP_URL" "$ACCESS_TOKEN"`},
			execKP.GUID + "|https://private.us-south.kms.cloud.ibm.com|Bearer " + jwt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := execRun(t, jwt, env, tc.stdin, tc.args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, tc.stdout, r.stdout)
			assert.Empty(t, r.stderr)
		})
	}

	t.Run("the environment is the parent's, but for the one variable", func(t *testing.T) {
		t.Parallel()
		r := execRun(t, jwt, env, "", "--", "env")
		require.Equal(t, 0, r.code, r.stderr)
		assert.ElementsMatch(t, []string{env[0], "KEEP_ME=kept value", "KP_URL=https://old.example", "ACCESS_TOKEN=Bearer " + jwt},
			strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"))

		r = execRun(t, jwt, env, "", "--instance", "my-kp", "--name", "T", "--", "env")
		require.Equal(t, 0, r.code, r.stderr)
		assert.ElementsMatch(t, []string{env[0], "ACCESS_TOKEN=stale", "KEEP_ME=kept value", "T=Bearer " + jwt,
			"KP_INSTANCE_ID=" + execKP.GUID, "KP_URL=https://private.us-south.kms.cloud.ibm.com"},
			strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"), "one KP_URL, the instance's")
	})
}

// What keeps exec from running the command: a mistake on the command line, a command that is
// not there or cannot be run (the shell's 127 and 126, found before any token is asked for: a
// typo costs no refresh), no token. Nothing reaches stdout.
func TestExecRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExec := filepath.Join(dir, "script.sh")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\necho hi\n"), 0o644))
	for _, tc := range []struct {
		name    string
		args    []string
		openErr error
		code    int
		stderr  string
		asked   int // tokens asked for
	}{
		{name: "no command", args: []string{"exec"}, code: 1, stderr: "FAILED\nIncorrect Usage: Name the command to run after '--'."},
		{name: "only --", args: []string{"exec", "--"}, code: 1, stderr: "Incorrect Usage: Name the command to run after '--'."},
		{name: "not found", args: []string{"exec", "--", "no-such-command-here"}, code: 127,
			stderr: "FAILED\nCommand 'no-such-command-here' not found. Check its name and your PATH.\n"},
		{name: "not found by path", args: []string{"exec", "--", filepath.Join(dir, "missing")}, code: 127,
			stderr: "FAILED\nCommand '" + filepath.Join(dir, "missing") + "' not found. Check its name and your PATH.\n"},
		{name: "not executable", args: []string{"exec", "--", notExec}, code: 126,
			stderr: "FAILED\nCommand '" + notExec + "' cannot be run: permission denied. Check that it is a program you may run.\n"},
		{name: "a directory", args: []string{"exec", "--", dir}, code: 126, stderr: "FAILED\nCommand '" + dir + "' cannot be run: "},
		{name: "a name that is no variable", args: []string{"exec", "--name", "1X", "--", "true"}, code: 1, stderr: "Incorrect Usage: "},
		{name: "--url without --instance", args: []string{"exec", "--url", "https://x", "--", "true"}, code: 1,
			stderr: "Incorrect Usage: --private, --public and --url choose the endpoint of an --instance: name the instance too."},
		{name: "no session", args: []string{"exec", "--", "true"}, openErr: &source.Error{Kind: source.NotLoggedIn}, code: 1,
			stderr: "FAILED\nYou are not logged in."},
		{name: "an instance not found", args: []string{"exec", "--instance", "nope", "--", "true"}, code: 1,
			stderr: "FAILED\nNo Key Protect or Hyper Protect Crypto Services instance named 'nope'", asked: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt := withToken(mustParse(t, iamtest.Valid(time.Hour)))
			rt.openErr = tc.openErr
			r := execute(rt, "", tc.args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			if strings.HasSuffix(tc.stderr, "\n") {
				assert.Equal(t, tc.stderr, r.stderr)
			} else {
				assert.Contains(t, r.stderr, tc.stderr)
			}
			assert.Len(t, rt.src.asked, tc.asked)
			if tc.asked == 0 && tc.openErr == nil {
				assert.Empty(t, rt.opened, "no token source opened")
			}
		})
	}
}

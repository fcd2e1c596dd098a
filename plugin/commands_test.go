package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestPrint(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(40 * time.Minute)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")

	r := s.run("print")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "Bearer "+jwt+"\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = s.run("print", "--no-bearer")
	assert.Equal(t, jwt+"\n", r.stdout)

	r = s.run("print", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, jwt, got["access_token"])
	assert.Equal(t, "Bearer", got["token_type"])
	exp := got["expiration"].(float64)
	assert.InDelta(t, float64(time.Now().Add(40*time.Minute).Unix()), exp, 2)
	assert.InDelta(t, 40*60, got["expires_in"].(float64), 3)
	assert.Len(t, got, 4, "IAM's fields, and never the refresh token")
	assert.NotContains(t, r.stdout, "secret-refresh-token")
	assert.Equal(t, 0, s.iam.Calls())

	r = s.run("print", "--output", "yaml")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "'yaml' is not a supported output format")

	r = s.run("print", "--min-validity", "45m") // expires sooner: refreshed
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, s.iam.Calls())
	assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout)
}

func TestExec(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	s.env = append(s.env, "ACCESS_TOKEN=stale", "KEEP_ME=kept value")

	run := func(stdin string, args ...string) result {
		return s.finish(s.command(binary, append([]string{"exec"}, args...)...), stdin)
	}

	// The child sees the token, the rest of the environment unchanged, and the terminal's stdin.
	r := run("input line\n", "--", "sh", "-c", `printf '%s|%s|' "$ACCESS_TOKEN" "$KEEP_ME"; cat`)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "Bearer "+jwt+"|kept value|input line\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = run("", "--name", "KP_TOKEN", "--no-bearer", "--", "sh", "-c", `printf '%s|%s' "$KP_TOKEN" "$ACCESS_TOKEN"`)
	assert.Equal(t, jwt+"|stale", r.stdout, "another name leaves ACCESS_TOKEN as it was")

	// The environment is the parent's, but for the one variable.
	r = run("", "--", "env")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	assert.ElementsMatch(t, append(withoutVar(s.env, "ACCESS_TOKEN"), "ACCESS_TOKEN=Bearer "+jwt), lines)

	// Flags after the command belong to it.
	r = run("", "sh", "-c", `printf '%s' "$1"`, "sh", "--no-bearer")
	assert.Equal(t, "--no-bearer", r.stdout)

	assert.Equal(t, 3, run("", "--", "sh", "-c", "exit 3").code)
	assert.Equal(t, 128+int(syscall.SIGTERM), run("", "--", "sh", "-c", "kill -TERM $$").code)

	r = run("", "--", "no-such-command-here")
	assert.Equal(t, 127, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "FAILED\nCommand 'no-such-command-here' not found.")

	notExec := filepath.Join(s.home, "script.sh")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\necho hi\n"), 0o644))
	r = run("", "--", notExec)
	assert.Equal(t, 126, r.code)
	assert.Contains(t, r.stderr, "cannot be run: permission denied")

	r = run("")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "Incorrect Usage: Name the command to run after '--'.")
	assert.Equal(t, 0, s.iam.Calls())

	// Signals sent to kp-token reach the command: it is the command.
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		cmd := exec.Command(binary, "exec", "--", "sh", "-c", `trap 'echo got; exit 7' INT TERM HUP; echo ready; while :; do sleep 0.05; done`)
		cmd.Env, cmd.Dir = s.env, s.home
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		// A signal that never arrives fails the test instead of hanging it.
		stop := time.AfterFunc(10*time.Second, func() { _ = cmd.Process.Kill() })
		buf := make([]byte, 6)
		_, err = io.ReadFull(out, buf)
		require.NoError(t, err)
		require.Equal(t, "ready\n", string(buf))
		require.NoError(t, cmd.Process.Signal(sig))
		rest, _ := io.ReadAll(out)
		err = cmd.Wait()
		stop.Stop()
		assert.Equal(t, "got\n", string(rest), "%v reached the command", sig)
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 7, exit.ExitCode())
	}
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

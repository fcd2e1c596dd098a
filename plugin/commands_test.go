package main

import (
	"encoding/json"
	"io"
	"io/fs"
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

// show only looks: on an expired session it still says whose it was and when it expired,
// makes no call, writes nothing, and exits 1.
func TestShowAnExpiredSession(t *testing.T) {
	t.Parallel()
	expired := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	jwt := iamtest.JWT(iamtest.Claims{IssuedAt: expired.Add(-time.Hour), ExpiresAt: expired, Email: "jane.doe@example.com"})
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)

	r := s.run("show")
	assert.Equal(t, 1, r.code)
	for _, want := range []string{"jane.doe@example.com", "Expires at ", expired.Local().Format("2006-01-02 15:04:05 MST"), "Time left ", "expired"} {
		assert.Contains(t, r.stdout, want)
	}
	assert.Contains(t, r.stderr, "The token expired at "+expired.Local().Format("2006-01-02 15:04:05 MST"))
	assert.NotContains(t, r.stderr, "FAILED")

	r = s.run("show", "--output", "json")
	assert.Equal(t, 1, r.code)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, true, got["expired"])
	assert.Less(t, got["expires_in"].(float64), float64(-3*3600+60))

	assert.Equal(t, 0, s.iam.Calls(), "no refresh")
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing written")
}

func TestShow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		claims  iamtest.Claims
		kind    string
		human   []string
		subject string
	}{
		{"user", iamtest.Claims{Email: "jane.doe@example.com", IAMID: "IBMid-2700012345"}, "user", []string{"Name ", "Jane Doe", "Email ", "jane.doe@example.com"}, "jane.doe@example.com"},
		{"service ID", iamtest.Claims{SubType: "ServiceId", IAMID: "iam-ServiceId-1234"}, "service_id", []string{"Service ID ", "(ServiceId-1234)"}, "ServiceId-1234"},
		{"trusted profile", iamtest.Claims{SubType: "Profile", IAMID: "iam-Profile-5678"}, "trusted_profile", []string{"Trusted profile ", "(Profile-5678)"}, "Profile-5678"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			issued := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
			tc.claims.IssuedAt, tc.claims.ExpiresAt = issued, issued.Add(time.Hour)
			jwt := iamtest.JWT(tc.claims)
			s := newSession(t, "Bearer "+jwt, "secret-refresh-token")

			r := s.run("show")
			require.Equal(t, 0, r.code, r.stderr)
			for _, want := range append(tc.human, "IAM ID ", tc.claims.IAMID, "Account ID ", "0123456789abcdef0123456789abcdef",
				"Issued at ", issued.Local().Format("2006-01-02 15:04:05 MST"), "Expires at ", "Time left ", "49 minutes",
				"Refresh token ", "yes", "Token source ", "login session", "IAM endpoint ", s.iam.URL+" (from IAM_ENDPOINT)", "Region ", "us-south") {
				assert.Contains(t, r.stdout, want)
			}
			assert.NotContains(t, r.stdout, "\x1b[", "no colour when stdout is not a terminal")
			assert.Equal(t, 1, strings.Count(r.stdout, issued.Local().Format("15:04:05")), "each time once, in local time:\n%s", r.stdout)

			r = s.run("show", "--output", "json")
			require.Equal(t, 0, r.code, r.stderr)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
			assert.Equal(t, tc.kind, got["subject_type"])
			assert.Equal(t, tc.subject, got["subject"])
			assert.Equal(t, tc.claims.IAMID, got["iam_id"])
			assert.Equal(t, "0123456789abcdef0123456789abcdef", got["account_id"])
			assert.Equal(t, float64(issued.Unix()), got["issued_at"])
			assert.Equal(t, float64(issued.Add(time.Hour).Unix()), got["expires_at"])
			assert.InDelta(t, 49*60+59, got["expires_in"].(float64), 60)
			assert.Equal(t, true, got["refresh_token_held"])
			assert.Equal(t, s.iam.URL, got["iam_endpoint"])
			assert.Equal(t, "IAM_ENDPOINT", got["iam_endpoint_type"])
			assert.Equal(t, "us-south", got["region"])
			for _, k := range []string{"name", "email"} {
				assert.IsType(t, "", got[k])
			}
			assert.Equal(t, "session", got["token_source"])
			assert.Equal(t, false, got["expired"])
			assert.Equal(t, "password", got["login"], "the token's grant: password")
			assert.Equal(t, s.iam.URL, got["renews_at"])
			assert.Equal(t, "", got["compute_resource"])
			assert.Len(t, got, 18)

			for _, out := range []string{r.stdout, s.run("show").stdout} {
				assert.NotContains(t, out, strings.Split(jwt, ".")[1], "no token")
				assert.NotContains(t, out, "secret-refresh-token", "no refresh token")
			}
		})
	}
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

// Claims come from a token anyone could put in config.json: show lets none of their control
// characters reach the terminal, in text or JSON, and JSON still reads back the same values.
func TestShowEscapesHostileClaims(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"ESC":     "Jane\x1b[2J\x1b]0;owned\x07",
		"C1 CSI":  "Jane\u009b31mred",
		"DEL":     "Jane\x7f",
		"newline": "Jane\nIAM ID   forged",
		"bidi":    "Jane\u202eeoD",
		"isolate": "Jane\u2066x\u2069",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			jwt := iamtest.JWT(iamtest.Claims{Override: map[string]any{
				"name": value, "email": value, "iam_id": value, "sub": value, "account": map[string]any{"bss": value},
			}})
			s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
			for _, args := range [][]string{{"show"}, {"show", "--output", "json"}} {
				r := s.run(args...)
				require.Equal(t, 0, r.code, r.stderr)
				for _, c := range r.stdout {
					assert.False(t, c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c < 0xa0 || c == 0x202e || c >= 0x2066 && c <= 0x2069,
						"%v: %U reached stdout:\n%q", args, c, r.stdout)
				}
				if len(args) == 1 {
					assert.Equal(t, 13, strings.Count(r.stdout, "\n"), "one line a row:\n%s", r.stdout)
					continue
				}
				var got map[string]any
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
				for _, k := range []string{"name", "email", "iam_id", "account_id"} {
					assert.Equal(t, value, got[k], k)
				}
			}
		})
	}
}

// show only looks: with nothing learned or cached yet, it creates no directory either.
func TestShowCreatesNothing(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	tree := func() []string {
		var paths []string
		require.NoError(t, filepath.WalkDir(s.home, func(p string, _ fs.DirEntry, err error) error {
			paths = append(paths, p)
			return err
		}))
		return paths
	}
	before := tree()
	r := s.run("show", "--instance", "new-kp")
	assert.Equal(t, 1, r.code)
	r = s.run("show", "--apikey", "an-api-key-not-yet-used-0123456789")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, before, tree())
}

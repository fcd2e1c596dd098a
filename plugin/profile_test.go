package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// recordedRun is one run of kp-token as a shell ran it, measured around its own process.
type recordedRun struct {
	command string // hook, env…
	took    time.Duration
	code    int
	stderr  string
}

// installRecorder puts at dir/kp-token a recorder of the plug-in's runs: it runs the built
// binary with the same arguments, standard streams and environment, and notes for each run the
// command, how long its process took, its exit status and its standard error (which it passes
// on unchanged). `hook` calls the binary that printed the hook, so the recorder prints it from
// its own path: the binary stands there for that run only, and the recorder is back before the
// shell runs the hook. runs reads the notes.
func installRecorder(t *testing.T, dir string) (bin string, runs func() []recordedRun) {
	t.Helper()
	shelltest.Tool(t, "bash")
	bin = filepath.Join(dir, "kp-token")
	real := filepath.Join(dir, "kp-token.bin")
	installBinary(t, real)
	log := filepath.Join(dir, "runs")
	script := fmt.Sprintf(`#!/bin/bash
real=%q self=%q log=%q
err="$log.$$.err"
start=$EPOCHREALTIME
if [ "$1" = hook ]; then
	mv "$self" "$self.recorder" && ln "$real" "$self" || exit 99
	"$self" "$@" 2>"$err"; status=$?
	mv "$self.recorder" "$self"
else
	"$real" "$@" 2>"$err"; status=$?
fi
end=$EPOCHREALTIME
cat "$err" >&2
echo "$1 $start $end $status $err" >> "$log"
exit $status
`, real, bin, log)
	require.NoError(t, os.WriteFile(bin, []byte(script), 0o755))
	return bin, func() []recordedRun {
		t.Helper()
		b, err := os.ReadFile(log)
		if os.IsNotExist(err) {
			return nil
		}
		require.NoError(t, err)
		var out []recordedRun
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.Fields(line)
			require.Len(t, f, 5, "%q", line)
			start, err := strconv.ParseFloat(f[1], 64)
			require.NoError(t, err)
			end, err := strconv.ParseFloat(f[2], 64)
			require.NoError(t, err)
			code, err := strconv.Atoi(f[3])
			require.NoError(t, err)
			stderr, err := os.ReadFile(f[4])
			require.NoError(t, err)
			out = append(out, recordedRun{command: f[0], took: time.Duration((end - start) * float64(time.Second)), code: code, stderr: string(stderr)})
		}
		return out
	}
}

// The README's profile lines never hold a shell's start for more than 5 s, whatever IAM does,
// an expired session included: here IAM never answers. The line in bash prints nothing and
// leaves no stale token; the one refresh it starts hits its own 5 s limit (its message names
// it) and its process waits that out and ends well before the CLI's own limit (60 s here)
// would have; nothing else it runs waits.
func TestProfileLinesNeverStallAShellStart(t *testing.T) {
	t.Parallel()
	bash := shelltest.Require(t, shelltest.All[0])
	for _, tc := range []struct {
		name   string
		access string
		valid  bool
	}{
		{"expired session", "Bearer " + iamtest.Valid(-time.Hour), false},
		{"token due for refresh", "Bearer " + iamtest.Valid(2*time.Minute), true},
	} {
		for _, line := range []struct {
			name, line, bound string
			runs              []string
		}{
			{"env", `eval "$(%s env --timeout 5s 2>/dev/null)"`, "did not answer within 5s, the limit --timeout set.", []string{"env"}},
			{"hook", `eval "$(%s hook bash --quiet)"`, "did not answer within 5s, the shell hook's limit for one refresh.", []string{"hook", "env"}},
		} {
			t.Run(tc.name+"/"+line.name, func(t *testing.T) {
				t.Parallel()
				s := newSession(t, tc.access, "secret-refresh-token", func(c map[string]any) { c["HTTPTimeout"] = 60 })
				s.iam.SetHandler(iamtest.Hang)
				dir := t.TempDir()
				bin, runs := installRecorder(t, dir)
				value := filepath.Join(dir, "value")
				profile := fmt.Sprintf(line.line, bin)
				cmd := exec.Command(bash.Argv[0], append(bash.Argv[1:], "-c", profile+"\nprintf %s \"${ACCESS_TOKEN-}\" > "+value)...)
				cmd.Env, cmd.Dir = s.env, s.home
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s", out)
				assert.Empty(t, string(out), "quiet as promised: %s", profile)
				got, err := os.ReadFile(value)
				require.NoError(t, err)
				if tc.valid {
					assert.Equal(t, tc.access, string(got), "the token at hand, still valid, is handed out")
				} else {
					assert.Empty(t, string(got), "no stale token")
				}

				rs := runs()
				var commands []string
				for _, r := range rs {
					commands = append(commands, r.command)
				}
				require.Equal(t, line.runs, commands, "what the line ran")
				for _, r := range rs {
					t.Logf("%s: %v, exit %d", r.command, r.took.Round(10*time.Millisecond), r.code)
					if r.command == "hook" {
						assert.Equal(t, 0, r.code, r.stderr)
						assert.Empty(t, r.stderr)
						assert.Less(t, r.took, slowStart, "printing the hook waits for nothing")
						continue
					}
					assert.Contains(t, r.stderr, line.bound, "the run's own limit ended it")
					if tc.valid {
						assert.Equal(t, 0, r.code)
						assert.Contains(t, r.stderr, "WARNING: The access token was not refreshed")
					} else {
						assert.Equal(t, 1, r.code)
					}
					if line.name == "hook" {
						assert.Regexp(t, `^kp-token: [^\n]*\n$`, r.stderr, "the hook's runs say it on one line")
					} else if !tc.valid {
						assert.Contains(t, r.stderr, "FAILED\n")
					}
					assert.GreaterOrEqual(t, r.took, 5*time.Second-100*time.Millisecond, "it waited out its limit, as its message says")
					// The limit that would hold it otherwise is the CLI's 60 s: twice the 5 s
					// tells them apart with room for the slowest machine.
					assert.Less(t, r.took, 2*5*time.Second, "and not the CLI's limit")
				}
				assert.Equal(t, 1, s.iam.Calls(), "one refresh, one request")
			})
		}
	}
}

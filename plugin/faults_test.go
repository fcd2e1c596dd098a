package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/iamtest"
)

const nobody = 65534

// asNobody makes the next runs of h happen as an unprivileged user (root reads and writes
// anything, so permission faults can only be seen as someone else). The home and the binary
// become reachable by that user; the files stay as the test sets them.
func asNobody(t *testing.T, h *home) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil // already unprivileged
	}
	for dir := h.home; dir != "/" && dir != os.TempDir(); dir = filepath.Dir(dir) {
		require.NoError(t, os.Chmod(dir, 0o755))
	}
	require.NoError(t, os.Chmod(filepath.Dir(binary), 0o755))
	require.NoError(t, filepath.Walk(h.home, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	}))
	return &syscall.Credential{Uid: nobody, Gid: nobody}
}

func (h *home) runAs(cred *syscall.Credential, args ...string) result {
	h.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env, cmd.Dir = h.env, h.home
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		r.code = exit.ExitCode()
	} else {
		require.NoError(h.t, err)
	}
	return r
}

func TestReadOnlyConfigDirStillPrintsTheFreshToken(t *testing.T) {
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	cred := asNobody(t, s)
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)
	dir := filepath.Dir(s.config)
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })

	r := s.runAs(cred, "env")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+s.iam.LastIssued()+"'\n", r.stdout)
	assert.Contains(t, r.stderr, "The refreshed token could not be saved to '"+s.config+"'")
	assert.Equal(t, 1, bytes.Count([]byte(r.stderr), []byte("\n")), "one warning line")
	assert.NotContains(t, r.stderr, "FAILED")
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

func TestConfigOfAnotherUserIsReported(t *testing.T) {
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	cred := asNobody(t, s)
	if cred == nil {
		t.Skip("needs root to make a file that the test user cannot read")
	}
	require.NoError(t, os.Chown(s.config, 0, 0)) // root's, mode 0600
	r := s.runAs(cred, "env")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "FAILED\nThe IBM Cloud CLI configuration '"+s.config+"' cannot be read (")
	assert.Contains(t, r.stderr, "permission denied")
}

// A process killed while IAM is answering, or while it writes config.json, leaves the old
// config or the new one, never a broken one, and the next run works.
func TestKilledMidRefreshOrMidWrite(t *testing.T) {
	t.Run("while IAM answers", func(t *testing.T) {
		s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
		before, err := os.ReadFile(s.config)
		require.NoError(t, err)
		s.iam.SetHandler(iamtest.Hang)
		cmd := exec.Command(binary, "env")
		cmd.Env, cmd.Dir = s.env, s.home
		require.NoError(t, cmd.Start())
		require.Eventually(t, func() bool { return s.iam.Calls() == 1 }, 10*time.Second, 5*time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()

		after, err := os.ReadFile(s.config)
		require.NoError(t, err)
		assert.Equal(t, before, after, "untouched")
		s.iam.SetHandler(nil)
		r := s.run("env")
		assert.Equal(t, 0, r.code, r.stderr, "the lock died with its holder")
		assert.Equal(t, "export ACCESS_TOKEN='Bearer "+s.iam.LastIssued()+"'\n", r.stdout)
	})

	t.Run("at random instants", func(t *testing.T) {
		rounds := envInt(t, "KP_STRESS_KILLS", 40)
		if testing.Short() {
			rounds = 10
		}
		s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
		replaced := 0
		for i := 0; i < rounds; i++ {
			cfg := s.readConfig()
			cfg["IAMToken"] = "Bearer " + iamtest.Valid(time.Minute) // expiring again
			_, err := iamtest.WriteConfig(s.home, cfg)
			require.NoError(t, err)
			oldPair := [2]any{cfg["IAMToken"], cfg["IAMRefreshToken"]}

			cmd := exec.Command(binary, "env")
			cmd.Env, cmd.Dir = s.env, s.home
			require.NoError(t, cmd.Start())
			// Spread the kills over a run's life: start-up, the IAM call, the write.
			time.Sleep(time.Duration(i%20) * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()

			b, err := os.ReadFile(s.config)
			require.NoError(t, err)
			var got map[string]any
			require.NoError(t, json.Unmarshal(b, &got), "round %d: config.json parses", i)
			pair := [2]any{got["IAMToken"], got["IAMRefreshToken"]}
			if pair != oldPair {
				replaced++
				assert.Equal(t, "Bearer "+s.iam.LastIssued(), got["IAMToken"], "round %d: the new pair, whole", i)
			}
			assert.Equal(t, cfg["FutureCLIField"], got["FutureCLIField"])
			info, err := os.Stat(s.config)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
		}
		// Which rounds were killed before, during or after the write depends on the machine.
		summary := fmt.Sprintf("kills: %d processes killed at spread instants; %d IAM calls; %d configs replaced whole, the rest untouched; configs that failed to parse: 0",
			rounds, s.iam.Calls(), replaced)
		t.Log(summary)
		if os.Getenv("KP_STRESS_PROCS") != "" {
			fmt.Println(summary)
		}
		r := s.run("env", "--refresh")
		assert.Equal(t, 0, r.code, r.stderr)
	})
}

//go:build unix

package main

// Faults that need processes: runs as another user, processes killed mid-refresh, shells
// starting at once behind a failing refresh, and runs paced as processes while the CLI saves
// its config. The faults one process shows (a logout during the refresh, a symlinked config,
// root on a user's config, a lock that cannot be beside the config, a config rewritten or held
// locked meanwhile) are commands/faults_test.go's, in-process.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
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
	cmd := h.command(binary, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return h.finish(cmd, "")
}

// Needs a process: the run is another user's (nobody), since root writes into a read-only
// directory; and the refresh lock it cannot make beside the config falls back to the private
// directory, found from the process's own environment.
func TestReadOnlyConfigDirStillPrintsTheFreshToken(t *testing.T) {
	t.Parallel()
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

// Needs a process: the run is another user's (nobody), who cannot read root's config.json.
func TestConfigOfAnotherUserIsReported(t *testing.T) {
	t.Parallel()
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

// Needs a process: it is killed (SIGKILL), which ends a process, not a goroutine.
// A process killed while IAM is answering, or while it writes config.json, leaves the old
// config or the new one, never a broken one, and the next run works.
func TestKilledMidRefreshOrMidWrite(t *testing.T) {
	t.Parallel()
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
		// Kill rounds are a stress run: make stress sets KP_STRESS_KILLS.
		rounds := envInt(t, "KP_STRESS_KILLS", 0)
		if rounds == 0 {
			t.Skip("kill rounds run under make stress (KP_STRESS_KILLS)")
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

// Needs processes: twenty at once, queued behind one holder's failing refresh, each with its
// own start: they report the holder's failure rather than each calling IAM again.
func TestShellsQueuedBehindAFailedRefreshDoNotCallIAMAgain(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(-time.Minute), "secret-refresh-token",
		func(c map[string]any) { c["HTTPTimeout"] = 10 })
	// A slow failing IAM keeps the holder at work (4 tries, about 3.75 s, inside the 10 s
	// bound) until every shell of a slowly starting batch has queued: one that started only
	// after the holder gave up would rightly make its own tries.
	s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(500 * time.Millisecond)
		iamtest.Error(w, 500, "BXNIM9999E", "Internal error")
	})
	results := concurrently(s, 20, "env")
	for i, r := range results {
		assert.Equal(t, 1, r.code, "process %d", i)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "HTTP 500 BXNIM9999E Internal error. Try again later.", "process %d: the holder's failure, not a timeout", i)
	}
	assert.LessOrEqual(t, s.iam.Calls(), 4, "one holder's tries, not one set per shell")

	// Later runs are not held to an old failure.
	s.iam.SetHandler(nil)
	r := s.run("env")
	assert.Equal(t, 0, r.code, r.stderr)
}

// Needs processes: the runs must leave the CLI's writer its turns as separate processes do. The
// SDK's writer tries for its lock every 100 ms; runs following each other in one process hold
// the read lock almost throughout, and in-process it saved once in 100 runs, where beside
// processes (each with its start-up and exit) it saves hundreds of times.
// The ibmcloud CLI saves config.json with the SDK's own code (truncate and rewrite under a
// flock) in a tight loop while shells start: every run gets the session, none sees a
// half-written file and tells the user to log in again. A run waits for the writer's lock
// (queued in the kernel, not polling); one that cannot get it within its bound would say the
// CLI is busy writing its configuration, the one failure allowed here.
func TestTheCLISavingItsConfigMeanwhile(t *testing.T) {
	t.Parallel()
	access := "Bearer " + iamtest.Valid(time.Hour)
	s := newSession(t, access, "secret-refresh-token")
	repo := core_config.NewCoreConfigFromPath(s.config, func(err error) { t.Error(err) })
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		saves := 0
		defer func() { done <- saves }()
		for regions := []string{"us-south", "eu-de"}; ; saves++ {
			select {
			case <-stop:
				return
			default:
			}
			repo.SetRegion(models.Region{Name: regions[saves%2]}) // a save through DiskPersistor
		}
	}()
	runs := 100
	if testing.Short() {
		runs = 30
	}
	printed, busy := 0, 0
	var slowest time.Duration
	for i := 0; i < runs; i++ {
		r := s.run("env")
		slowest = max(slowest, r.took)
		switch {
		case r.code == 0 && r.stdout == "export ACCESS_TOKEN='"+access+"'\n":
			printed++
		case r.code == 1 && r.stdout == "" && strings.Contains(r.stderr, "The IBM Cloud CLI is writing its configuration at '"+s.config+"'"):
			busy++
		default:
			t.Errorf("run %d: exit %d, stdout %d bytes: %s", i, r.code, len(r.stdout), r.stderr)
		}
		assert.NotContains(t, r.stderr, "log in", "run %d", i)
	}
	close(stop)
	t.Logf("%d runs while the SDK saved config.json %d times: %d printed the token, %d said the CLI was writing its configuration; the slowest took %v",
		runs, <-done, printed, busy, slowest.Round(time.Millisecond))
}

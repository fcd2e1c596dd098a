//go:build unix

package main

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
	"github.com/gofrs/flock"
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

func TestALogoutDuringTheRefreshWins(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		cfg := s.readConfig()
		cfg["IAMToken"], cfg["IAMRefreshToken"] = "", "" // `ibmcloud logout` in another terminal
		_, err := iamtest.WriteConfig(s.home, cfg)
		require.NoError(t, err)
		s.iam.Refresh(w, r)
	})
	r := s.run("env")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+s.iam.LastIssued()+"'\n", r.stdout)
	assert.Contains(t, r.stderr, "was not saved: '"+s.config+"' changed meanwhile")
	cfg := s.readConfig()
	assert.Equal(t, "", cfg["IAMToken"], "the logout is kept")
	assert.Equal(t, "", cfg["IAMRefreshToken"])
}

func TestASymlinkedConfigIsUpdatedAtItsTarget(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	target := filepath.Join(s.home, "dotfiles", "ibmcloud-config.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o700))
	require.NoError(t, os.Rename(s.config, target))
	require.NoError(t, os.Symlink(target, s.config))

	r := s.run("env")
	require.Equal(t, 0, r.code, r.stderr)
	info, err := os.Lstat(s.config)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, info.Mode()&os.ModeSymlink, "still a symlink")
	assert.Equal(t, "Bearer "+s.iam.LastIssued(), s.readConfig()["IAMToken"], "read through the link")
}

func TestRootKeepsTheOwnerOfAUsersConfig(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root can run on another user's config")
	}
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	require.NoError(t, os.Chown(s.config, nobody, nobody))
	r := s.run("env") // as root, like `sudo -E kp-token env`
	require.Equal(t, 0, r.code, r.stderr)
	info, err := os.Stat(s.config)
	require.NoError(t, err)
	st := info.Sys().(*syscall.Stat_t)
	assert.Equal(t, []uint32{nobody, nobody}, []uint32{st.Uid, st.Gid}, "still the user's file")
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestSingleFlightWithoutALockFileBesideTheConfig(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	require.NoError(t, os.Symlink("/nonexistent-dir/lock", s.config+".kp-token.lock"))
	s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
		s.iam.Refresh(w, r)
	})
	for i, r := range concurrently(s, 10, "env") {
		assert.Equal(t, 0, r.code, "process %d: %s", i, r.stderr)
	}
	assert.Equal(t, 1, s.iam.Calls(), "the lock moved to the temporary directory")
}

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

// Another program rewrites config.json (atomically) between a good and a broken version while
// env runs: env reads it once, so each run sees one version whole, and the SDK never gets a
// chance to replace a broken one with an empty config.
func TestConfigChangingUnderneathIsNeverOverwritten(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	good, err := os.ReadFile(s.config)
	require.NoError(t, err)
	broken := good[:len(good)/2]
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			content := good
			if i%2 == 1 {
				content = broken
			}
			tmp := s.config + ".writer"
			if os.WriteFile(tmp, content, 0o600) == nil {
				_ = os.Rename(tmp, s.config)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	runs := 150
	if testing.Short() {
		runs = 40
	}
	var ok, refused int
	for i := 0; i < runs; i++ {
		r := s.run("env")
		switch {
		case r.code == 0:
			ok++
		case strings.Contains(r.stderr, "cannot be parsed"):
			refused++
		default:
			t.Errorf("run %d: %s", i, r.stderr)
		}
	}
	close(stop)
	<-done
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(after, good) || bytes.Equal(after, broken), "only the writer's versions were ever written")
	t.Logf("%d runs: %d printed the token, %d reported the broken version", runs, ok, refused)
}

// The CLI holding config.json's lock longer than a run may wait (a save stuck halfway): the
// run says the CLI is writing its configuration and to try again, prints nothing on stdout and
// exits 1, by --timeout or, without one, by the bound of a run without a deadline. It never
// reads the half-written file, nor tells the user to log in.
func TestTheCLIHoldingItsConfigLockTooLong(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	full, err := os.ReadFile(s.config)
	require.NoError(t, err)
	sdk := flock.New(s.config) // what the SDK's DiskPersistor.lockedWrite takes
	require.NoError(t, sdk.Lock())
	t.Cleanup(func() { _ = sdk.Unlock() })
	require.NoError(t, os.WriteFile(s.config, full[:len(full)/2], 0o600))

	for _, args := range [][]string{{"env", "--timeout", "100ms"}, {"env"}} {
		r := s.run(args...)
		assert.Equal(t, 1, r.code, "%v", args)
		assert.Empty(t, r.stdout, "%v", args)
		assert.Equal(t, "FAILED\nThe IBM Cloud CLI is writing its configuration at '"+s.config+"', and it did not finish in time. Try again.\n", r.stderr, "%v", args)
	}
}

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

//go:build unix

package commands_test

// Faults around config.json, through the whole plug-in in-process (moved from plugin's
// end-to-end suite, issue 17): a logout during the refresh, a symlinked config, root running on
// a user's config, a lock file that cannot be made beside the config, a config rewritten or
// held locked by another program while runs go on. What needs a process stays in
// plugin/faults_test.go: runs as another user (nobody), SIGKILLs, many processes at once, and
// runs beside the CLI saving its config, which need a process's pacing.

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// faultNobody is the user a root test gives config.json to.
const faultNobody = 65534

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

// Root running on a user's config, like `sudo -E kp-token env`: the test itself is root here.
func TestRootKeepsTheOwnerOfAUsersConfig(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root can run on another user's config")
	}
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	require.NoError(t, os.Chown(s.config, faultNobody, faultNobody))
	r := s.run("env")
	require.Equal(t, 0, r.code, r.stderr)
	info, err := os.Stat(s.config)
	require.NoError(t, err)
	st := info.Sys().(*syscall.Stat_t)
	assert.Equal(t, []uint32{faultNobody, faultNobody}, []uint32{st.Uid, st.Gid}, "still the user's file")
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

// No lock file can be made beside config.json (a link there points nowhere): ten runs at once
// still refresh once, through a lock in the user's private directory. Goroutines stand in for
// processes (a flock belongs to an open file description, so the runs' locks contend as across
// processes). The private directory is $XDG_RUNTIME_DIR/kp-token, read from the process's
// environment: t.Setenv points it into the test's home, so this test is not parallel.
func TestSingleFlightWithoutALockFileBesideTheConfig(t *testing.T) {
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
	runtimeDir := filepath.Join(s.home, "run")
	require.NoError(t, os.Mkdir(runtimeDir, 0o700))
	t.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	require.NoError(t, os.Symlink("/nonexistent-dir/lock", s.config+".kp-token.lock"))
	s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
		s.iam.Refresh(w, r)
	})
	var wg sync.WaitGroup
	out := make([]outcome, 10)
	start := make(chan struct{})
	for i := range out {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			out[i] = s.run("env")
		}(i)
	}
	close(start)
	wg.Wait()
	for i, r := range out {
		assert.Equal(t, 0, r.code, "run %d: %s", i, r.stderr)
	}
	assert.Equal(t, 1, s.iam.Calls(), "the lock moved to the private directory")
	moved, err := filepath.Glob(filepath.Join(runtimeDir, "kp-token", "refresh-*.lock"))
	require.NoError(t, err)
	assert.Len(t, moved, 1, "one lock there")
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
// reads the half-written file, nor tells the user to log in. The SDK's lock is a flock on its
// own open file, which the run's contends with in one process as across processes.
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

//go:build unix

package main

// Hostile files and shared machines: what another user or a broken disk can put in kp-token's
// way must not hang it, leak through it or be planted on the user. What needs no process (a
// failure note from a clock that was ahead) is commands/hostile_test.go's.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Needs a process: "at once" and "not read" are measured on the process (its time from the exec,
// its peak memory), and a run that did read the FIFO would block until the process is killed.
// A config.json that is a FIFO, a link to /dev/zero or a 2 GB sparse file is refused at once,
// never read; commands that need no config (help, --unset, version, hook) do not touch it. The
// refusal's message says why; the run's memory shows that the big file was not read; and none
// of these waits for anything (a FIFO nobody writes to would hold a reader for ever), which
// allows slowStart for the process.
func TestAConfigThatIsNoConfigIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	for name, plant := range map[string]func(path string){
		"FIFO":      func(path string) { require.NoError(t, syscall.Mkfifo(path, 0o600)) },
		"/dev/zero": func(path string) { require.NoError(t, os.Symlink("/dev/zero", path)) },
		"2 GB sparse file": func(path string) {
			f, err := os.Create(path)
			require.NoError(t, err)
			require.NoError(t, f.Truncate(2<<30))
			require.NoError(t, f.Close())
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, "", "")
			require.NoError(t, os.Remove(s.config))
			plant(s.config)

			cmd := s.command(binary, "env", "--timeout", "5s")
			r := s.finish(cmd, "")
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Less(t, r.took, slowStart, "refused at once")
			if name == "2 GB sparse file" {
				assert.Contains(t, r.stderr, "is larger than 4 MiB")
			} else {
				assert.Contains(t, r.stderr, "is not a regular file, so it was not read")
			}
			assert.NotContains(t, r.stderr, "within", "refused, not timed out")
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				assert.Less(t, maxRSS(ru), int64(256<<20), "the config was not read into memory")
			}
			for _, args := range [][]string{{"env", "--help"}, {"env", "--unset"}, {"version"}, {"hook", "bash"}} {
				r := s.run(args...)
				assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
				assert.Less(t, r.took, slowStart, "%v", args)
			}
			// An API key needs no config: the one there lends nothing, and costs nothing.
			s.iam.APIKeys = map[string]bool{goodKey: true}
			r = s.runIn("", []string{"IBMCLOUD_API_KEY=" + goodKey}, "print")
			assert.Equal(t, 0, r.code, r.stderr)
			assert.Less(t, r.took, slowStart)
		})
	}
}

// maxRSS is a process's peak resident memory in bytes: macOS counts it in bytes, Linux and the
// BSDs in KiB.
func maxRSS(ru *syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) << 10
}

// Needs a process: main itself finds config.json (cliconfig.Path) from the process's HOME and
// working directory; in-process sessions hand the runtime their path.
// Without HOME (or IBMCLOUD_HOME) the SDK's rule names a config.json relative to the working
// directory, where another user may have put one: kp-token reads none there and writes nothing.
func TestNoHomeReadsAndWritesNothingInTheWorkingDirectory(t *testing.T) {
	t.Parallel()
	s := newSession(t, "", "")
	s.iam.APIKeys = map[string]bool{goodKey: true}
	cwd := t.TempDir()
	planted := filepath.Join(cwd, ".bluemix", "config.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(planted), 0o777))
	require.NoError(t, os.WriteFile(planted, []byte(`{"IAMToken":"Bearer `+iamtest.Valid(time.Hour)+`"}`), 0o666))
	env := []string{"PATH=" + os.Getenv("PATH"), "IAM_ENDPOINT=" + s.iam.URL}

	cmd := exec.Command(binary, "env")
	cmd.Env, cmd.Dir = env, cwd
	r := s.finish(cmd, "")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout, "the planted session is not used")
	assert.Contains(t, r.stderr, "HOME is not set")

	cmd = exec.Command(binary, "print")
	cmd.Env, cmd.Dir = append(env, "IBMCLOUD_API_KEY="+goodKey), cwd
	r = s.finish(cmd, "")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout)
	assert.NoDirExists(t, filepath.Join(cwd, ".bluemix", "plugins"), "no cache in the working directory")
}

// Needs a process: the runs are another user's (nobody), which only a process of its own can be.
// Another user on the machine, with XDG_RUNTIME_DIR on a shared directory and the victim's
// config directory read-only: a lock planted as a link to the victim's file, and a note
// planted in it, change nothing; a cache directory another user made is not used.
func TestAnotherUsersPlantsAreNotUsed(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to act as a second user (nobody)")
	}
	s := newSession(t, "Bearer "+iamtest.Valid(-time.Minute), "secret-refresh-token")
	s.iam.APIKeys = map[string]bool{goodKey: true}
	cred := asNobody(t, s)
	victimFile := filepath.Join(s.home, "precious")
	require.NoError(t, os.WriteFile(victimFile, []byte("keep me"), 0o600))
	require.NoError(t, os.Chown(victimFile, nobody, nobody))
	configDir := filepath.Dir(s.config)
	require.NoError(t, os.Chmod(configDir, 0o500))
	t.Cleanup(func() { _ = os.Chmod(configDir, 0o700) })

	// The attacker (root here, anyone but nobody) owns kp-token's directory in the shared one.
	shared := t.TempDir()
	require.NoError(t, os.Chmod(shared, 0o1777))
	planted := filepath.Join(shared, "kp-token")
	require.NoError(t, os.Mkdir(planted, 0o777))
	require.NoError(t, os.Chmod(planted, 0o777))
	entries, _ := filepath.Glob(filepath.Join(planted, "*"))
	assert.Empty(t, entries)
	sum := sha256.Sum256([]byte(s.config))
	require.NoError(t, os.Symlink(victimFile, filepath.Join(planted, "refresh-"+hex.EncodeToString(sum[:8])+".lock")))
	s.env = append(s.env, "XDG_RUNTIME_DIR="+shared)

	r := s.runAs(cred, "env")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+s.iam.LastIssued()+"'\n", r.stdout)
	b, err := os.ReadFile(victimFile)
	require.NoError(t, err)
	assert.Equal(t, "keep me", string(b), "nothing written through a planted link")
	entries, _ = filepath.Glob(filepath.Join(planted, "*"))
	assert.Len(t, entries, 1, "nothing made in another user's directory")

	// The API-key cache, in a directory another user made, open to all, with their token in it.
	cacheDir := filepath.Join(s.home, ".bluemix", "plugins", "kp-token", "cache")
	require.NoError(t, os.Chmod(configDir, 0o700))
	require.NoError(t, os.MkdirAll(cacheDir, 0o777))
	require.NoError(t, os.Chmod(cacheDir, 0o777))
	attackers := iamtest.JWT(iamtest.Claims{Email: "attacker@evil"})
	keySum := sha256.Sum256([]byte(goodKey + "\x00" + s.iam.URL))
	file := filepath.Join(cacheDir, hex.EncodeToString(keySum[:])+".json")
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(`{"access_token":%q,"expiration":%d}`, attackers, time.Now().Add(time.Hour).Unix())), 0o666))
	cmd := s.command(binary, "print", "--no-bearer")
	cmd.Env = append(cmd.Env, "IBMCLOUD_API_KEY="+goodKey)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	r = s.finish(cmd, "")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.NotEqual(t, attackers+"\n", r.stdout, "another user's cache is never read")
	assert.Equal(t, s.iam.LastIssued()+"\n", r.stdout)
}

// Needs a process: a bound we promise, measured on the process from its exec to its exit, and
// the run's wait on the refresh lock seen in the process's open files (/proc/PID/fd).
// --timeout bounds the whole run: the waits for the CLI's lock on config.json (read before the
// refresh lock and again after it) and for another kp-token's refresh lock share one deadline
// with IAM, and the message says what took the time (IAM, never called here, is not blamed).
// Each run waits out its 4 s and ends within slowStart of them (counted from the exec). A
// refresh-lock wait with a bound of its own after the CLI's 3.5 s would end 7.5 s after the
// start at the earliest; a read after the refresh lock that waited the 2 s of a read without a
// deadline, instead of what is left, would end before the 4 s.
func TestTimeoutBoundsLockWaitsToo(t *testing.T) {
	t.Parallel()
	const limit = 4 * time.Second
	_, err := os.Stat("/proc/self/fd")
	proc := err == nil
	for _, tc := range []struct {
		name string
		cli  time.Duration // the CLI holds config.json's lock for this long from the start; 0: not at first
		then bool          // once the run waits on the refresh lock, it is let go and the CLI holds config.json's lock throughout
		want string
	}{
		{"the refresh lock is held throughout", 0, false, "Another process refreshing the token held the lock on '%s' for longer than 4s. Try again."},
		{"the CLI's lock for 3.5 s, then the refresh lock", 3500 * time.Millisecond, false, "Another process refreshing the token held the lock on '%s' for longer than 4s. Try again."},
		{"the refresh lock, then the CLI's lock", 0, true, "The IBM Cloud CLI is writing its configuration at '%s', and it did not finish in time. Try again."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.then && !proc {
				t.Skip("the locks change hands once /proc shows the run waiting on the refresh lock")
			}
			s := newSession(t, "Bearer "+iamtest.Valid(-time.Minute), "secret-refresh-token")
			// The CLI, stuck while it writes config.json, and another kp-token refreshing.
			hold := func(path string) *os.File {
				f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
				require.NoError(t, err)
				require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
				t.Cleanup(func() { _ = f.Close() })
				return f
			}
			lockFile := s.config + ".kp-token.lock"
			var cli *os.File
			if tc.cli > 0 {
				cli = hold(s.config)
			}
			other := hold(lockFile)
			cmd := s.command(binary, "env", "--timeout", limit.String())
			r := s.finishStarted(cmd, "", func() {
				if tc.cli > 0 {
					time.AfterFunc(tc.cli, func() { _ = cli.Close() })
				}
				if tc.then {
					// The run has read config.json and waits on the refresh lock.
					require.Eventually(t, func() bool { return slices.Contains(openLocks(cmd.Process.Pid), lockFile) },
						20*time.Second, time.Millisecond, "the run waits on the refresh lock")
					hold(s.config)
					_ = other.Close()
				}
			})
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			t.Logf("took %v, %v from the exec", r.took.Round(time.Millisecond), r.ran.Round(time.Millisecond))
			assert.GreaterOrEqual(t, r.took, limit, "it waited out its limit, as its message says")
			assert.Less(t, r.ran, limit+slowStart, "and no longer: one deadline for every wait")
			assert.Equal(t, "FAILED\n"+fmt.Sprintf(tc.want, s.config)+"\n", r.stderr)
			assert.Equal(t, 0, s.iam.Calls())
		})
	}
}

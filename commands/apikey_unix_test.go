//go:build unix

package commands_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hook, run from a profile, refuses a key file that is a FIFO at once: the path goes into
// every prompt, and a FIFO nobody writes to would hold it. (A run reading such a key is bounded
// by --timeout; its reader stays blocked until the process exits, so that test is plugin's
// TestAPIKeyFromAFIFOWithNoWriterIsBounded.) A refusal that read the FIFO would never return:
// the run is given 20 s.
func TestHookRefusesAKeyFileThatIsAFIFO(t *testing.T) {
	t.Parallel()
	s := keySession(t)
	fifo := filepath.Join(s.home, "key.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan outcome, 1)
	go func() { done <- execute(stampRuntime{wired(s), t.TempDir()}, "", "hook", "bash", "--apikey", "@"+fifo) }()
	var r outcome
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		// Lets the reader go, so that the test binary can end.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = w.Close()
		}
		t.Fatal("hook waited on the FIFO")
	}
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "With hook, --apikey takes a regular file; '"+fifo+"' is not one.")
	assert.Equal(t, 0, s.iam.Calls())
}

// openLocksUnder are the lock files (named *.lock) under dir that this process holds open, as
// /proc shows them, once for each descriptor.
func openLocksUnder(dir string) []string {
	fds, _ := os.ReadDir("/proc/self/fd")
	var locks []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasSuffix(target, ".lock") && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			locks = append(locks, target)
		}
	}
	return locks
}

// without is list without one occurrence of each of drop.
func without(list, drop []string) []string {
	rest := append([]string(nil), list...)
	for _, d := range drop {
		for i, s := range rest {
			if s == d {
				rest = append(rest[:i], rest[i+1:]...)
				break
			}
		}
	}
	return rest
}

// The first exchange on a machine has no cache directory yet. A run that arrives once the
// directory exists (made by the first run about to write its cache, or by another key's run)
// must wait on the same lock as the first run, not on one of its own. Two runs at once in one
// process (goroutines stand in for processes: a flock belongs to an open file description, so
// the runs' locks contend as across processes). Where /proc shows the open files, the lock the
// second run waits on is compared with the first run's before the first may finish; elsewhere
// the second run is given half a second to reach it. A lock that fell back to the private
// directory would be another file: XDG_RUNTIME_DIR points it into the test's home, so t.Setenv
// makes this test not parallel.
func TestAPIKeyFirstExchangeAndTheCacheDirectory(t *testing.T) {
	_, err := os.Stat("/proc/self/fd")
	proc := err == nil
	s := keySession(t)
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(s.home, "run"))
	require.NoError(t, os.Mkdir(filepath.Join(s.home, "run"), 0o700))
	key := []string{"IBMCLOUD_API_KEY=" + apiKey}
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // a failed assertion must not leave IAM, and the test, hanging
	s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		<-release
		s.iam.Refresh(w, r)
	})
	var wg sync.WaitGroup
	out := make([]outcome, 2)
	start := func(i int) {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = runVars(s, "", key, "print") }()
	}
	start(0)
	require.Eventually(t, func() bool { return s.iam.Calls() == 1 }, 20*time.Second, 5*time.Millisecond)
	held := openLocksUnder(s.home)
	if proc {
		require.NotEmpty(t, held, "the first run holds its lock while IAM answers")
	}

	require.NoError(t, os.MkdirAll(keyCacheDir(s), 0o700))
	start(1)
	if proc {
		var waits []string
		require.Eventually(t, func() bool {
			waits = without(openLocksUnder(s.home), held)
			return len(waits) > 0 || s.iam.Calls() > 1
		}, 20*time.Second, 2*time.Millisecond, "the second run reaches a lock (or, wrongly, IAM)")
		assert.Subset(t, held, waits, "the second run waits on the first run's lock")
	} else {
		time.Sleep(500 * time.Millisecond) // the second run reaches its lock (or, wrongly, IAM)
	}
	free()
	wg.Wait()

	assert.Equal(t, 1, s.iam.Calls(), "one exchange")
	for i, r := range out {
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout, "run %d", i)
	}
}

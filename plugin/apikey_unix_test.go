//go:build unix

package main

import (
	"fmt"
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

// The hook's runs carry --timeout: a key file that is a FIFO nobody writes to must not hold
// the prompt. Without --timeout a pipe is waited for, as cat would (a password manager may be
// asking for a passphrase).
func TestAPIKeyFromAFIFOWithNoWriterIsBounded(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	fifo := filepath.Join(h.home, "key.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	r := h.run("env", "--apikey", "@"+fifo, "--timeout", "1s")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "Cannot read the API key from "+fifo+": nothing came within 1s. Keep the key in a regular file.")
	assert.GreaterOrEqual(t, r.took, time.Second, "it waited out its limit, as its message says")
	assert.Less(t, r.took, time.Second+slowStart, "and no longer")
	assert.Equal(t, 0, h.iam.Calls())

	// The hook itself, run from a profile, refuses it at once: the path goes into every prompt.
	r = h.run("hook", "bash", "--apikey", "@"+fifo)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "With hook, --apikey takes a regular file; '"+fifo+"' is not one.")
}

// openLocks are the lock files (named *.lock) process pid holds open, as /proc shows them.
func openLocks(pid int) []string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, _ := os.ReadDir(dir)
	var locks []string
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && strings.HasSuffix(target, ".lock") {
			locks = append(locks, target)
		}
	}
	return locks
}

// The first exchange on a machine has no cache directory yet. A run that arrives once the
// directory exists (made by the first run about to write its cache, or by another key's run)
// must wait on the same lock as the first run, not on one of its own. Where /proc shows a
// process's open files, the lock the second run waits on is compared with the first run's
// before the first may finish; elsewhere the second run is given half a second to reach it.
func TestAPIKeyFirstExchangeAndTheCacheDirectory(t *testing.T) {
	t.Parallel()
	_, err := os.Stat("/proc/self/fd")
	proc := err == nil
	h := keyHome(t)
	h.env = append(h.env, "IBMCLOUD_API_KEY="+goodKey)
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // a failed assertion must not leave IAM, and the test, hanging
	h.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		<-release
		h.iam.Refresh(w, r)
	})
	var wg sync.WaitGroup
	out := make([]result, 2)
	start := func(i int) (pid int) {
		cmd := h.command(binary, "print")
		pids := make(chan int, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = h.finishStarted(cmd, "", func() { pids <- cmd.Process.Pid })
		}()
		return <-pids
	}
	first := start(0)
	require.Eventually(t, func() bool { return h.iam.Calls() == 1 }, 20*time.Second, 5*time.Millisecond)
	held := openLocks(first)
	if proc {
		require.NotEmpty(t, held, "the first run holds its lock while IAM answers")
	}

	require.NoError(t, os.MkdirAll(cacheDir(h), 0o700))
	second := start(1)
	if proc {
		var waits []string
		require.Eventually(t, func() bool {
			waits = openLocks(second)
			return len(waits) > 0 || h.iam.Calls() > 1
		}, 20*time.Second, 2*time.Millisecond, "the second run reaches a lock (or, wrongly, IAM)")
		assert.Subset(t, held, waits, "the second run waits on the first run's lock")
	} else {
		time.Sleep(500 * time.Millisecond) // the second run reaches its lock (or, wrongly, IAM)
	}
	free()
	wg.Wait()

	assert.Equal(t, 1, h.iam.Calls(), "one exchange")
	for i, r := range out {
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "Bearer "+h.iam.LastIssued()+"\n", r.stdout, "run %d", i)
	}
}

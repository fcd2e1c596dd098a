//go:build unix

package httpcall

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// traced makes one call through a tracer set to path and reports whether it traced at all.
func traced(t *testing.T, path string) bool {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("{\"errorMessage\":\"line\\nplanted\"}"))
	}))
	defer srv.Close()
	rt := newTracer(http.DefaultTransport, path)
	_, isTracer := rt.(*tracer)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return isTracer
}

// A FIFO at the trace path (planted, or a mistake) must not hold a refresh: the open does not
// wait for a reader, and there is no trace.
func TestTraceToFIFODoesNotBlock(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "trace.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan bool, 1)
	go func() { done <- traced(t, fifo) }()
	select {
	case isTracer := <-done:
		assert.False(t, isTracer, "no trace to a FIFO")
	case <-time.After(10 * time.Second): // the open would wait forever; this is no speed bound
		// Free the blocked opener before failing.
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer f.Close()
		}
		t.Fatal("opening the trace blocked on a FIFO with no reader")
	}
}

// A symbolic link at the trace path is not followed: what it points at is left as it was.
func TestTraceDoesNotFollowSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "bashrc")
	require.NoError(t, os.WriteFile(target, []byte("# mine\n"), 0o600))
	link := filepath.Join(dir, "kp-trace.log")
	require.NoError(t, os.Symlink(target, link))
	assert.False(t, traced(t, link), "no trace through a link")
	got, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, "# mine\n", string(got))

	// A dangling link is not followed to create its target either.
	dangling := filepath.Join(dir, "dangling.log")
	require.NoError(t, os.Symlink(filepath.Join(dir, "created"), dangling))
	assert.False(t, traced(t, dangling))
	assert.NoFileExists(t, filepath.Join(dir, "created"))
}

// Only a regular file takes the trace: not a directory, not a device.
func TestTraceOnlyToARegularFile(t *testing.T) {
	t.Parallel()
	assert.False(t, traced(t, t.TempDir()), "a directory")
	if _, err := os.Stat("/dev/null"); err == nil {
		assert.False(t, traced(t, "/dev/null"), "a device")
	}
}

// A regular file of the user's is created private and appended to.
func TestTraceFileCreatedPrivateAndAppended(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "trace.log")
	require.True(t, traced(t, file))
	require.True(t, traced(t, file))
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(data), "REQUEST:"), "both calls, appended")
	assert.Equal(t, 2, strings.Count(string(data), "RESPONSE:"))
}

// A trace file another user owns (planted in a shared directory) is not written to.
func TestTraceNotToAnotherUsersFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give the file to another user (nobody)")
	}
	file := filepath.Join(t.TempDir(), "kp-trace.log")
	require.NoError(t, os.WriteFile(file, []byte("theirs\n"), 0o666))
	require.NoError(t, os.Chown(file, 65534, 65534))
	assert.False(t, traced(t, file))
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "theirs\n", string(got))
}

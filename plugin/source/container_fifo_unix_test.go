//go:build unix

package source_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/source"
)

// A FIFO as the container-token file, from the flag or from $IBMCLOUD_CR_TOKEN, with or
// without --timeout: the run does not wait for a writer (holding the single-flight lock), it
// says the file is not a regular file, and IAM is not called. A symbolic link to a regular file
// is read, as Kubernetes projects its tokens through links.
func TestContainerTokenFIFOIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fromEnv bool
		timeout time.Duration
	}{
		{"flag", false, 0},
		{"flag, --timeout", false, time.Hour},
		{"environment", true, 0},
		{"environment, --timeout", true, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newIAM(t)
			srv.Profiles = map[string]bool{"kp-reader": true}
			fifo := filepath.Join(t.TempDir(), "token")
			require.NoError(t, syscall.Mkfifo(fifo, 0o600))
			req := source.Request{Profile: "kp-reader", Timeout: tc.timeout, Warn: func(string) {}}
			vs := []string{"IAM_ENDPOINT", srv.URL}
			if tc.fromEnv {
				vs = append(vs, "IBMCLOUD_CR_TOKEN", "@"+fifo)
			} else {
				req.CRToken = "@" + fifo
			}
			env := source.Env{CacheDir: filepath.Join(t.TempDir(), "cache"), Getenv: vars(vs...)}
			done := make(chan error, 1)
			go func() {
				src, err := source.Open(env, req)
				if err == nil {
					_, err = src.Token(source.Options{})
				}
				done <- err
			}()
			select {
			case err := <-done:
				require.Error(t, err)
				assert.Contains(t, err.Error(), "not a regular file")
				assert.Equal(t, 0, srv.Calls())
			case <-time.After(10 * time.Second): // the open would wait forever; no speed bound
				if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					_ = f.Close() // frees the blocked reader
				}
				t.Fatal("reading the container token waited on a FIFO with no writer")
			}
		})
	}
}

// Kubernetes projects a service account token as a link to a link to the file: it is read.
func TestContainerTokenThroughALink(t *testing.T) {
	t.Parallel()
	srv := newIAM(t)
	srv.Profiles = map[string]bool{"kp-reader": true}
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "..2026"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "..2026", "token"), []byte("linked-token\n"), 0o600))
	require.NoError(t, os.Symlink("..2026", filepath.Join(dir, "..data")))
	require.NoError(t, os.Symlink(filepath.Join("..data", "token"), filepath.Join(dir, "token")))
	env := source.Env{Getenv: vars("IAM_ENDPOINT", srv.URL)}
	src, err := source.Open(env, source.Request{CRToken: "@" + filepath.Join(dir, "token"), Profile: "kp-reader", NoCache: true})
	require.NoError(t, err)
	_, err = src.Token(source.Options{})
	require.NoError(t, err)
	require.Len(t, srv.CRTokens, 1)
	assert.Equal(t, "linked-token", srv.CRTokens[0].Token)
}

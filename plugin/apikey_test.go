package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Needs processes: twenty runs with one key at once, each a process of its own, make one
// exchange between them (through the lock beside the cache file) and all print its token.
func TestAPIKeyParallelRunsMakeOneExchange(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	h.env = append(h.env, "IBMCLOUD_API_KEY="+goodKey)
	h.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		h.iam.Refresh(w, r)
	})
	var wg sync.WaitGroup
	out := make([]result, 20)
	for i := range out {
		wg.Add(1)
		go func(i int) { defer wg.Done(); out[i] = h.run("print") }(i)
	}
	wg.Wait()
	assert.Equal(t, 1, h.iam.Calls())
	for i, r := range out {
		assert.Equal(t, "Bearer "+h.iam.LastIssued()+"\n", r.stdout, "run %d: %s", i, r.stderr)
	}
}

// Needs a process: IBMCLOUD_TRACE=true traces IAM's requests and answers to the process's own
// standard error (os.Stderr, not the command's stream), so only a process shows all that
// reaches it. No secret (the key, the access token, the refresh token) appears there; stdout
// holds only the asked-for token. The trace to a file is commands/apikey_test.go's
// TestTraceToAFileHidesEverySecret, in-process.
func TestTraceToStandardErrorHidesEverySecret(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"success", "refused", "server error", "session refresh", "redirect", "expired answer"} {
		t.Run(path, func(t *testing.T) {
			h := keyHome(t)
			args := []string{"print", "--apikey", "@-"}
			if path == "session refresh" {
				_, err := iamtest.WriteConfig(h.home, iamtest.Config("Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token", "https://iam.cloud.ibm.com"))
				require.NoError(t, err)
				args = []string{"print"}
			}
			switch path {
			case "refused":
				h.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
					iamtest.Error(w, 400, "BXNIM0415E", "Provided API key could not be found.")
				})
			case "server error":
				h.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "boom") })
			case "redirect":
				h.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "http://127.0.0.1:1/identity/token", http.StatusTemporaryRedirect)
				})
			}
			expired := iamtest.Valid(-time.Minute)
			if path == "expired answer" {
				h.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
					_, _ = w.Write([]byte(`{"access_token":"` + expired + `","refresh_token":"refresh-2","token_type":"Bearer"}`))
				})
			}
			r := h.runIn(goodKey, []string{"IBMCLOUD_TRACE=true"}, args...)
			assert.Contains(t, r.stderr, "/identity/token", "the IAM request is traced")
			assert.Contains(t, r.stderr, "[PRIVATE DATA HIDDEN]")
			secrets := []string{goodKey, "secret-refresh-token", "refresh-", expired, strings.Split(expired, ".")[1]}
			for _, issued := range h.iam.Issued {
				secrets = append(secrets, issued, strings.Split(issued, ".")[1])
			}
			for _, s := range secrets {
				assert.NotContains(t, r.stderr, s)
			}
			if path == "success" || path == "session refresh" {
				require.Equal(t, 0, r.code, r.stderr)
				assert.Equal(t, "Bearer "+h.iam.LastIssued()+"\n", r.stdout, "stdout is the asked-for token only")
			} else {
				assert.Equal(t, 1, r.code)
				assert.Empty(t, r.stdout)
			}
		})
	}
}

// Needs a process and a real shell: bash evaluates the hook that `hook bash --apikey @FILE`
// prints, which runs the binary that printed it; that run finds the token a run before it
// (another process) cached for the key, and exports it. What show and hook do with a key is
// commands/apikey_test.go's TestAPIKeyWithShowAndHook, in-process.
func TestAPIKeyHookEvaluatedByBash(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	keyFile := filepath.Join(h.home, "key")
	require.NoError(t, os.WriteFile(keyFile, []byte(goodKey), 0o600))
	r := h.run("print", "--apikey", "@"+keyFile)
	require.Equal(t, 0, r.code, r.stderr)
	cmd := exec.Command("bash", "-c", `eval "$(`+binary+` hook bash --apikey @`+keyFile+`)"; printf %s "$ACCESS_TOKEN"`)
	cmd.Env = h.env
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+h.iam.LastIssued(), string(out))
	assert.Equal(t, 1, h.iam.Calls(), "the hook's run used the cached token")
}

// Needs a process: a bound we promise, measured on the process from its exec to its exit.
// --timeout bounds the whole run (the hook's promise to a prompt): a key that takes most of
// it to arrive leaves IAM only the rest, not a bound of its own. The key comes 3.5 s after the
// process started: with one 4 s bound the run ends within slowStart of its 4 s (both counted
// from the exec); with a bound of its own, IAM would hold it until 7.5 s at the earliest.
func TestTimeoutBoundsKeyReadAndIAMTogether(t *testing.T) {
	t.Parallel()
	const limit, keyAfter = 4 * time.Second, 3500 * time.Millisecond
	h := keyHome(t)
	h.iam.SetHandler(iamtest.Hang)
	cmd := h.command(binary, "print", "--apikey", "@-", "--timeout", limit.String())
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	r := h.finishStarted(cmd, "", func() {
		time.AfterFunc(keyAfter, func() { // a slow password manager
			_, _ = io.WriteString(stdin, goodKey)
			_ = stdin.Close()
		})
	})
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "did not answer within 4s, the limit --timeout set")
	assert.Equal(t, 1, h.iam.Calls(), "the key came in time for IAM to be asked")
	t.Logf("took %v, %v from the exec", r.took.Round(time.Millisecond), r.ran.Round(time.Millisecond))
	assert.GreaterOrEqual(t, r.took, limit, "it waited out its limit, as its message says")
	assert.Less(t, r.ran, limit+slowStart, "one 4 s bound, not 3.5 s of key and 4 s of IAM")
}

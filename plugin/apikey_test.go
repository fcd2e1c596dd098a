package main

import (
	"encoding/json"
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

func cacheDir(h *home) string {
	return filepath.Join(h.home, ".bluemix", "plugins", "kp-token", "cache")
}

func TestAPIKeyFromEachSource(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(h *home) (args []string, stdin string, env []string)
		warn  string
	}{
		{"file", func(h *home) ([]string, string, []string) {
			f := filepath.Join(h.home, "key.txt")
			require.NoError(t, os.WriteFile(f, []byte(goodKey+"\n"), 0o600))
			return []string{"--apikey", "@" + f}, "", nil
		}, ""},
		{"JSON file from api-key-create", func(h *home) ([]string, string, []string) {
			f := filepath.Join(h.home, "key.json")
			b, _ := json.Marshal(map[string]any{"name": "ci", "description": "pipeline", "apikey": goodKey, "createdAt": "2026-11-23T09:00+0000", "locked": false, "uuid": "ApiKey-1"})
			require.NoError(t, os.WriteFile(f, b, 0o600))
			return []string{"--apikey", "@" + f}, "", nil
		}, ""},
		{"file under ~", func(h *home) ([]string, string, []string) {
			require.NoError(t, os.MkdirAll(filepath.Join(h.home, ".config"), 0o700))
			require.NoError(t, os.WriteFile(filepath.Join(h.home, ".config", "key"), []byte(goodKey), 0o600))
			return []string{"--apikey", "@~/.config/key"}, "", nil
		}, ""},
		{"file others can read", func(h *home) ([]string, string, []string) {
			f := filepath.Join(h.home, "key.txt")
			require.NoError(t, os.WriteFile(f, []byte(goodKey), 0o644))
			require.NoError(t, os.Chmod(f, 0o644))
			return []string{"--apikey", "@" + f}, "", nil
		}, "can be read by other users (mode 0644). Run 'chmod 600 "},
		{"stdin", func(*home) ([]string, string, []string) { return []string{"--apikey", "@-"}, goodKey + "\n", nil }, ""},
		{"flag", func(*home) ([]string, string, []string) { return []string{"--apikey", goodKey}, "", nil }, "visible to other users in the process list"},
		{"IBMCLOUD_API_KEY", func(*home) ([]string, string, []string) { return nil, "", []string{"IBMCLOUD_API_KEY=" + goodKey} }, ""},
		{"the flag wins over the variable", func(*home) ([]string, string, []string) {
			return []string{"--apikey", "@-"}, goodKey, []string{"IBMCLOUD_API_KEY=not-the-key"}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := keyHome(t)
			args, stdin, env := tc.setup(h)
			r := h.runIn(stdin, env, append([]string{"env", "--no-bearer"}, args...)...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, "export ACCESS_TOKEN='"+h.iam.LastIssued()+"'\n", r.stdout)
			if tc.warn == "" {
				assert.Empty(t, r.stderr)
			} else {
				assert.Contains(t, r.stderr, tc.warn)
			}
			assert.NotContains(t, r.stderr, goodKey)
			assert.Equal(t, 1, h.iam.Calls())
			assert.NoFileExists(t, h.config, "no config is created")
		})
	}
}

func TestAPIKeyCache(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	key := []string{"IBMCLOUD_API_KEY=" + goodKey}
	first := h.runIn("", key, "print")
	require.Equal(t, 0, first.code, first.stderr)
	second := h.runIn("", key, "print")
	assert.Equal(t, first.stdout, second.stdout)
	assert.Equal(t, 1, h.iam.Calls(), "a second run within the token's life makes no IAM call")

	// One token file, and beside it the lock that parallel runs with this key share.
	files, err := filepath.Glob(filepath.Join(cacheDir(h), "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	file := files[0]
	assert.FileExists(t, file+".kp-token.lock")
	for _, f := range []string{file, file + ".kp-token.lock"} {
		info, err := os.Stat(f)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), f)
	}
	dinfo, err := os.Stat(cacheDir(h))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dinfo.Mode().Perm())
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotContains(t, string(b), goodKey, "never the key")
	assert.NotContains(t, string(b), "refresh", "never the refresh token")
	assert.NotContains(t, filepath.Base(file), goodKey)

	// From here IAM's tokens are a second short of 59m59s: too short for --min-validity 59m59s.
	h.iam.SetLifetime(59*time.Minute + 58*time.Second)
	r := h.runIn("", key, "print", "--refresh")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 2, h.iam.Calls(), "--refresh exchanges the key, even with a fresh token cached")
	assert.Equal(t, "Bearer "+h.iam.LastIssued()+"\n", r.stdout)

	r = h.runIn("", key, "print", "--no-cache")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 3, h.iam.Calls(), "--no-cache exchanges the key")

	r = h.runIn("", key, "print", "--min-validity", "59m")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 3, h.iam.Calls(), "a cached token with enough time left is a hit")
	r = h.runIn("", key, "print", "--min-validity", "59m59s")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 4, h.iam.Calls(), "a cached token that expires too soon is a miss")

	require.NoError(t, os.WriteFile(file, []byte("{not json"), 0o600))
	r = h.runIn("", key, "print")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 5, h.iam.Calls(), "a corrupt cache is ignored")
	b, _ = os.ReadFile(file)
	assert.True(t, json.Valid(b), "and replaced")

	other := h.runIn("", []string{"IBMCLOUD_API_KEY=" + goodKey, "IAM_ENDPOINT=" + strings.Replace(h.iam.URL, "127.0.0.1", "localhost", 1)}, "print")
	assert.Equal(t, 0, other.code, other.stderr)
	assert.Equal(t, 6, h.iam.Calls(), "one cache file per key and endpoint")
}

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

func TestAPIKeyFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		key     string
		handler http.HandlerFunc
		closed  bool
		timeout bool
		want    string
	}{
		{name: "unknown key", key: "NoSuchKey0123456789", want: "IAM could not find the API key (HTTP 400 BXNIM0415E Provided API key could not be found)"},
		{name: "locked key", key: goodKey, handler: func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 400, "BXNIM0514E", "The API key is locked.")
		}, want: "IAM refused the API key: HTTP 400 BXNIM0514E The API key is locked. Check that the key"},
		{name: "account blocked", key: goodKey, handler: func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 403, "BXNIM0513E", "The account is suspended.")
		}, want: "IAM refused the API key: HTTP 403 BXNIM0513E"},
		{name: "500", key: goodKey, handler: func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "boom") }, want: "Try again later."},
		{name: "redirect, not followed with the key", key: goodKey, handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/identity/token", http.StatusTemporaryRedirect)
		}, want: "did not answer with a usable access token"},
		{name: "unreachable", key: goodKey, closed: true, want: "Cannot reach IAM at"},
		{name: "hang", key: goodKey, handler: iamtest.Hang, timeout: true, want: "did not answer within 2s"},
		{name: "empty key file", key: "@empty", want: "The API key from empty is empty."},
		{name: "a home directory of another user", key: "@~root/key", want: "only ~/ stands for a home directory here"},
		{name: "JSON without apikey", key: "@nokey.json", want: "is JSON without an 'apikey' field. Use the file that 'ibmcloud iam api-key-create NAME --file FILE' writes."},
		{name: "missing key file", key: "@/no/such/file", want: "Cannot read the API key from /no/such/file: no such file or directory"},
		{name: "key with spaces", key: "two words", want: "holds spaces or characters an API key does not have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := keyHome(t)
			if tc.timeout {
				// A config only for its HTTP timeout; the key still needs no login.
				_, err := iamtest.WriteConfig(h.home, map[string]any{"HTTPTimeout": 2})
				require.NoError(t, err)
			}
			require.NoError(t, os.WriteFile(filepath.Join(h.home, "empty"), nil, 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(h.home, "nokey.json"), []byte(`{"name":"x"}`), 0o600))
			if tc.handler != nil {
				h.iam.SetHandler(tc.handler)
			}
			if tc.closed {
				h.iam.Close()
			}
			r := h.run("env", "--apikey", tc.key)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "FAILED\n")
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "Incorrect Usage", "the command line is right: no help")
			assert.NotContains(t, r.stderr, "USAGE:")
			assert.NotContains(t, r.stderr, goodKey)
			if !strings.HasPrefix(tc.key, "@") && len(tc.key) > 8 {
				assert.NotContains(t, strings.ReplaceAll(r.stderr, "WARNING", ""), tc.key)
			}
		})
	}
}

// With tracing on, to stderr or to a file, IAM's requests and answers are traced, and no
// secret (the key, the access token, the refresh token) appears anywhere but where asked.
func TestTraceHidesEverySecret(t *testing.T) {
	t.Parallel()
	for _, dest := range []string{"stderr", "file"} {
		for _, path := range []string{"success", "refused", "server error", "session refresh", "redirect", "expired answer"} {
			t.Run(dest+"/"+path, func(t *testing.T) {
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
				traceFile := filepath.Join(h.home, "trace.log")
				trace := "IBMCLOUD_TRACE=true"
				if dest == "file" {
					trace = "IBMCLOUD_TRACE=" + traceFile
				}
				r := h.runIn(goodKey, []string{trace}, args...)
				traced := r.stderr
				if dest == "file" {
					b, err := os.ReadFile(traceFile)
					require.NoError(t, err)
					traced = string(b)
				}
				assert.Contains(t, traced, "/identity/token", "the IAM request is traced")
				assert.Contains(t, traced, "[PRIVATE DATA HIDDEN]")
				secrets := []string{goodKey, "secret-refresh-token", expired, strings.Split(expired, ".")[1]}
				for _, issued := range h.iam.Issued {
					secrets = append(secrets, issued, strings.Split(issued, ".")[1])
				}
				for _, rt := range []string{"refresh-"} {
					assert.NotContains(t, r.stderr, rt)
					assert.NotContains(t, traced, rt)
				}
				for _, s := range secrets {
					assert.NotContains(t, r.stderr, s)
					assert.NotContains(t, traced, s)
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
}

func TestAPIKeyWithAnUnwritableCacheCostsOnlyTheCache(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	// A file where the plug-in's directory should be: no cache can be made there, even by root.
	require.NoError(t, os.MkdirAll(filepath.Join(h.home, ".bluemix", "plugins"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(h.home, ".bluemix", "plugins", "kp-token"), nil, 0o600))
	env := []string{"IBMCLOUD_API_KEY=" + goodKey}
	for i := 1; i <= 2; i++ {
		r := h.runIn("", env, "print", "--no-bearer")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Empty(t, r.stderr)
		assert.Equal(t, h.iam.LastIssued()+"\n", r.stdout)
		assert.Equal(t, i, h.iam.Calls())
	}
}

func TestAPIKeyWithShowAndHook(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	keyFile := filepath.Join(h.home, "key")
	require.NoError(t, os.WriteFile(keyFile, []byte(goodKey), 0o600))
	r := h.run("show", "--apikey", "@"+keyFile)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "No token for this API key is cached, and show makes no call to IAM")
	assert.Equal(t, 0, h.iam.Calls())

	r = h.run("print", "--apikey", "@"+keyFile)
	require.Equal(t, 0, r.code, r.stderr)
	r = h.run("show", "--output", "json", "--apikey", "@"+keyFile)
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, false, got["refresh_token_held"])
	assert.Equal(t, "api_key", got["token_source"])
	assert.Equal(t, "IAM_ENDPOINT", got["iam_endpoint_type"])
	assert.NotContains(t, r.stdout, goodKey)

	r = h.run("hook", "bash", "--apikey", "@"+keyFile)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "--apikey '@"+keyFile+"'", "the hook reads the same file")
	assert.NotContains(t, r.stdout, goodKey, "never the key itself")
	r = h.run("hook", "bash", "--apikey", "@"+keyFile+".missing")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "Cannot read the API key from")
	assert.Empty(t, r.stdout)
	for _, bad := range []string{goodKey, "@-"} {
		r = h.run("hook", "bash", "--apikey", bad)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "With hook, --apikey and --cr-token take @FILE only")
		assert.Empty(t, r.stdout)
	}
	cmd := exec.Command("bash", "-c", `eval "$(`+binary+` hook bash --apikey @`+keyFile+`)"; printf %s "$ACCESS_TOKEN"`)
	cmd.Env = h.env
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+h.iam.LastIssued(), string(out))
}

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

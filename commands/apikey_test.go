package commands_test

// API keys through the whole plug-in in-process (moved from plugin's end-to-end suite, issue
// 17): the key from each place it can come from, the token cache beside config.json, every way
// an exchange fails, a trace to a file that hides every secret, a cache that cannot be written,
// and show and hook with a key. What needs the binary as a process stays in plugin/apikey*_test.go:
// many processes exchanging one key at once, --timeout measured on the process, a FIFO nobody
// writes to (its reader stays blocked until the process exits), the trace on the process's
// standard error, and bash evaluating the hook.

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/wiring"
)

// apiKey is the API key the loopback IAM of keySession knows.
const apiKey = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEf"

// keySession is a machine with no ibmcloud login at all: no config.json, only an API key IAM
// knows.
func keySession(t *testing.T) *session {
	t.Helper()
	s := newSession(t, "", "")
	require.NoError(t, os.Remove(s.config))
	s.iam.APIKeys = map[string]bool{apiKey: true}
	return s
}

// keyCacheDir is where the plug-in caches API-key tokens: its directory beside config.json.
func keyCacheDir(s *session) string {
	return filepath.Join(s.home, ".bluemix", "plugins", "kp-token", "cache")
}

// wired is the real plug-in's runtime over s, with vars (NAME=value) added to its environment.
func wired(s *session, vars ...string) *wiring.Runtime {
	env := maps.Clone(s.vars)
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return wiring.Disk(s.config, commands.Namespace).WithGetenv(func(k string) string { return env[k] })
}

// runVars runs args in s with stdin and vars (NAME=value) added to its environment for this run
// only. It changes nothing in s, so runs may go on at once from several goroutines.
func runVars(s *session, stdin string, vars []string, args ...string) outcome {
	s.t.Helper()
	r := execute(wired(s, vars...), stdin, args...)
	assert.NotContains(s.t, r.stderr, "goroutine ", "no panic reaches the user")
	return r
}

// stampRuntime is the real plug-in's runtime but for the hook's stamp directory, which is the
// test's: the real one is the user's, outside the test's reach.
type stampRuntime struct {
	*wiring.Runtime
	stampDir string
}

func (r stampRuntime) StampDir() (string, error) { return r.stampDir, nil }

func TestAPIKeyFromEachSource(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(s *session) (args []string, stdin string, env []string)
		warn  string
	}{
		{"file", func(s *session) ([]string, string, []string) {
			f := filepath.Join(s.home, "key.txt")
			require.NoError(t, os.WriteFile(f, []byte(apiKey+"\n"), 0o600))
			return []string{"--apikey", "@" + f}, "", nil
		}, ""},
		{"JSON file from api-key-create", func(s *session) ([]string, string, []string) {
			f := filepath.Join(s.home, "key.json")
			b, _ := json.Marshal(map[string]any{"name": "ci", "description": "pipeline", "apikey": apiKey, "createdAt": "2026-11-23T09:00+0000", "locked": false, "uuid": "ApiKey-1"})
			require.NoError(t, os.WriteFile(f, b, 0o600))
			return []string{"--apikey", "@" + f}, "", nil
		}, ""},
		{"file others can read", func(s *session) ([]string, string, []string) {
			f := filepath.Join(s.home, "key.txt")
			require.NoError(t, os.WriteFile(f, []byte(apiKey), 0o644))
			require.NoError(t, os.Chmod(f, 0o644))
			return []string{"--apikey", "@" + f}, "", nil
		}, "can be read by other users (mode 0644). Run 'chmod 600 "},
		{"stdin", func(*session) ([]string, string, []string) { return []string{"--apikey", "@-"}, apiKey + "\n", nil }, ""},
		{"flag", func(*session) ([]string, string, []string) { return []string{"--apikey", apiKey}, "", nil }, "visible to other users in the process list"},
		{"IBMCLOUD_API_KEY", func(*session) ([]string, string, []string) { return nil, "", []string{"IBMCLOUD_API_KEY=" + apiKey} }, ""},
		{"the flag wins over the variable", func(*session) ([]string, string, []string) {
			return []string{"--apikey", "@-"}, apiKey, []string{"IBMCLOUD_API_KEY=not-the-key"}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := keySession(t)
			args, stdin, env := tc.setup(s)
			r := runVars(s, stdin, env, append([]string{"env", "--no-bearer"}, args...)...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, "export ACCESS_TOKEN='"+s.iam.LastIssued()+"'\n", r.stdout)
			if tc.warn == "" {
				assert.Empty(t, r.stderr)
			} else {
				assert.Contains(t, r.stderr, tc.warn)
			}
			assert.NotContains(t, r.stderr, apiKey)
			assert.Equal(t, 1, s.iam.Calls())
			assert.NoFileExists(t, s.config, "no config is created")
		})
	}
}

// --apikey @~/FILE reads the file under the user's home directory, which the plug-in takes from
// the process's HOME (os.UserHomeDir): t.Setenv sets it, so this test is not parallel.
func TestAPIKeyFromAFileUnderHome(t *testing.T) {
	s := keySession(t)
	t.Setenv("HOME", s.home)
	require.NoError(t, os.MkdirAll(filepath.Join(s.home, ".config"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(s.home, ".config", "key"), []byte(apiKey), 0o600))
	r := runVars(s, "", nil, "env", "--no-bearer", "--apikey", "@~/.config/key")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='"+s.iam.LastIssued()+"'\n", r.stdout)
	assert.Empty(t, r.stderr)
	assert.Equal(t, 1, s.iam.Calls())
	assert.NoFileExists(t, s.config, "no config is created")
}

func TestAPIKeyCache(t *testing.T) {
	t.Parallel()
	s := keySession(t)
	key := []string{"IBMCLOUD_API_KEY=" + apiKey}
	first := runVars(s, "", key, "print")
	require.Equal(t, 0, first.code, first.stderr)
	second := runVars(s, "", key, "print")
	assert.Equal(t, first.stdout, second.stdout)
	assert.Equal(t, 1, s.iam.Calls(), "a second run within the token's life makes no IAM call")

	// One token file, and beside it the lock that parallel runs with this key share.
	files, err := filepath.Glob(filepath.Join(keyCacheDir(s), "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	file := files[0]
	assert.FileExists(t, file+".kp-token.lock")
	for _, f := range []string{file, file + ".kp-token.lock"} {
		info, err := os.Stat(f)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), f)
	}
	dinfo, err := os.Stat(keyCacheDir(s))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dinfo.Mode().Perm())
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotContains(t, string(b), apiKey, "never the key")
	assert.NotContains(t, string(b), "refresh", "never the refresh token")
	assert.NotContains(t, filepath.Base(file), apiKey)

	// From here IAM's tokens are a second short of 59m59s: too short for --min-validity 59m59s.
	s.iam.SetLifetime(59*time.Minute + 58*time.Second)
	r := runVars(s, "", key, "print", "--refresh")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 2, s.iam.Calls(), "--refresh exchanges the key, even with a fresh token cached")
	assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout)

	r = runVars(s, "", key, "print", "--no-cache")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 3, s.iam.Calls(), "--no-cache exchanges the key")

	r = runVars(s, "", key, "print", "--min-validity", "59m")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 3, s.iam.Calls(), "a cached token with enough time left is a hit")
	r = runVars(s, "", key, "print", "--min-validity", "59m59s")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, 4, s.iam.Calls(), "a cached token that expires too soon is a miss")

	require.NoError(t, os.WriteFile(file, []byte("{not json"), 0o600))
	r = runVars(s, "", key, "print")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 5, s.iam.Calls(), "a corrupt cache is ignored")
	b, _ = os.ReadFile(file)
	assert.True(t, json.Valid(b), "and replaced")

	other := runVars(s, "", []string{"IBMCLOUD_API_KEY=" + apiKey, "IAM_ENDPOINT=" + strings.Replace(s.iam.URL, "127.0.0.1", "localhost", 1)}, "print")
	assert.Equal(t, 0, other.code, other.stderr)
	assert.Equal(t, 6, s.iam.Calls(), "one cache file per key and endpoint")
}

func TestAPIKeyFailures(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		key     string // a key file named "@./NAME" is NAME in the session's home, given relative to the working directory
		handler http.HandlerFunc
		closed  bool
		timeout bool
		want    string // %[1]s: the key file as given, without its @
	}{
		{name: "unknown key", key: "NoSuchKey0123456789", want: "IAM could not find the API key (HTTP 400 BXNIM0415E Provided API key could not be found)"},
		{name: "locked key", key: apiKey, handler: func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 400, "BXNIM0514E", "The API key is locked.")
		}, want: "IAM refused the API key: HTTP 400 BXNIM0514E The API key is locked. Check that the key"},
		{name: "account blocked", key: apiKey, handler: func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 403, "BXNIM0513E", "The account is suspended.")
		}, want: "IAM refused the API key: HTTP 403 BXNIM0513E"},
		{name: "500", key: apiKey, handler: func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "boom") }, want: "Try again later."},
		{name: "redirect, not followed with the key", key: apiKey, handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/identity/token", http.StatusTemporaryRedirect)
		}, want: "did not answer with a usable access token"},
		{name: "unreachable", key: apiKey, closed: true, want: "Cannot reach IAM at"},
		{name: "hang", key: apiKey, handler: iamtest.Hang, timeout: true, want: "did not answer within 2s"},
		{name: "empty key file", key: "@./empty", want: "The API key from %[1]s is empty."},
		{name: "a home directory of another user", key: "@~root/key", want: "only ~/ stands for a home directory here"},
		{name: "JSON without apikey", key: "@./nokey.json", want: "is JSON without an 'apikey' field. Use the file that 'ibmcloud iam api-key-create NAME --file FILE' writes."},
		{name: "missing key file", key: "@/no/such/file", want: "Cannot read the API key from /no/such/file: no such file or directory"},
		{name: "key with spaces", key: "two words", want: "holds spaces or characters an API key does not have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := keySession(t)
			if tc.timeout {
				// A config only for its HTTP timeout; the key still needs no login.
				_, err := iamtest.WriteConfig(s.home, map[string]any{"HTTPTimeout": 2})
				require.NoError(t, err)
			}
			require.NoError(t, os.WriteFile(filepath.Join(s.home, "empty"), nil, 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(s.home, "nokey.json"), []byte(`{"name":"x"}`), 0o600))
			key, given := tc.key, ""
			if name, ok := strings.CutPrefix(key, "@./"); ok {
				// The end-to-end run read it relative to its working directory, the home.
				var err error
				given, err = filepath.Rel(wd, filepath.Join(s.home, name))
				require.NoError(t, err)
				key = "@" + given
			}
			if tc.handler != nil {
				s.iam.SetHandler(tc.handler)
			}
			if tc.closed {
				s.iam.Close()
			}
			r := runVars(s, "", nil, "env", "--apikey", key)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "FAILED\n")
			want := tc.want
			if strings.Contains(want, "%[1]s") {
				want = strings.ReplaceAll(want, "%[1]s", given)
			}
			assert.Contains(t, r.stderr, want)
			assert.NotContains(t, r.stderr, "Incorrect Usage", "the command line is right: no help")
			assert.NotContains(t, r.stderr, "USAGE:")
			assert.NotContains(t, r.stderr, apiKey)
			if !strings.HasPrefix(key, "@") && len(key) > 8 {
				assert.NotContains(t, strings.ReplaceAll(r.stderr, "WARNING", ""), key)
			}
		})
	}
}

// With tracing to a file, IAM's requests and answers are traced there, and no secret (the key,
// the access token, the refresh token) appears in the trace or on stderr; stdout holds only the
// asked-for token. The trace to standard error goes to the process's own (os.Stderr), not the
// command's stream: plugin/apikey_test.go's TestTraceToStandardErrorHidesEverySecret runs it.
func TestTraceToAFileHidesEverySecret(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"success", "refused", "server error", "session refresh", "redirect", "expired answer"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			s := keySession(t)
			args := []string{"print", "--apikey", "@-"}
			if path == "session refresh" {
				_, err := iamtest.WriteConfig(s.home, iamtest.Config("Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token", "https://iam.cloud.ibm.com"))
				require.NoError(t, err)
				args = []string{"print"}
			}
			switch path {
			case "refused":
				s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
					iamtest.Error(w, 400, "BXNIM0415E", "Provided API key could not be found.")
				})
			case "server error":
				s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "boom") })
			case "redirect":
				s.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "http://127.0.0.1:1/identity/token", http.StatusTemporaryRedirect)
				})
			}
			expired := iamtest.Valid(-time.Minute)
			if path == "expired answer" {
				s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
					_, _ = w.Write([]byte(`{"access_token":"` + expired + `","refresh_token":"refresh-2","token_type":"Bearer"}`))
				})
			}
			traceFile := filepath.Join(s.home, "trace.log")
			r := runVars(s, apiKey, []string{"IBMCLOUD_TRACE=" + traceFile}, args...)
			b, err := os.ReadFile(traceFile)
			require.NoError(t, err)
			traced := string(b)
			assert.Contains(t, traced, "/identity/token", "the IAM request is traced")
			assert.Contains(t, traced, "[PRIVATE DATA HIDDEN]")
			secrets := []string{apiKey, "secret-refresh-token", expired, strings.Split(expired, ".")[1]}
			for _, issued := range s.iam.Issued {
				secrets = append(secrets, issued, strings.Split(issued, ".")[1])
			}
			for _, rt := range []string{"refresh-"} {
				assert.NotContains(t, r.stderr, rt)
				assert.NotContains(t, traced, rt)
			}
			for _, secret := range secrets {
				assert.NotContains(t, r.stderr, secret)
				assert.NotContains(t, traced, secret)
			}
			if path == "success" || path == "session refresh" {
				require.Equal(t, 0, r.code, r.stderr)
				assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout, "stdout is the asked-for token only")
			} else {
				assert.Equal(t, 1, r.code)
				assert.Empty(t, r.stdout)
			}
		})
	}
}

func TestAPIKeyWithAnUnwritableCacheCostsOnlyTheCache(t *testing.T) {
	t.Parallel()
	s := keySession(t)
	// A file where the plug-in's directory should be: no cache can be made there, even by root.
	require.NoError(t, os.MkdirAll(filepath.Join(s.home, ".bluemix", "plugins"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(s.home, ".bluemix", "plugins", "kp-token"), nil, 0o600))
	env := []string{"IBMCLOUD_API_KEY=" + apiKey}
	for i := 1; i <= 2; i++ {
		r := runVars(s, "", env, "print", "--no-bearer")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Empty(t, r.stderr)
		assert.Equal(t, s.iam.LastIssued()+"\n", r.stdout)
		assert.Equal(t, i, s.iam.Calls())
	}
}

// show with a key reports only a cached token; hook passes the key file on by its path, never
// the key. (bash evaluating that hook, which runs the binary that printed it, is plugin's
// TestAPIKeyHookEvaluatedByBash.)
func TestAPIKeyWithShowAndHook(t *testing.T) {
	t.Parallel()
	s := keySession(t)
	keyFile := filepath.Join(s.home, "key")
	require.NoError(t, os.WriteFile(keyFile, []byte(apiKey), 0o600))
	r := runVars(s, "", nil, "show", "--apikey", "@"+keyFile)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "No token for this API key is cached, and show makes no call to IAM")
	assert.Equal(t, 0, s.iam.Calls())

	r = runVars(s, "", nil, "print", "--apikey", "@"+keyFile)
	require.Equal(t, 0, r.code, r.stderr)
	r = runVars(s, "", nil, "show", "--output", "json", "--apikey", "@"+keyFile)
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, false, got["refresh_token_held"])
	assert.Equal(t, "api_key", got["token_source"])
	assert.Equal(t, "IAM_ENDPOINT", got["iam_endpoint_type"])
	assert.NotContains(t, r.stdout, apiKey)

	hook := func(args ...string) outcome {
		r := execute(stampRuntime{wired(s), t.TempDir()}, "", append([]string{"hook", "bash", "--apikey"}, args...)...)
		assert.NotContains(t, r.stderr, "goroutine ", "no panic reaches the user")
		return r
	}
	r = hook("@" + keyFile)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "--apikey '@"+keyFile+"'", "the hook reads the same file")
	assert.NotContains(t, r.stdout, apiKey, "never the key itself")
	r = hook("@" + keyFile + ".missing")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "Cannot read the API key from")
	assert.Empty(t, r.stdout)
	for _, bad := range []string{apiKey, "@-"} {
		r = hook(bad)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "With hook, --apikey and --cr-token take @FILE only")
		assert.Empty(t, r.stdout)
	}
	assert.Equal(t, 1, s.iam.Calls(), "hook gets no token itself")
}

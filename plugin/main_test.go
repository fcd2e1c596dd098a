package main

// End-to-end tests: the built binary, driven as the ibmcloud CLI drives it, on a temporary
// IBMCLOUD_HOME written in the CLI's format, with a loopback server standing in for IAM
// through IAM_ENDPOINT, and its output evaluated by real shells.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kp-token-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "kp-token")
	// No VCS stamp: git refuses to describe a checkout owned by another user (a CI container
	// running as root over a runner's clone), and the tests do not need it.
	build := exec.Command("go", "build", "-buildvcs=false", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the plug-in:", err)
		os.Exit(1)
	}
	// A job started in the background by a script, or under nohup, begins with SIGINT or SIGHUP
	// ignored, and children inherit that: the commands the exec tests signal could not trap
	// them. Catching them here (only then) gives the children the default disposition.
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM} {
		if signal.Ignored(sig) {
			signal.Notify(make(chan os.Signal, 1), sig)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// installBinary puts the built plug-in at path as a hard link. A copy would be written
// through a file descriptor that a concurrent test's fork can inherit, and executing the
// copy while any process holds it open for writing fails with ETXTBSY ("text file busy").
func installBinary(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.Link(binary, path), "the test binary and temporary directories share a file system")
}

// lookTool returns the path of a program the tests drive. Missing, it skips the test, except
// under CI, where .ci/run must have installed it.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run must install it", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return path
}

// home is a temporary home with a CLI config and a loopback IAM.
type home struct {
	t      *testing.T
	home   string
	config string
	iam    *iamtest.Server
	env    []string
}

func newSession(t *testing.T, access, refresh string, edit ...func(map[string]any)) *home {
	t.Helper()
	s := &home{t: t, home: t.TempDir(), iam: iamtest.NewServer()}
	t.Cleanup(s.iam.Close)
	cfg := iamtest.Config(access, refresh, "https://iam.cloud.ibm.com")
	for _, e := range edit {
		e(cfg)
	}
	var err error
	s.config, err = iamtest.WriteConfig(s.home, cfg)
	require.NoError(t, err)
	s.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.home,
		"IBMCLOUD_HOME=" + s.home,
		"IAM_ENDPOINT=" + s.iam.URL,
		// What the ibmcloud CLI sets for a plug-in it runs.
		"IBMCLOUD_PLUGIN_NAMESPACE=kp-token",
		"IBMCLOUD_CLI=ibmcloud",
		"LANG=C.UTF-8",
	}
	return s
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func (s *home) run(args ...string) result {
	return s.runBinary(binary, args...)
}

func (s *home) runBinary(bin string, args ...string) result {
	s.t.Helper()
	return s.finish(s.command(bin, args...), "")
}

// command is bin with args, run in the home with its environment.
func (s *home) command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Dir = s.env, s.home
	return cmd
}

// finish runs cmd with stdin to its end, at most 90 s, and reports it as a shell would: the
// exit status, or 128+n for a death by signal n.
func (s *home) finish(cmd *exec.Cmd, stdin string) result {
	s.t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	start := time.Now()
	require.NoError(s.t, cmd.Start())
	timer := time.AfterFunc(90*time.Second, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
	default:
		require.NoError(s.t, err)
	}
	require.NotContains(s.t, r.stderr, "goroutine ", "no panic reaches the user")
	return r
}

func (s *home) readConfig() map[string]any {
	b, err := os.ReadFile(s.config)
	require.NoError(s.t, err)
	var m map[string]any
	require.NoError(s.t, json.Unmarshal(b, &m), "config.json still parses")
	return m
}

func TestSendMetadataPassesTheSDKChecker(t *testing.T) {
	s := newSession(t, "", "")
	r := s.run("SendMetadata")
	require.Equal(t, 0, r.code, r.stderr)
	var md plugin.PluginMetadata
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))

	assert.Equal(t, "kp-token", md.Name)
	assert.Equal(t, plugin.VersionType{Major: 0, Minor: 1, Build: 0}, md.Version)
	assert.Equal(t, plugin.VersionType{Major: 2, Minor: 0, Build: 0}, md.MinCliVersion)
	assert.True(t, md.PrivateEndpointSupported)
	assert.True(t, md.IsCobraPlugin)
	assert.NotZero(t, md.SDKVersion, "plugin.Start fills the SDK version")
	require.Len(t, md.Namespaces, 1)
	assert.Equal(t, "kp-token", md.Namespaces[0].Name)

	byName := map[string]plugin.Command{}
	for _, c := range md.Commands {
		byName[c.Name] = c
	}
	var names []string
	for _, c := range md.Commands {
		names = append(names, c.Name)
		assert.NotEmpty(t, c.Description)
		assert.True(t, strings.HasPrefix(c.Usage, "ibmcloud kp-token "+c.Name), c.Usage)
	}
	assert.ElementsMatch(t, []string{"env", "print", "show", "exec", "hook"}, names)
	assert.Equal(t, "ibmcloud kp-token hook [--name NAME] [--no-bearer] [--min-validity DURATION] [--apikey @FILE] SHELL", byName["hook"].Usage)
	assert.Equal(t, "ibmcloud kp-token exec [--name NAME] [--no-bearer] [--min-validity DURATION] [--refresh] [--apikey KEY] [--no-cache] -- COMMAND [ARG...]", byName["exec"].Usage)
	assert.Equal(t, "ibmcloud kp-token print [--no-bearer] [--output FORMAT] [--min-validity DURATION] [--refresh] [--apikey KEY] [--no-cache]", byName["print"].Usage)
	assert.Equal(t, "ibmcloud kp-token show [--output FORMAT] [--min-validity DURATION] [--refresh] [--apikey KEY] [--no-cache]", byName["show"].Usage)
	env, ok := byName["env"]
	require.True(t, ok)
	assert.Equal(t, "ibmcloud kp-token env [--no-bearer] [--name NAME] [--shell SHELL] [--no-export] [--with-expiry] [--min-validity DURATION] [--refresh] [--apikey KEY] [--no-cache] [--unset]", env.Usage)
	var flags []string
	for _, f := range env.Flags {
		flags = append(flags, fmt.Sprintf("%s:%v", f.Name, f.HasValue))
		assert.NotEmpty(t, f.Description)
	}
	assert.Equal(t, []string{"no-bearer:false", "name:true", "shell:true", "no-export:false", "with-expiry:false", "min-validity:true", "refresh:false", "apikey:true", "no-cache:false", "timeout:true", "unset:false"}, flags)

	for name, errs := range plugin.NewPluginMetadataValidator().Errors([]plugin.PluginMetadata{md}) {
		for _, e := range errs {
			if e.Priority == plugin.PriorityError || e.Priority == plugin.PriorityWarning {
				t.Errorf("%s: %s %s: %s (%s)", name, e.Priority, e.CommandName, e.Error, e.Remediation)
			}
		}
	}
	assert.NoFileExists(t, s.home+"/.bluemix/plugins/kp-token/config.json", "metadata touches no config")
}

func TestEnvWithAValidSession(t *testing.T) {
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "refresh-0")
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)

	r := s.run("env")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+jwt+"'\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = s.run("env", "--no-bearer", "--name", "KP_ACCESS_TOKEN")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export KP_ACCESS_TOKEN='"+jwt+"'\n", r.stdout)

	r = s.run("env", "--unset")
	assert.Equal(t, "unset ACCESS_TOKEN\n", r.stdout)

	assert.Equal(t, 0, s.iam.Calls(), "no network call with a valid token")
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing written")
}

func TestEnvRefreshesAndSavesTheSession(t *testing.T) {
	for name, access := range map[string]string{
		"expiring": "Bearer " + iamtest.Valid(3*time.Minute),
		"expired":  "Bearer " + iamtest.Valid(-2*time.Hour),
	} {
		t.Run(name, func(t *testing.T) {
			s := newSession(t, access, "refresh-0")
			r := s.run("env")
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			require.Equal(t, 1, s.iam.Calls())
			fresh := s.iam.LastIssued()
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+fresh+"'\n", r.stdout)

			cfg := s.readConfig()
			assert.Equal(t, "Bearer "+fresh, cfg["IAMToken"])
			assert.NotEqual(t, "refresh-0", cfg["IAMRefreshToken"])
			assert.Equal(t, map[string]any{"kept": []any{float64(1), "two", true}}, cfg["FutureCLIField"], "unknown fields kept")
			assert.Equal(t, "Jane's Account", cfg["Account"].(map[string]any)["Name"])
			info, err := os.Stat(s.config)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

			// The next run, like the next ibmcloud command, uses the saved token.
			r = s.run("env")
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+fresh+"'\n", r.stdout)
			assert.Equal(t, 1, s.iam.Calls())
		})
	}
}

func TestEnvRefreshOnDemand(t *testing.T) {
	s := newSession(t, "Bearer "+iamtest.Valid(50*time.Minute), "refresh-0")
	r := s.run("env", "--min-validity", "55m")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, s.iam.Calls())
	r = s.run("env", "--refresh", "--no-bearer")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 2, s.iam.Calls())
	assert.Equal(t, "export ACCESS_TOKEN='"+s.iam.LastIssued()+"'\n", r.stdout)
}

func TestEnvFailures(t *testing.T) {
	expiring := "Bearer " + iamtest.Valid(time.Minute)
	for _, tc := range []struct {
		name    string
		access  string
		refresh string
		handler http.HandlerFunc
		closed  bool
		timeout int
		args    []string
		want    string
	}{
		{name: "not logged in", want: "You are not logged in. Log in by running 'ibmcloud login'"},
		{name: "hostile token", access: "Bearer x'$(touch pwned)'", refresh: "secret-refresh-token", want: "not a well-formed access token"},
		{name: "refresh refused", access: expiring, refresh: "secret-refresh-token", want: "Your IBM Cloud session has expired",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				iamtest.Error(w, 400, "BXNIM0408E", "Provided refresh token is expired")
			}},
		{name: "refresh rejected", access: expiring, refresh: "secret-refresh-token", want: "HTTP 400 BXNIM0415E Provided API key could not be found. Log in again by running 'ibmcloud login'",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				iamtest.Error(w, 400, "BXNIM0415E", "Provided API key could not be found.")
			}},
		{name: "IAM 500", access: expiring, refresh: "secret-refresh-token", want: "Try again later.",
			handler: func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "boom") }},
		{name: "closed port", access: expiring, refresh: "secret-refresh-token", closed: true, want: "connection refused. Check your network connection and try again."},
		{name: "IAM never answers", access: expiring, refresh: "secret-refresh-token", timeout: 2, handler: iamtest.Hang, want: "did not answer within 2s. Try again later"},
		{name: "invalid name", access: expiring, refresh: "secret-refresh-token", args: []string{"env", "--name", "X;touch pwned"}, want: "is not a valid variable name"},
		{name: "hook's short bound", access: expiring, refresh: "secret-refresh-token", handler: iamtest.Hang, args: []string{"env", "--timeout", "1s"}, want: "did not answer within 1s"},
		{name: "invalid flag", access: expiring, refresh: "secret-refresh-token", args: []string{"env", "--nobearer"}, want: "Incorrect Usage: unknown flag: --nobearer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, tc.access, tc.refresh, func(c map[string]any) { c["HTTPTimeout"] = tc.timeout })
			if tc.handler != nil {
				s.iam.SetHandler(tc.handler)
			}
			if tc.closed {
				s.iam.Close()
			}
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			args := tc.args
			if args == nil {
				args = []string{"env"}
			}
			r := s.run(args...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout, "stdout stays empty")
			assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			if tc.refresh != "" {
				assert.NotContains(t, r.stderr, tc.refresh, "no refresh token on stderr")
			}
			if tc.access != "" {
				assert.NotContains(t, r.stderr, strings.TrimPrefix(tc.access, "Bearer "), "no token on stderr")
			}
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "config untouched")
			assert.NoFileExists(t, filepath.Join(s.home, "pwned"))
		})
	}
}

func TestEnvIsBoundedByTheCLITimeoutOrThirtySeconds(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 30 s")
	}
	s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "r")
	s.iam.SetHandler(iamtest.Hang)
	r := s.run("env")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "did not answer within 30s")
	assert.Less(t, r.took, 40*time.Second)
	assert.GreaterOrEqual(t, r.took, 29*time.Second)
}

func TestBrokenConfigIsReportedAndLeftAlone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"corrupt", []byte(`{"IAMToken": "Bearer abc.def.ghi", "IAMRefreshToken": "secret-refresh",`), "cannot be parsed (invalid JSON at byte"},
		{"wrong type", []byte(`{"IAMToken": 42, "IAMRefreshToken": "secret-refresh"}`), "cannot be parsed (the field IAMToken holds a JSON number)"},
		{"empty", []byte{}, "is empty. Log in by running 'ibmcloud login'"},
		{"not JSON at all", []byte("\x00\x01secret-refresh\xff"), "cannot be parsed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, "", "")
			require.NoError(t, os.WriteFile(s.config, tc.content, 0o600))
			r := s.run("env")
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "FAILED\n")
			assert.Contains(t, r.stderr, tc.want)
			assert.Contains(t, r.stderr, s.config, "names the file")
			assert.NotContains(t, r.stderr, "secret-refresh")
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, tc.content, after, "byte for byte unchanged")
		})
	}

	t.Run("no config at all", func(t *testing.T) {
		s := newSession(t, "", "")
		require.NoError(t, os.RemoveAll(filepath.Dir(s.config)))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "No IBM Cloud CLI configuration was found at '"+s.config+"'")
		assert.NoFileExists(t, s.config, "none is created")
	})

	t.Run("directory in its place", func(t *testing.T) {
		s := newSession(t, "", "")
		require.NoError(t, os.Remove(s.config))
		require.NoError(t, os.Mkdir(s.config, 0o700))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "is a directory")
	})

	t.Run("unreadable", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any file: permission denied cannot happen")
		}
		s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "r")
		require.NoError(t, os.Chmod(s.config, 0))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "cannot be read")
	})
}

func TestStandaloneFastPath(t *testing.T) {
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "r")
	// Where `ibmcloud plugin install` puts the binary, and a link to it named kp-token.
	installed := filepath.Join(s.home, ".bluemix", "plugins", "kp-token", "kp-token")
	require.NoError(t, os.MkdirAll(filepath.Dir(installed), 0o755))
	installBinary(t, installed)
	link := filepath.Join(s.home, "bin", "kp-token")
	require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
	require.NoError(t, os.Symlink(installed, link))

	// Run directly, without the variables the CLI sets.
	s.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.home}
	for _, bin := range []string{installed, link} {
		r := s.runBinary(bin, "env")
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "export ACCESS_TOKEN='Bearer "+jwt+"'\n", r.stdout)
	}
}

// The shells whose output is evaluated; under CI every one must be there.
var posixShells = [][]string{
	{"bash"}, {"dash"}, {"zsh"}, {"ksh"}, {"mksh"}, {"yash"}, {"busybox", "sh"},
}

func TestEnvOutputEvaluatedByRealShells(t *testing.T) {
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "r")
	hostile := newSession(t, "Bearer x'$(touch pwned)'`touch pwned`", "r")
	for _, sh := range posixShells {
		t.Run(sh[0], func(t *testing.T) {
			path := lookTool(t, sh[0])
			eval := func(s *home, args, show string) string {
				script := `eval "$(` + binary + ` ` + args + `)"; ` + show
				cmd := exec.Command(path, append(sh[1:], "-c", script)...)
				cmd.Env, cmd.Dir = s.env, s.home
				out, err := cmd.Output()
				require.NoError(t, err, "%s -c %q", sh[0], script)
				return string(out)
			}
			assert.Equal(t, "Bearer "+jwt, eval(s, "env", `printf %s "$ACCESS_TOKEN"`))
			assert.Equal(t, jwt, eval(s, "env --no-bearer", `printf %s "$ACCESS_TOKEN"`))
			assert.Equal(t, jwt, eval(s, "env --no-bearer --name KP_TOKEN", `printf %s "$KP_TOKEN"`))
			assert.Equal(t, "exported", eval(s, "env", `sh -c 'test -n "$ACCESS_TOKEN" && printf exported'`))
			assert.Equal(t, "gone", eval(s, "env --unset", `ACCESS_TOKEN=x; eval "$(`+binary+` env --unset)"; printf %s "${ACCESS_TOKEN-gone}"`))
			// A failed run leaves the variable alone and runs nothing.
			assert.Equal(t, "before", eval(hostile, "env 2>/dev/null", `printf %s "${ACCESS_TOKEN-before}"`))
			assert.NoFileExists(t, filepath.Join(hostile.home, "pwned"))
		})
	}
}

func TestRefreshGoesToTheEndpointTheCLITargets(t *testing.T) {
	for _, private := range []bool{false, true} {
		t.Run(fmt.Sprintf("private=%v", private), func(t *testing.T) {
			closed := iamtest.NewServer()
			closed.Close()
			s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
			// The endpoint the CLI targets is the loopback IAM; the other one is a closed port.
			cfg := s.readConfig()
			cfg["IsPrivate"] = private
			cfg["IAMEndpoint"], cfg["IAMPrivateEndpoint"] = s.iam.URL, closed.URL
			if private {
				cfg["IAMEndpoint"], cfg["IAMPrivateEndpoint"] = closed.URL, s.iam.URL
			}
			_, err := iamtest.WriteConfig(s.home, cfg)
			require.NoError(t, err)
			// Without IAM_ENDPOINT the SDK's choice of endpoint applies.
			s.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.home, "IBMCLOUD_HOME=" + s.home}

			r := s.run("env")
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, 1, s.iam.Calls())
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+s.iam.LastIssued()+"'\n", r.stdout)
		})
	}
}

package commands_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
	"github.com/kp-token/kp-token/plugin/wiring"
)

// executeIn runs args on rt with getenv as the run's environment (Deps.Getenv).
func executeIn(rt commands.Runtime, getenv func(string) string, args ...string) outcome {
	var out, errb bytes.Buffer
	code := commands.Execute(&commands.Deps{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Runtime: rt, Getenv: getenv}, args)
	return outcome{code: code, stdout: out.String(), stderr: errb.String()}
}

// runEnv runs args on the real plug-in in-process with the session's environment plus extra,
// one environment for the runtime and the commands.
func (s *session) runEnv(extra map[string]string, args ...string) outcome {
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return s.vars[k]
	}
	rt := wiring.Disk(s.config, commands.Namespace).WithGetenv(getenv)
	return executeIn(rt, getenv, args...)
}

// quietValues are what IBMCLOUD_QUIET may hold and whether each means quiet: true as the
// IBM Cloud CLI SDK reads its booleans (strconv.ParseBool); anything else, empty included, is not.
var quietValues = []struct {
	value string
	quiet bool
}{
	{"true", true}, {"TRUE", true}, {"True", true}, {"1", true}, {"t", true}, {"T", true},
	{"", false}, {"false", false}, {"0", false}, {"f", false}, {"yes", false}, {"on", false}, {" true", false},
}

// IBMCLOUD_QUIET is how `ibmcloud -q` reaches a plug-in (SDK PR #202). A session whose refresh
// fails while its token is still valid hands the token out with a warning: under quiet the
// warning goes, and stdout and the exit status stay as they are.
func TestQuietEnvironmentDropsWarnings(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(4 * time.Minute)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	// A refusal is not retried: one call per run.
	s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
		iamtest.Error(w, http.StatusBadRequest, "BXNIM0407E", "Provided refresh token is expired")
	})
	loud := s.runEnv(nil, "env")
	require.Equal(t, 0, loud.code, loud.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+jwt+"'\n", loud.stdout)
	assert.Contains(t, loud.stderr, "WARNING: The access token was not refreshed")

	for _, v := range quietValues {
		got := s.runEnv(map[string]string{"IBMCLOUD_QUIET": v.value}, "env")
		assert.Equal(t, loud.code, got.code, "IBMCLOUD_QUIET=%q", v.value)
		assert.Equal(t, loud.stdout, got.stdout, "IBMCLOUD_QUIET=%q", v.value)
		if v.quiet {
			assert.Empty(t, got.stderr, "IBMCLOUD_QUIET=%q", v.value)
		} else {
			assert.Equal(t, loud.stderr, got.stderr, "IBMCLOUD_QUIET=%q", v.value)
		}
	}

	// A failure is still said: FAILED and its message, nothing on stdout.
	quiet := map[string]string{"IBMCLOUD_QUIET": "true"}
	r := s.runEnv(quiet, "env", "--refresh")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
	assert.Contains(t, r.stderr, "ibmcloud login")

	// So is a usage error, with the help.
	r = s.runEnv(quiet, "env", "--no-such-flag")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.True(t, strings.HasPrefix(r.stderr, "FAILED\nIncorrect Usage: "), r.stderr)
	assert.Contains(t, r.stderr, "USAGE:")
}

// warnEverywhere warns through every printer a run is handed (the token source's and the
// instance resolver's), as a key file others may read or a stale instance entry would.
type warnEverywhere struct{ *fakeRuntime }

func (r warnEverywhere) Open(req token.Request) (token.Source, error) {
	req.Warn("WARNING: from the token source.")
	return r.fakeRuntime.Open(req)
}

func (r warnEverywhere) Resolve(t token.Token, q kms.Query, warn func(string)) (kms.Resolution, error) {
	warn("WARNING: from the instance lookup.")
	return r.fakeRuntime.Resolve(t, q, warn)
}

func (r warnEverywhere) CheckKeyFile(path string, container bool, warn func(string)) (string, error) {
	warn("WARNING: from the key file.")
	return r.fakeRuntime.CheckKeyFile(path, container, warn)
}

// Every command's warnings go under quiet, and only they: stdout and the exit status are the
// same either way. (exec warns through the same printer before it becomes the command; it is
// not run here, since in-process it would replace the test binary: exec_test.go runs it in a
// helper process.)
func TestQuietEnvironmentInEveryCommand(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	inst := kms.Resolution{Instance: kms.Instance{Name: "my-kp", GUID: rcKP.GUID, Region: "us-south"}, URL: "https://us-south.kms.cloud.ibm.com"}
	for _, args := range [][]string{
		{"env"},
		{"env", "--instance", "my-kp"},
		{"env", "--hook", "--with-expiry"},
		{"print"},
		{"print", "--output", "json", "--instance", "my-kp"},
		{"show"},
		{"curl", "--instance", "my-kp"},
		{"instances"},
		{"hook", "bash", "--apikey", "@/keys/key.json"},
	} {
		run := func(env map[string]string) (outcome, *fakeRuntime) {
			rt := withToken(mustParse(t, jwt))
			rt.resolve = func(token.Token, kms.Query) (kms.Resolution, error) { return inst, nil }
			rt.list = []kms.Instance{inst.Instance}
			rt.stampDir = t.TempDir()
			return executeIn(warnEverywhere{rt}, func(k string) string { return env[k] }, args...), rt
		}
		loud, _ := run(nil)
		require.Equal(t, 0, loud.code, "%v: %s", args, loud.stderr)
		assert.Contains(t, loud.stderr, "WARNING: from the ", args)
		quiet, _ := run(map[string]string{"IBMCLOUD_QUIET": "true"})
		assert.Equal(t, loud.code, quiet.code, args)
		if args[0] == "hook" {
			// The hook's script names this run's temporary stamp directory; the rest is the same.
			assert.Equal(t, strings.Count(loud.stdout, "\n"), strings.Count(quiet.stdout, "\n"), args)
		} else {
			assert.Equal(t, loud.stdout, quiet.stdout, args)
		}
		assert.Empty(t, quiet.stderr, args)
	}
}

// The hook's own --quiet is its own: IBMCLOUD_QUIET does not change the script hook prints,
// and a failed run of the hook still says so on its one line (the script decides what to show).
func TestQuietEnvironmentLeavesTheHookAlone(t *testing.T) {
	t.Parallel()
	rt := &fakeRuntime{stampDir: t.TempDir(), openErr: userFacing("You are not logged in.")}
	quiet := func(k string) string { return map[string]string{"IBMCLOUD_QUIET": "true"}[k] }
	for _, args := range [][]string{{"hook", "bash"}, {"hook", "zsh", "--quiet"}, {"hook", "fish"}} {
		assert.Equal(t, execute(rt, "", args...), executeIn(rt, quiet, args...), args)
	}
	r := executeIn(rt, quiet, "env", "--hook", "--with-expiry")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "kp-token: You are not logged in.\n", r.stderr)
}

// exec --serve's notes (a token its endpoint could not get) go under quiet; the client is still
// told.
func TestQuietEnvironmentInServe(t *testing.T) {
	t.Parallel()
	for _, q := range []bool{false, true} {
		rt := withToken(mustParse(t, iamtest.Valid(2*time.Minute)))
		broken := &fakeRuntime{openErr: userFacing("You are not logged in.")}
		rt.fresh = func() commands.Runtime { return broken }
		env := map[string]string{}
		if q {
			env["IBMCLOUD_QUIET"] = "true"
		}
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		p := &pipeRun{in: inW, out: bufio.NewReader(outR), errb: &syncBuffer{}, done: make(chan int, 1)}
		args := append([]string{"exec", "--serve", "--min-validity", "59m", "--"}, clientArgs("steps")...)
		go func() {
			code := commands.Execute(&commands.Deps{Stdout: outW, Stderr: p.errb, Stdin: inR, Runtime: rt,
				Getenv: func(k string) string { return env[k] }}, args)
			_ = outW.Close()
			p.done <- code
		}()
		line := p.step(t)
		assert.True(t, strings.HasPrefix(line, "err "), line)
		assert.Contains(t, line, "You are not logged in.")
		require.NoError(t, p.in.Close())
		assert.Equal(t, 0, <-p.done)
		if q {
			assert.Empty(t, p.errb.String())
		} else {
			assert.Equal(t, "kp-token: You are not logged in.\n", p.errb.String())
		}
	}
}

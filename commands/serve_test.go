package commands_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/token"
	"github.com/kp-token/kp-token/plugin/tokenserver"
	"github.com/kp-token/kp-token/plugin/wiring"
)

// serveClient is the argument after which the test binary, run again as exec --serve's
// command, is an SDK client (TestServeClientProcess).
const serveClient = "kp-token-serve-client"

// clientReport is what the SDK client saw.
type clientReport struct {
	Tokens  []string // distinct access tokens, in the order first seen
	Short   []string // tokens that had no more than the minimum left when asked for
	Errors  []string
	Asked   int
	AuthURL string
}

// TestServeClientProcess is no test of its own: run as `TEST -test.run=... -- serveClient MODE
// ARGS`, it is a program using go-sdk-core's external configuration, with no credential of its
// own. Mode "loop N D MIN": N clients, each its own authenticator from the environment,
// authenticate a request every 50 ms for D and report every token; a token with no more than
// MIN left from the moment it was asked for is reported short. Mode "steps": authenticate once
// per line read from stdin, printing "ok JWT" or "err MESSAGE".
func TestServeClientProcess(t *testing.T) {
	i := 0
	for i < len(os.Args) && os.Args[i] != serveClient {
		i++
	}
	if i == len(os.Args) {
		return
	}
	args := os.Args[i+1:]
	// The SDK reads a credentials file before the environment: none here.
	home, _ := os.MkdirTemp("", "serve-client")
	_ = os.Setenv("HOME", home)
	_ = os.Chdir(home)
	_ = os.Unsetenv("IBM_CREDENTIALS_FILE")
	_ = os.Unsetenv("VCAP_SERVICES")
	authenticate := func(auth core.Authenticator) (string, error) {
		req, _ := http.NewRequest(http.MethodGet, "https://us-south.kms.cloud.ibm.com/api/v2/keys", nil)
		if err := auth.Authenticate(req); err != nil {
			return "", err
		}
		return strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "), nil
	}
	switch args[0] {
	case "loop":
		var n int
		_, _ = fmt.Sscan(args[1], &n)
		d, _ := time.ParseDuration(args[2])
		min, _ := time.ParseDuration(args[3])
		var mu sync.Mutex
		rep := clientReport{AuthURL: os.Getenv("IBM_KEY_PROTECT_API_AUTH_URL")}
		seen := map[string]bool{}
		end := time.Now().Add(d)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				auth, err := core.GetAuthenticatorFromEnvironment("ibm_key_protect_api")
				if err != nil {
					mu.Lock()
					rep.Errors = append(rep.Errors, err.Error())
					mu.Unlock()
					return
				}
				for time.Now().Before(end) {
					asked := time.Now()
					jwt, err := authenticate(auth)
					mu.Lock()
					rep.Asked++
					if err != nil {
						rep.Errors = append(rep.Errors, err.Error())
					} else if !seen[jwt] {
						seen[jwt] = true
						rep.Tokens = append(rep.Tokens, jwt)
						if tok, err := token.Parse(jwt); err != nil || !tok.ValidFor(min, asked) {
							rep.Short = append(rep.Short, jwt)
						}
					}
					mu.Unlock()
					time.Sleep(50 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		_ = json.NewEncoder(os.Stdout).Encode(rep)
	case "steps":
		auth, err := core.GetAuthenticatorFromEnvironment("ibm_key_protect_api")
		if err != nil {
			fmt.Println("err", err)
			os.Exit(1)
		}
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			if jwt, err := authenticate(auth); err != nil {
				fmt.Println("err", strings.Join(strings.Fields(err.Error()), " "))
			} else {
				fmt.Println("ok", jwt)
			}
		}
	}
	os.Exit(0)
}

// clientArgs runs the test binary as the SDK client.
func clientArgs(args ...string) []string {
	return append([]string{os.Args[0], "-test.run=^TestServeClientProcess$", serveClient}, args...)
}

// Done-when of issue 18: a program using go-sdk-core's external configuration, started with
// exec --serve, authenticates for three token lifetimes (IAM's stand-in mints tokens of 3 s)
// without a credential of its own, never gets a token with less than --min-validity left from
// the moment it asked, and its four clients asking every 50 ms cost one IAM call per refresh:
// each token IAM issued was asked for only once the one before had no more than the minimum
// left, and every one was handed out.
func TestServeRenewsForThreeLifetimes(t *testing.T) {
	t.Parallel()
	const life, minValidity = 3 * time.Second, time.Second
	s := newSession(t, "Bearer "+iamtest.Valid(life), "secret-refresh-token")
	s.iam.SetLifetime(life)
	r := s.run(append([]string{"exec", "--serve", "--min-validity", minValidity.String(), "--"},
		clientArgs("loop", "4", (3*life).String(), minValidity.String())...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	var rep clientReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	assert.Empty(t, rep.Errors)
	assert.Empty(t, rep.Short, "no token was handed out with less than --min-validity left")
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, rep.AuthURL)

	issued := s.iam.IssuedTokens()
	t.Logf("%d requests, %d tokens seen, %d issued by IAM", rep.Asked, len(rep.Tokens), len(issued))
	assert.GreaterOrEqual(t, len(issued), 3, "three lifetimes need three tokens at least")
	assert.Equal(t, len(issued), s.iam.Calls(), "every IAM call issued a token")
	assert.Subset(t, rep.Tokens, issued, "every token IAM issued reached the client")
	for i := 1; i < len(issued); i++ {
		prev, next := mustParse(t, issued[i-1]), mustParse(t, issued[i])
		// Whole seconds on both sides: a second's slack.
		assert.False(t, next.IssuedAt.Before(prev.Expiry.Add(-minValidity-time.Second)),
			"token %d was asked for while token %d still had more than the minimum left: two calls for one refresh", i, i-1)
	}
	assert.NotContains(t, r.stdout+r.stderr, "secret-refresh-token")
}

// pipeRun is exec ARGS on the real plug-in in-process, with pipes for stdin and stdout.
type pipeRun struct {
	in   *io.PipeWriter
	out  *bufio.Reader
	errb *syncBuffer
	done chan int
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *session) start(args ...string) *pipeRun {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &pipeRun{in: inW, out: bufio.NewReader(outR), errb: &syncBuffer{}, done: make(chan int, 1)}
	rt := wiring.Disk(s.config, commands.Namespace).WithGetenv(func(k string) string { return s.vars[k] })
	go func() {
		code := commands.Execute(&commands.Deps{Stdout: outW, Stderr: p.errb, Stdin: inR, Runtime: rt}, args)
		_ = outW.Close()
		p.done <- code
	}()
	return p
}

// step has the client authenticate once and returns its line.
func (p *pipeRun) step(t *testing.T) string {
	t.Helper()
	_, err := io.WriteString(p.in, "go\n")
	require.NoError(t, err)
	line, err := p.out.ReadString('\n')
	require.NoError(t, err, "stderr: %s", p.errb.String())
	return strings.TrimSuffix(line, "\n")
}

// The session expires while the command runs: the client gets IAM's 400 saying to log in, and
// the endpoint keeps serving; after `ibmcloud login` in another terminal (a new config.json)
// the next request gets the new session's token. Each failure is one line on stderr.
func TestServeExpiredSessionThenLogin(t *testing.T) {
	t.Parallel()
	short := iamtest.Valid(2 * time.Second)
	s := newSession(t, "Bearer "+short, "secret-refresh-token")
	s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
		iamtest.Error(w, http.StatusBadRequest, "BXNIM0407E", "Provided refresh token is expired")
	})
	p := s.start(append([]string{"exec", "--serve", "--min-validity", "0s", "--"}, clientArgs("steps")...)...)

	// Wait out the first token (whole seconds: at most 2 s).
	time.Sleep(time.Until(mustParse(t, short).Expiry) + 10*time.Millisecond)
	line := p.step(t)
	assert.True(t, strings.HasPrefix(line, "err "), line)
	assert.Contains(t, line, "ibmcloud login")
	assert.Contains(t, p.errb.String(), "kp-token: ")
	failures := strings.Count(p.errb.String(), "\n")

	// The user logs in again in another terminal.
	fresh := iamtest.Valid(time.Hour)
	_, err := iamtest.WriteConfig(s.home, iamtest.Config("Bearer "+fresh, "new-refresh-token", "https://iam.cloud.ibm.com"))
	require.NoError(t, err)
	assert.Equal(t, "ok "+fresh, p.step(t))
	assert.Equal(t, "ok "+fresh, p.step(t), "handed out again without a refresh")
	require.NoError(t, p.in.Close())
	assert.Equal(t, 0, <-p.done)
	assert.Equal(t, failures, strings.Count(p.errb.String(), "\n"), "no line once the token came")
	assert.GreaterOrEqual(t, failures, 1)
	assert.NotContains(t, p.errb.String(), "refresh-token")
}

// The command's environment: for each service the SDK's iam variables, the run's key and the
// endpoint, with --instance its URL and KP_INSTANCE_ID/KP_URL; the token variable exec sets
// stays, a stale BEARER_TOKEN goes. The endpoint is gone once the command has exited, and
// kp-token's exit status is the command's.
func TestServeEnvironmentAndEnd(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	r := s.run("exec", "--serve", "--service", "ibm_key_protect_api", "--service", "my-service", "--", "sh", "-c",
		`env | grep -E '^(IBM_KEY_PROTECT_API|MY_SERVICE|ACCESS_TOKEN)' | sort; exit 3`)
	assert.Equal(t, 3, r.code, r.stderr)
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		k, v, _ := strings.Cut(line, "=")
		vars[k] = v
	}
	assert.Equal(t, "Bearer "+jwt, vars["ACCESS_TOKEN"])
	for _, p := range []string{"IBM_KEY_PROTECT_API", "MY_SERVICE"} {
		assert.Equal(t, "iam", vars[p+"_AUTH_TYPE"])
		assert.Regexp(t, `^[0-9a-f]{64}$`, vars[p+"_APIKEY"])
		assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, vars[p+"_AUTH_URL"])
	}
	assert.Len(t, vars, 7, r.stdout)
	assert.Equal(t, vars["IBM_KEY_PROTECT_API_APIKEY"], vars["MY_SERVICE_APIKEY"])

	// Gone after the command: the port is closed.
	form := url.Values{"grant_type": {tokenserver.GrantAPIKey}, "apikey": {vars["MY_SERVICE_APIKEY"]}}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := client.PostForm(vars["MY_SERVICE_AUTH_URL"]+tokenserver.Path, form)
	assert.Error(t, err, "the endpoint is closed")
	assert.NotContains(t, r.stderr, vars["MY_SERVICE_APIKEY"])
}

// While the command runs, the key opens the endpoint and nothing else does.
func TestServeKeyIsTheChilds(t *testing.T) {
	t.Parallel()
	curl := shelltest.Tool(t, "curl")
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	r := s.run("exec", "--serve", "--", "sh", "-c", `
		u="$IBM_KEY_PROTECT_API_AUTH_URL/identity/token"
		g='grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey'
		"$0" -s -d "$g&apikey=$IBM_KEY_PROTECT_API_APIKEY" "$u"; echo
		"$0" -s -d "$g&apikey=wrong" "$u"; echo
		"$0" -s -d "$g" "$u"; echo`, curl)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3, r.stdout)
	var ok map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &ok))
	assert.Equal(t, jwt, ok["access_token"])
	for _, l := range lines[1:] {
		assert.Contains(t, l, `"errorCode":"BXNIM0415E"`)
		assert.NotContains(t, l, jwt)
	}
	assert.Zero(t, s.iam.Calls())
}

// What --serve refuses before anything runs.
func TestServeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"exec", "--service", "x", "--", "true"}, "Incorrect Usage: --service names the variables of --serve: add --serve."},
		{[]string{"exec", "--serve", "--apikey", "@-", "--", "true"}, "Incorrect Usage: --serve reads the API key again for each token"},
		{[]string{"exec", "--serve", "--service", "1bad", "--", "true"}, "Incorrect Usage: "},
	} {
		rt := withToken(mustParse(t, iamtest.Valid(time.Hour)))
		r := execute(rt, "", tc.args...)
		assert.Equal(t, 1, r.code, tc.args)
		assert.Contains(t, r.stderr, tc.stderr)
		assert.Empty(t, r.stdout)
		assert.Empty(t, rt.opened)
	}
}

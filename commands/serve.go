package commands

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
	"github.com/kp-token/kp-token/plugin/tokenserver"
)

// sdkAuthTypeIAM makes IBM's SDK cores use the API-key grant at <SERVICE>_AUTH_URL.
const sdkAuthTypeIAM = "iam"

// checkServe checks what exec --serve needs beyond exec's flags: the service names, and a key
// it can read again for every token (standard input is read once).
func (o *ExecOptions) checkServe() error {
	if !o.Serve {
		if len(o.Services) > 0 {
			return usageErrorf(i18n.T("--service names the variables of --serve: add --serve."))
		}
		return nil
	}
	if o.APIKey == "@-" {
		return usageErrorf(i18n.T("--serve reads the API key again for each token, and standard input can be read only once. Use --apikey @FILE or IBMCLOUD_API_KEY."))
	}
	for _, s := range o.services() {
		if _, err := kms.SDKVars(s); err != nil {
			return usageErrorf(err.Error())
		}
	}
	return nil
}

// services are the SDK service names whose variables --serve sets.
func (o *ExecOptions) services() []string {
	if len(o.Services) == 0 {
		return []string{kms.DefaultSDKService}
	}
	return o.Services
}

// runServe runs the command at path as a child with env and, while it runs, answers IAM's
// API-key grant on a loopback endpoint with the session's token (plugin/tokenserver); the
// command's environment names the endpoint and the run's key for each service, as IBM's SDKs
// read them. kp-token ends as the command ended.
func runServe(d *Deps, o *ExecOptions, path string, env []string, first token.Token, inst *kms.Resolution) error {
	stderr := d.Stderr
	if _, ok := stderr.(*os.File); !ok {
		stderr = &lockedWriter{w: stderr} // the child's copy and the endpoint's notes share it
	}
	note := func(msg string) {
		if !d.quiet {
			oneLine(stderr, msg)
		}
	}
	fetch := func() (token.Token, error) {
		// The session as it is now: a login in another terminal since the last token counts.
		req := o.TokenFlags.request()
		req.NoCache, req.Timeout, req.Warn = o.NoCache, o.Timeout, note
		src, err := d.Runtime.Fresh().Open(req)
		if err == nil {
			var t token.Token
			if t, err = src.Token(token.Options{MinValidity: o.MinValidity}); err == nil {
				return t, nil
			}
		}
		msg := describe(err)
		note(msg)
		return token.Token{}, errors.New(msg)
	}
	srv, err := tokenserver.Start(fetch, o.MinValidity, first)
	if err != nil {
		return &statusError{1, i18n.T("The token endpoint for --serve could not be started: {{.Error}}", map[string]any{"Error": errorText(err)})}
	}
	defer func() { _ = srv.Close() }()
	for _, s := range o.services() {
		names, _ := kms.SDKVars(s) // checked
		prefix := strings.TrimSuffix(names.AuthType, "_AUTH_TYPE")
		env = without(env, names.BearerToken) // a token from env --format sdk would be stale
		env = withVar(env, names.AuthType, sdkAuthTypeIAM)
		env = withVar(env, prefix+"_APIKEY", srv.Key())
		env = withVar(env, prefix+"_AUTH_URL", srv.URL())
		if inst != nil {
			env = withVar(env, names.URL, inst.URL)
		}
	}
	cmd := &exec.Cmd{Path: path, Args: o.Command, Env: env, Stdin: d.Stdin, Stdout: d.Stdout, Stderr: stderr}
	// Caught before the command starts: a signal sent once it is up must not end kp-token.
	sigs := catchSignals()
	if err := cmd.Start(); err != nil {
		sigs.stop()
		return notRunnable(o.Command[0], err)
	}
	sigs.to(cmd.Process)
	err = cmd.Wait()
	// The endpoint goes with the command, before anything else.
	_ = srv.Close()
	sigs.stop()
	return ended(cmd, err)
}

// relay holds the signals kp-token receives and passes them on to the command.
type relay struct {
	sigs    chan os.Signal
	done    chan struct{}
	started bool
}

// catchSignals holds the forwarded signals from now on.
func catchSignals() *relay {
	r := &relay{sigs: make(chan os.Signal, len(forwarded)), done: make(chan struct{})}
	signal.Notify(r.sigs, forwarded...)
	return r
}

// to passes the signals caught so far, and those to come, on to p, but for those the terminal
// sent it already.
func (r *relay) to(p *os.Process) {
	r.started = true
	go func() {
		defer close(r.done)
		for s := range r.sigs {
			if !terminalSent(s) {
				_ = p.Signal(s)
			}
		}
	}()
}

// stop ends the relay: signals take their usual course again.
func (r *relay) stop() {
	signal.Stop(r.sigs)
	close(r.sigs)
	if r.started {
		<-r.done
	}
}

// without is env with every NAME removed.
func without(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// lockedWriter serialises writes from the child's output copy and the endpoint's notes.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

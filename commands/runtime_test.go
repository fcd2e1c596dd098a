package commands_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
)

// fakeRuntime is a commands.Runtime whose token source, instances and directories the test
// sets, and which records what the command asked of it.
type fakeRuntime struct {
	src     *fakeSource // what Open returns (nil with openErr)
	openErr error
	opened  []token.Request

	resolve func(t token.Token, q kms.Query) (kms.Resolution, error) // nil: no instance is known
	queries []kms.Query
	list    []kms.Instance
	listErr error
	listed  int

	private  bool
	config   string
	stampDir string
	stampErr error

	fresh func() commands.Runtime // nil: Fresh is the runtime itself

	crTokenEnv string // what EnvCRToken says
}

func (r *fakeRuntime) Open(req token.Request) (token.Source, error) {
	r.opened = append(r.opened, req)
	if r.openErr != nil {
		return nil, r.openErr
	}
	return r.src, nil
}

func (r *fakeRuntime) Resolve(t token.Token, q kms.Query, warn func(string)) (kms.Resolution, error) {
	r.queries = append(r.queries, q)
	if r.resolve == nil {
		return kms.Resolution{}, &kms.Error{Kind: kms.NotFound, Ref: q.Ref}
	}
	return r.resolve(t, q)
}

func (r *fakeRuntime) List(token.Token) ([]kms.Instance, error) {
	r.listed++
	return r.list, r.listErr
}

func (r *fakeRuntime) CLIPrivate() bool   { return r.private }
func (r *fakeRuntime) ConfigPath() string { return r.config }

func (r *fakeRuntime) StampDir() (string, error) { return r.stampDir, r.stampErr }

func (r *fakeRuntime) CheckKeyFile(path string, _ bool, _ func(string)) (string, error) {
	return path, nil
}

func (r *fakeRuntime) EnvCRToken(bool) string { return r.crTokenEnv }

func (r *fakeRuntime) Fresh() commands.Runtime {
	if r.fresh == nil {
		return r
	}
	return r.fresh()
}

// fakeSource hands out tok (or err) and records the options it was asked with.
type fakeSource struct {
	tok      token.Token
	err      error
	info     token.Info
	deadline time.Time
	asked    []token.Options
}

func (s *fakeSource) Token(o token.Options) (token.Token, error) {
	s.asked = append(s.asked, o)
	return s.tok, s.err
}

func (s *fakeSource) Describe() (token.Info, error) { return s.info, nil }

func (s *fakeSource) Deadline() (time.Time, time.Duration) { return s.deadline, 30 * time.Second }

// outcome is one in-process run: its exit status and what it wrote.
type outcome struct {
	code           int
	stdout, stderr string
}

// execute runs args on rt with stdin, capturing stdout and stderr.
func execute(rt commands.Runtime, stdin string, args ...string) outcome {
	var out, errb bytes.Buffer
	var in io.Reader = strings.NewReader(stdin)
	code := commands.Execute(&commands.Deps{Stdout: &out, Stderr: &errb, Stdin: in, Runtime: rt}, args)
	return outcome{code: code, stdout: out.String(), stderr: errb.String()}
}

// withToken is a runtime whose source hands out tok.
func withToken(tok token.Token) *fakeRuntime {
	return &fakeRuntime{src: &fakeSource{tok: tok, deadline: time.Now().Add(30 * time.Second)}}
}

// mustParse is token.Parse of a JWT the test made.
func mustParse(t *testing.T, jwt string) token.Token {
	t.Helper()
	tok, err := token.Parse(jwt)
	if err != nil {
		t.Fatalf("token.Parse: %v", err)
	}
	return tok
}

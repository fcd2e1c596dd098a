// Package session turns the CLI's login session into an access token that is valid for long
// enough: it reads the token the plug-in context holds and, only when that token expires too
// soon, refreshes it at IAM with the session's refresh token and saves both new tokens to the
// CLI's config.json, as `ibmcloud` itself would.
package session

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication"
	bxhttp "github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/http"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/trace"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/common/rest"

	"github.com/kp-token/kp-token/commands/cliconfig"
	"github.com/kp-token/kp-token/commands/token"
)

// DefaultBound limits all network work of one run when the CLI sets no HTTP timeout, so that a
// shell profile never hangs.
const DefaultBound = 30 * time.Second

// Context is the part of the SDK's config a session reads: plugin.PluginContext and the
// core_config repository both provide it.
type Context interface {
	IAMToken() string
	IAMRefreshToken() string
	IAMEndpoint() string
	IsPrivateEndpointEnabled() bool
	CurrentRegion() models.Region
	HTTPTimeout() int
}

// Source hands out access tokens from the CLI session.
type Source struct {
	Context    Context
	ConfigPath string // the config.json the context was read from; refreshed tokens go there

	// Seams for tests; zero values mean the real thing.
	Now       func() time.Time
	Getenv    func(string) string
	Transport http.RoundTripper
	Warn      func(error) // a non-fatal problem, such as a refreshed token that could not be saved

	// Trace is the CLI's trace setting ("true" for stderr, or a file's path); IAM requests and
	// answers are traced through the SDK's trace logger, which hides tokens and keys.
	Trace string
}

// Options say how fresh the token must be.
type Options struct {
	MinValidity time.Duration // refresh when the token expires within this
	Force       bool          // refresh whatever the token's expiry
	Bound       time.Duration // limit on network work; 0 for the CLI's HTTP timeout, else DefaultBound
	Deadline    time.Time     // when set, no work goes past it, whatever the bound (--timeout's run)
}

// context is bounded by the bound and by o.Deadline, whichever comes first.
func (o Options) context(bound time.Duration) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(bound)
	if !o.Deadline.IsZero() && o.Deadline.Before(deadline) {
		deadline = o.Deadline
	}
	return context.WithDeadline(context.Background(), deadline)
}

// bound is o.Bound, else the CLI's HTTP timeout in seconds, else DefaultBound.
func (o Options) bound(httpTimeout int) time.Duration {
	switch {
	case o.Bound > 0:
		return o.Bound
	case httpTimeout > 0:
		return time.Duration(httpTimeout) * time.Second
	}
	return DefaultBound
}

// Token returns a checked access token valid for longer than o.MinValidity. With a token that
// is already valid for long enough it makes no network call and writes nothing.
func (s *Source) Token(o Options) (token.Token, error) {
	access, refresh := s.Context.IAMToken(), s.Context.IAMRefreshToken()
	if access == "" && refresh == "" {
		return token.Token{}, &Error{Kind: NotLoggedIn}
	}
	var seen token.Token
	if access != "" {
		t, err := token.Parse(access)
		if err != nil {
			return token.Token{}, &Error{Kind: MalformedToken, Path: s.ConfigPath}
		}
		if !o.Force && t.ValidFor(o.MinValidity, s.now()) {
			return t, nil
		}
		seen = t
	}
	if refresh == "" {
		return token.Token{}, &Error{Kind: SessionExpired}
	}
	return s.refresh(seen, o)
}

func (s *Source) refresh(seen token.Token, o Options) (token.Token, error) {
	bound := o.bound(s.Context.HTTPTimeout())
	start := s.now()
	ctx, cancel := o.context(bound)
	defer cancel()

	endpoint, _ := s.endpoint()
	if endpoint == "" {
		return token.Token{}, &Error{Kind: NoEndpoint}
	}

	// Single flight: whoever holds the lock refreshes; the others wait, then find the new token
	// on disk (or the holder's failure) and make no call.
	lock, err := cliconfig.LockRefresh(ctx, s.ConfigPath)
	switch {
	case errors.Is(err, cliconfig.ErrLockTimeout):
		return token.Token{}, &Error{Kind: LockTimeout, Path: s.ConfigPath, Bound: bound}
	case err != nil:
		// No lock file anywhere (neither beside config.json nor in the user's runtime or cache
		// directory):
		// refresh alone rather than not at all.
		lock = nil
	default:
		defer lock.Unlock()
		if e := failureSince(lock.Note(), start); e != nil {
			return token.Token{}, e
		}
	}

	onDisk, err := cliconfig.ReadTokens(s.ConfigPath)
	if err != nil {
		return token.Token{}, err
	}
	if onDisk.Access != seen.Bearer() && onDisk.Access != "" {
		// Someone refreshed while we waited. A token minted since we started is as good as a
		// new one of ours, even for --refresh; otherwise it must be valid for long enough.
		if t, err := token.Parse(onDisk.Access); err == nil &&
			(t.Claims.IssueAt.After(start.Add(-time.Minute)) || !o.Force && t.ValidFor(o.MinValidity, s.now())) {
			return t, nil
		}
	}
	if onDisk.Refresh == "" {
		return token.Token{}, &Error{Kind: SessionExpired}
	}

	fresh, newRefresh, err := s.exchange(ctx, endpoint, onDisk.Refresh, bound)
	if lock != nil {
		lock.SetNote(failureNote(err, s.now()))
	}
	if err != nil {
		return token.Token{}, err
	}
	saveErr := cliconfig.SaveTokens(ctx, s.ConfigPath, onDisk, cliconfig.Tokens{Access: fresh.Bearer(), Refresh: newRefresh}, s.now())
	if saveErr != nil && s.Warn != nil {
		// The token is good; only the next run loses it. Say so once and carry on.
		kind := ConfigUnwritable
		if errors.Is(saveErr, cliconfig.ErrChanged) {
			kind = ConfigChanged
		}
		s.Warn(&Error{Kind: kind, Path: s.ConfigPath, Err: saveErr})
	}
	return fresh, nil
}

// Token sources, as Info reports them.
const (
	SourceSession = "session"
	SourceAPIKey  = "api_key"
)

// Endpoint sources, as Info reports them.
const (
	EndpointFromEnv = "IAM_ENDPOINT"
	EndpointPrivate = "private"
	EndpointPublic  = "public"
)

// endpoint is where refreshes go: $IAM_ENDPOINT as the SDK honours it, else the SDK's choice
// (the private endpoint when the CLI targets private endpoints).
func (s *Source) endpoint() (url, source string) {
	if e := s.getenv("IAM_ENDPOINT"); e != "" {
		return e, EndpointFromEnv
	}
	if s.Context.IsPrivateEndpointEnabled() {
		return s.Context.IAMEndpoint(), EndpointPrivate
	}
	return s.Context.IAMEndpoint(), EndpointPublic
}

// Info describes the session without its secrets.
type Info struct {
	Source         string // SourceSession or SourceAPIKey
	RefreshToken   bool   // a refresh token is held
	Endpoint       string // where refreshes go
	EndpointSource string // EndpointFromEnv, EndpointPrivate or EndpointPublic
	Region         string // the targeted region
}

// Describe returns what can be said of the session without a network call.
func (s *Source) Describe() Info {
	url, source := s.endpoint()
	return Info{Source: SourceSession, RefreshToken: s.Context.IAMRefreshToken() != "", Endpoint: url, EndpointSource: source, Region: s.Context.CurrentRegion().Name}
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// transport is the real one unless a test set it.
func (s *Source) transport() http.RoundTripper {
	return traced(s.Transport, s.Trace)
}

// traced limits the answers of rt (nil: the default transport) and wraps it in the SDK's
// trace logger when the trace setting asks for it.
func traced(rt http.RoundTripper, setting string) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	rt = limitAnswers{rt}
	switch strings.ToLower(setting) {
	case "", "false":
		return rt
	}
	trace.Logger = trace.NewLogger(setting)
	return bxhttp.NewTraceLoggingTransport(rt)
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Source) getenv(k string) string {
	if s.Getenv != nil {
		return s.Getenv(k)
	}
	return os.Getenv(k)
}

// classify turns what the SDK's IAM client returned into one of our kinds. The SDK decodes
// IAM's error JSON into typed errors for the codes it knows and ServerError for the rest.
func classify(err error, endpoint string, bound time.Duration) error {
	e := &Error{Endpoint: endpoint, Bound: bound}
	var (
		invalid  *authentication.InvalidTokenError
		expired  *authentication.RefreshTokenExpiryError
		inactive *authentication.SessionInactiveError
		external authentication.ExternalAuthenticationError
		server   *authentication.ServerError
		resp     *rest.ErrorResponse
		netErr   net.Error
	)
	switch {
	case errors.As(err, &invalid), errors.As(err, &expired), errors.As(err, &inactive), errors.As(err, &external):
		e.Kind = SessionExpired
	case errors.As(err, &server):
		e.Status, e.Code, e.Message = server.StatusCode, server.ErrorCode, server.Description
		e.Kind = byStatus(server.StatusCode)
	case errors.As(err, &resp):
		e.Status = resp.StatusCode
		e.Kind = byStatus(resp.StatusCode)
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = Timeout
	case errors.As(err, &netErr):
		e.Kind = Unreachable
		e.Err = innermost(err)
	default:
		// A 2xx whose body is not a token response, cut short, or not JSON.
		e.Kind = BadAnswer
	}
	return e
}

func byStatus(status int) Kind {
	switch {
	case status < 400:
		return BadAnswer // a redirect, which is not followed, or another answer without a token
	case status == http.StatusTooManyRequests || status >= 500:
		return Unavailable
	case status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Refused
	default:
		return Unavailable
	}
}

// innermost drops the request line ("Post \"https://…\": ") from a transport error and keeps
// the reason, such as "connect: connection refused".
func innermost(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

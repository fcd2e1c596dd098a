package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication/iam"

	"github.com/kp-token/kp-token/commands/cliconfig"
	"github.com/kp-token/kp-token/commands/token"
)

// DefaultIAMEndpoint is where API keys are exchanged when nothing else says where.
const DefaultIAMEndpoint = "https://iam.cloud.ibm.com"

// APIKeySource hands out access tokens for an API key, without a login: it exchanges the key
// at IAM and caches the access token (never the refresh token, never the key) until it is
// close to its expiry.
type APIKeySource struct {
	Key            string
	Endpoint       string // where keys are exchanged
	EndpointSource string // EndpointFromEnv, EndpointPrivate or EndpointPublic
	Region         string // the CLI's targeted region, if any
	HTTPTimeout    int    // the CLI's setting in seconds; 0 for DefaultBound
	CacheDir       string // "" turns the cache off
	Trace          string // as Source.Trace

	Now       func() time.Time
	Transport http.RoundTripper
}

// Describe implements the commands' token source: an API key holds no refresh token.
func (a *APIKeySource) Describe() Info {
	return Info{Source: SourceAPIKey, Endpoint: a.Endpoint, EndpointSource: a.EndpointSource, Region: a.Region}
}

// cached is a cache file: the access token and its expiry, nothing else.
type cached struct {
	AccessToken string `json:"access_token"`
	Expiration  int64  `json:"expiration"`
}

// Token returns a checked access token for the key, valid for longer than o.MinValidity: from
// the cache when it has one, else from IAM. Parallel runs with one key make one exchange.
func (a *APIKeySource) Token(o Options) (token.Token, error) {
	now := a.now()
	file := a.cacheFile()
	before, hit := readCache(file, o.MinValidity, now)
	if hit && !o.Force {
		return before, nil
	}
	bound := o.bound(a.HTTPTimeout)
	ctx, cancel := o.context(bound)
	defer cancel()

	if file != "" {
		// The lock lives beside the cache file, so its directory must exist before the first
		// run locks: else that run locks the fallback place and a run arriving once the
		// directory exists locks another file and makes a second exchange.
		_ = os.MkdirAll(filepath.Dir(file), 0o700)
		lock, err := cliconfig.LockRefresh(ctx, file)
		switch {
		case errors.Is(err, cliconfig.ErrLockTimeout):
			return token.Token{}, &Error{Kind: LockTimeout, Path: file, Bound: bound}
		case err == nil:
			defer lock.Unlock()
			if e := failureSince(lock.Note(), now); e != nil {
				return token.Token{}, e
			}
			// Someone exchanged the key while we waited: with --refresh, only a token that
			// was not there before we waited will do.
			if t, ok := readCache(file, o.MinValidity, a.now()); ok && (!o.Force || t.JWT != before.JWT) {
				return t, nil
			}
			t, err := a.exchange(ctx, bound)
			lock.SetNote(failureNote(err, a.now()))
			if err == nil {
				writeCache(file, t)
			}
			return t, err
		}
		// No lock to be had (an unwritable cache directory): the cache is lost, not the token.
	}
	t, err := a.exchange(ctx, bound)
	if err == nil && file != "" {
		writeCache(file, t)
	}
	return t, err
}

func (a *APIKeySource) exchange(ctx context.Context, bound time.Duration) (token.Token, error) {
	answer, err := callIAM(ctx, traced(a.Transport, a.Trace), a.Endpoint, iam.APIKeyTokenRequest(a.Key), bound)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == Refused {
			e.Kind = KeyRefused
		}
		return token.Token{}, err
	}
	return checkAnswer(answer.AccessToken, a.Endpoint, a.now())
}

// cacheFile is one file per key and endpoint, named by a SHA-256 of both.
func (a *APIKeySource) cacheFile() string {
	if a.CacheDir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(a.Key + "\x00" + a.Endpoint))
	return filepath.Join(a.CacheDir, hex.EncodeToString(sum[:])+".json")
}

// readCache returns the cached token when it is there, well formed and valid for longer than
// minValidity; anything else (no file, a corrupt one) is a miss, to be replaced.
func readCache(file string, minValidity time.Duration, now time.Time) (token.Token, bool) {
	if file == "" {
		return token.Token{}, false
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return token.Token{}, false
	}
	var c cached
	if json.Unmarshal(b, &c) != nil {
		return token.Token{}, false
	}
	t, err := token.Parse(c.AccessToken)
	if err != nil || !t.ValidFor(minValidity, now) {
		return token.Token{}, false
	}
	return t, true
}

// writeCache stores the token, mode 0600 in a 0700 directory. It fails silently: a cache that
// cannot be written only costs the next run an exchange.
func writeCache(file string, t token.Token) {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	_ = os.Chmod(dir, 0o700) // tighten a directory made by hand
	b, err := json.Marshal(cached{AccessToken: t.JWT, Expiration: t.Expiry.Unix()})
	if err != nil {
		return
	}
	_ = cliconfig.WriteAtomic(file, b, 0o600)
}

func (a *APIKeySource) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

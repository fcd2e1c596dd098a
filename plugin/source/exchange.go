package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"time"

	"github.com/kp-token/kp-token/plugin/disk"
	"github.com/kp-token/kp-token/plugin/token"
)

// exchanged hands out access tokens without a login, for a credential exchanged at IAM: an API
// key, or a container's compute-resource token with a trusted profile. It caches the access
// token (never a refresh token, never the credential) until it is close to its expiry.
type exchanged struct {
	*run
	source   string // FromAPIKey or FromContainer
	identity string // names the credential (cache file, failure note); the key itself for an API key
	get      func(ctx context.Context) (token.Token, error)
	cacheDir string // "" turns the cache off
}

func (a *exchanged) Describe() (Info, error) {
	err := a.settle()
	info := a.info
	info.Source = a.source
	return info, err
}

// cached is a cache file: the access token and its expiry, nothing else.
type cached struct {
	AccessToken string `json:"access_token"`
	Expiration  int64  `json:"expiration"`
}

// Token returns a token for the credential from the cache when it has one, else from IAM.
// Parallel runs with one credential make one exchange.
func (a *exchanged) Token(o Options) (token.Token, error) {
	if err := a.settle(); err != nil {
		return token.Token{}, err
	}
	start := a.clock()
	file := a.cacheFile()
	private := disk.MakePrivate
	if o.Peek {
		private = disk.CheckPrivate // show makes nothing, not even the directory
	}
	if file != "" && private(filepath.Dir(file)) != nil {
		// A cache directory that is another user's, or open to others: its tokens could be
		// theirs. No cache then, rather than theirs.
		file = ""
	}
	if o.Peek && o.Whose {
		if t, ok := readCache(file, time.Time{}); ok {
			return t, nil // expired or not: whose it is
		}
	}
	before, held := readCache(file, start)
	if held && (o.Peek || !o.Force && before.ValidFor(o.MinValidity, start)) {
		return before, nil
	}
	if o.Peek {
		return token.Token{}, &Error{Kind: NotCached, Path: a.source}
	}
	t, err := a.exchange(o, file, before, held, start)
	if err != nil && held {
		return a.fallback(before, o, err)
	}
	return t, err
}

func (a *exchanged) exchange(o Options, file string, before token.Token, held bool, start time.Time) (token.Token, error) {
	ctx, cancel, err := a.context(held)
	if err != nil {
		return token.Token{}, err
	}
	defer cancel()
	exchange := func() (token.Token, error) {
		t, err := a.get(ctx)
		if err == nil && file != "" {
			writeCache(file, t)
		}
		return t, err
	}
	if file == "" {
		return exchange()
	}
	// The lock lives beside the cache file, whose directory Token made before the first run
	// locks: else that run would lock the fallback place, and a run arriving once the
	// directory exists would lock another file and make a second exchange.
	return a.flight(ctx, file, start, Subject(a.identity, a.iam.Endpoint), o.Force, func() (token.Token, bool, error) {
		// Someone exchanged the key while we waited: with --refresh, only a token that was
		// not there before we waited will do.
		t, ok := readCache(file, a.clock())
		return t, ok && t.ValidFor(o.MinValidity, a.clock()) && (!o.Force || t.JWT != before.JWT), nil
	}, exchange)
}

// cacheFile is one file per credential and endpoint, named by a SHA-256 of both.
func (a *exchanged) cacheFile() string {
	if a.cacheDir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(a.identity + "\x00" + a.iam.Endpoint))
	return filepath.Join(a.cacheDir, hex.EncodeToString(sum[:])+".json")
}

// readCache returns the cached token when it is there, well formed and not expired at now (a
// zero now: expired or not); anything else (no file, a corrupt one) is a miss, to be replaced.
func readCache(file string, now time.Time) (token.Token, bool) {
	if file == "" {
		return token.Token{}, false
	}
	b, err := disk.ReadPrivate(file, maxCache)
	if err != nil {
		return token.Token{}, false
	}
	var c cached
	if json.Unmarshal(b, &c) != nil {
		return token.Token{}, false
	}
	t, err := token.Parse(c.AccessToken)
	if err != nil || t.Expiry.IsZero() || !now.IsZero() && !t.ValidFor(0, now) {
		return token.Token{}, false
	}
	return t, true
}

// maxCache bounds what is read of a cache file: a token and its expiry.
const maxCache = 64 << 10

// writeCache stores the token, mode 0600 in a private directory. It fails silently: a cache
// that cannot be written only costs the next run an exchange.
func writeCache(file string, t token.Token) {
	if disk.MakePrivate(filepath.Dir(file)) != nil {
		return
	}
	b, err := json.Marshal(cached{AccessToken: t.JWT, Expiration: t.Expiry.Unix()})
	if err != nil {
		return
	}
	_ = disk.WriteAtomic(file, b, 0o600)
}

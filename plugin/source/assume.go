package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/disk"
	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/token"
)

// The variables that stand for --assume and --account (token's).
const (
	AssumeEnv  = token.AssumeEnv
	AccountEnv = token.AccountEnv
)

// callerMinValidity is how long the caller's token must still live when it is traded for the
// profile's: long enough to reach IAM. The profile's token lives its own life, not the caller's.
const callerMinValidity = time.Minute

// assumed hands out a trusted profile's access tokens, got at IAM with the token of another
// source, its caller (the session, an API key, a container token: whatever the other flags
// chose), by the assume grant. The profile's token is cached like an API key's, per caller
// identity, account and profile: a caller never gets a token another identity assumed.
type assumed struct {
	*run
	caller   Source
	profile  string // ID ("Profile-…"), CRN ("crn:…") or name
	account  string // --account: where a name is looked up; "" for the caller's account
	cacheDir string // "" turns the cache off
}

// assume wraps caller: its tokens are traded for profile's.
func (r *run) assume(caller Source, profile, account string, req Request) (Source, error) {
	if token.BadAssume(profile, account) {
		return nil, &Error{Kind: BadAssume}
	}
	a := &assumed{run: r, caller: caller, profile: profile, account: account}
	if !req.NoCache {
		a.cacheDir = r.env.CacheDir
	}
	return a, nil
}

func (a *assumed) Caller() Source { return a.caller }

// byName says the profile is given by its name, which IAM looks up in an account.
func (a *assumed) byName() bool {
	return !strings.HasPrefix(a.profile, "crn:") && !strings.HasPrefix(a.profile, "Profile-")
}

// accountFor is the account a name is looked up in: --account, else the caller's; "" for an ID
// or a CRN, which name their account themselves.
func (a *assumed) accountFor(caller token.Token) string {
	if !a.byName() {
		return ""
	}
	return or(a.account, caller.Account())
}

// Describe is the caller's description: the profile's token says whose it is.
func (a *assumed) Describe() (Info, error) { return a.caller.Describe() }

// Token returns the profile's token from the cache when it has one for this caller, else
// from IAM, with a caller's token valid for long enough to get there. Parallel runs of one
// caller and profile make one exchange.
func (a *assumed) Token(o Options) (token.Token, error) {
	if err := a.settle(); err != nil {
		return token.Token{}, err
	}
	start := a.clock()
	private := disk.MakePrivate
	if o.Peek {
		private = disk.CheckPrivate // show makes nothing, not even the directory
	}
	// Whose entry to read: the caller's token at hand says who the caller is, without a call.
	var before token.Token
	held := false
	file := ""
	seen, seenErr := a.caller.Token(Options{Peek: true, Whose: true})
	if seenErr == nil {
		file = a.cacheFile(seen, private)
		before, held = readCache(file, start)
	}
	if held && (o.Peek || !o.Force && before.ValidFor(o.MinValidity, start)) {
		return before, nil
	}
	if o.Peek {
		if seenErr != nil {
			return token.Token{}, seenErr
		}
		return token.Token{}, &Error{Kind: NotCached, Path: FromAssume}
	}
	t, err := a.assume(o, Options{MinValidity: callerMinValidity}, file, &before, &held, start, private)
	if errors.Is(err, &iam.Error{Kind: iam.Ended}) {
		// IAM did not take the caller's token, valid by our clock: revoked (a logout
		// elsewhere, a deleted key). A new one, once: a session is refreshed, a key exchanged.
		t, err = a.assume(o, Options{MinValidity: callerMinValidity, Force: true}, file, &before, &held, start, private)
	}
	if err != nil && held {
		return a.fallback(before, o, err)
	}
	return t, err
}

// assume gets a caller's token as co asks, and trades it for the profile's, unless that
// caller's cache entry (file, when the caller was known already) holds one that will do. When
// the caller is not the one whose entry file is, before and held become the new caller's
// entry: a failure falls back on that one only, never on another caller's.
func (a *assumed) assume(o, co Options, file string, before *token.Token, held *bool, start time.Time, private func(string) error) (token.Token, error) {
	a.calling = true
	caller, err := a.caller.Token(co)
	a.calling = false
	if err != nil {
		return token.Token{}, err
	}
	if f := a.cacheFile(caller, private); f != file {
		// The caller at hand was not known, or has changed (a refresh brought another login):
		// only this caller's entry will do.
		file = f
		if *before, *held = readCache(file, start); *held && !o.Force && before.ValidFor(o.MinValidity, start) {
			return *before, nil
		}
	}
	account := a.accountFor(caller)
	if a.byName() && account == "" {
		return token.Token{}, &Error{Kind: NoAssumeAccount}
	}
	return a.exchange(o, caller, account, file, *before, *held, start)
}

func (a *assumed) exchange(o Options, caller token.Token, account, file string, before token.Token, held bool, start time.Time) (token.Token, error) {
	ctx, cancel, err := a.context(held)
	if err != nil {
		return token.Token{}, err
	}
	defer cancel()
	fetch := func() (token.Token, error) {
		t, err := a.iam.Assume(ctx, caller.JWT, a.profile, account)
		if err == nil && file != "" {
			writeCache(file, t)
		}
		return t, err
	}
	if file == "" {
		return fetch()
	}
	// One flight per cache file; a failure note is honoured for the same caller token, profile
	// and endpoint only.
	return a.flight(ctx, file, start, Subject(caller.JWT+"\x00"+a.profile+"\x00"+account, a.iam.Endpoint), o.Force, func() (token.Token, bool, error) {
		t, ok := readCache(file, a.clock())
		return t, ok && t.ValidFor(o.MinValidity, a.clock()) && (!o.Force || t.JWT != before.JWT), nil
	}, fetch)
}

// cacheFile is one file per caller identity and account, profile (and the account a name is
// looked up in) and IAM endpoint, named by a SHA-256 of them all; "" (no cache) when the
// caller's token names no identity, or the directory is not private (private makes or checks
// it).
func (a *assumed) cacheFile(caller token.Token, private func(string) error) string {
	if a.cacheDir == "" {
		return ""
	}
	c := caller.Claims()
	if c.IAMID == "" {
		return ""
	}
	key := strings.Join([]string{"assume", c.IAMID, c.Accounts.AccountID, a.profile, a.accountFor(caller), a.iam.Endpoint}, "\x00")
	sum := sha256.Sum256([]byte(key))
	file := filepath.Join(a.cacheDir, hex.EncodeToString(sum[:])+".json")
	if private(filepath.Dir(file)) != nil {
		// A cache directory that is another user's, or open to others: its tokens could be
		// theirs. No cache then, rather than theirs.
		return ""
	}
	return file
}

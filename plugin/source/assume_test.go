package source_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/token"
)

// The caller of these tests is the login's default user (iamtest.JWT's), in its default account.
const (
	callerID      = "IBMid-2700012345"
	callerAccount = "0123456789abcdef0123456789abcdef"
	rotatorID     = "Profile-7c3e3b1a-4d5e-4f60-9a8b-0c1d2e3f4a5b"
	rotatorCRN    = "crn:v1:bluemix:public:iam-identity::a/" + callerAccount + "::profile:" + rotatorID
)

// rotator is a trusted profile in the caller's account that trusts the caller.
func rotator(trusts ...string) iamtest.TrustedProfile {
	if trusts == nil {
		trusts = []string{callerID}
	}
	return iamtest.TrustedProfile{ID: rotatorID, Name: "kp-rotator", CRN: rotatorCRN, Account: callerAccount, Trusts: trusts}
}

// assumeLogin is a logged-in session whose IAM knows the rotator profile.
func assumeLogin(t *testing.T, access string) *login {
	t.Helper()
	l := newLogin(t, access, "refresh-0", true)
	l.iam.SetTrusted(rotator())
	return l
}

// assumeToken opens the session with --assume profile (and --account) and asks for a token.
func (l *login) assume(profile, account string, o source.Options) (token.Token, error) {
	l.t.Helper()
	src, err := source.Open(l.env(), source.Request{Warn: l.warns.warn, Assume: profile, Account: account})
	require.NoError(l.t, err)
	return src.Token(o)
}

var fiveMinutes = source.Options{MinValidity: 5 * time.Minute}

func TestAssumeTradesTheCallersTokenForTheProfiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, profile, account string
		want                   iamtest.Assume // the form IAM receives, but for the caller's token
	}{
		{"by name, in the caller's account", "kp-rotator", "", iamtest.Assume{ProfileName: "kp-rotator", Account: callerAccount}},
		{"by name, in the account given", "kp-rotator", callerAccount, iamtest.Assume{ProfileName: "kp-rotator", Account: callerAccount}},
		{"by ID", rotatorID, "", iamtest.Assume{ProfileID: rotatorID}},
		{"by CRN", rotatorCRN, "ignored-for-a-crn", iamtest.Assume{ProfileCRN: rotatorCRN}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			caller := iamtest.Valid(30 * time.Minute)
			l := assumeLogin(t, "Bearer "+caller)
			before := l.bytes()
			got, err := l.assume(tc.profile, tc.account, fiveMinutes)
			require.NoError(t, err)

			assumes := l.iam.Assumed()
			require.Len(t, assumes, 1)
			want := tc.want
			want.AccessToken = caller // the caller's token, without Bearer
			want.BasicAuth = assumes[0].BasicAuth
			assert.Equal(t, want, assumes[0])
			assert.Equal(t, l.iam.LastIssued(), got.JWT)
			c := got.Claims()
			assert.Equal(t, "Profile", c.SubjectType)
			assert.Equal(t, "kp-rotator", c.Fullname)
			assert.Equal(t, rotatorID, c.Subject)
			assert.Equal(t, callerID, c.Authn.IAMID, "the profile's token names its caller")

			// The next run takes it from the cache: no call at all.
			again, err := l.assume(tc.profile, tc.account, fiveMinutes)
			require.NoError(t, err)
			assert.Equal(t, got.JWT, again.JWT)
			assert.Equal(t, 1, l.iam.Calls())
			assert.Equal(t, before, l.bytes(), "config.json is not touched: the caller's token was valid")
			assert.Empty(t, l.warns.all())

			// One cache file, the user's alone, holding the profile's token and no other.
			files, err := filepath.Glob(filepath.Join(l.home, "cache", "*.json"))
			require.NoError(t, err)
			require.Len(t, files, 1)
			info, err := os.Stat(files[0])
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
			b, err := os.ReadFile(files[0])
			require.NoError(t, err)
			assert.Contains(t, string(b), got.JWT)
			assert.NotContains(t, string(b), caller)
		})
	}
}

func TestAssumeFromTheEnvironment(t *testing.T) {
	t.Parallel()
	l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
	env := l.env()
	env.Getenv = vars(source.AssumeEnv, "kp-rotator", source.AccountEnv, callerAccount)
	src, err := source.Open(env, source.Request{})
	require.NoError(t, err)
	assert.Equal(t, source.FromSession, describe(t, src).Source, "the caller's source")
	got, err := src.Token(fiveMinutes)
	require.NoError(t, err)
	assert.Equal(t, "Profile", got.Claims().SubjectType)
	require.Len(t, l.iam.Assumed(), 1)
	assert.Equal(t, "kp-rotator", l.iam.Assumed()[0].ProfileName)
	assert.Equal(t, callerAccount, l.iam.Assumed()[0].Account)

	// The flag wins over the variable.
	src, err = source.Open(env, source.Request{Assume: rotatorID})
	require.NoError(t, err)
	_, err = src.Token(fiveMinutes)
	require.NoError(t, err)
	require.Len(t, l.iam.Assumed(), 2)
	assert.Equal(t, rotatorID, l.iam.Assumed()[1].ProfileID)
}

// A cache entry serves only the caller that assumed it: another login on the same machine
// (another user, the same user in another account) makes its own exchange, and one the
// profile does not trust is refused, although a valid entry for the profile is on disk.
func TestAssumeCacheIsPerCaller(t *testing.T) {
	t.Parallel()
	first := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
	firstToken, err := first.assume("kp-rotator", "", fiveMinutes)
	require.NoError(t, err)
	cache := filepath.Join(first.home, "cache")

	// callerIn is a login whose config holds caller, sharing the first login's cache and IAM.
	callerIn := func(caller string) *login {
		l := newLogin(t, "Bearer "+caller, "refresh-0", true)
		l.iam = first.iam
		cfg := iamtest.Config("Bearer "+caller, "refresh-0", first.iam.URL)
		_, err := iamtest.WriteConfig(l.home, cfg)
		require.NoError(t, err)
		return l
	}
	open := func(l *login) (token.Token, error) {
		env := l.env()
		env.CacheDir = cache
		src, err := source.Open(env, source.Request{Assume: rotatorID})
		require.NoError(t, err)
		return src.Token(fiveMinutes)
	}
	// The first caller by ID: a cache entry of its own (the profile was named another way).
	_, err = open(first)
	require.NoError(t, err)
	calls := len(first.iam.Assumed())

	other := "IBMid-2700099999"
	first.iam.SetTrusted(rotator(callerID, other))
	second := callerIn(iamtest.JWT(iamtest.Claims{IAMID: other, Email: "john.roe@example.com"}))
	got, err := open(second)
	require.NoError(t, err)
	assert.Len(t, first.iam.Assumed(), calls+1, "another caller makes its own exchange")
	assert.NotEqual(t, firstToken.JWT, got.JWT)
	assert.Equal(t, other, got.Claims().Authn.IAMID)

	elsewhere := callerIn(iamtest.JWT(iamtest.Claims{Account: "fedcba9876543210fedcba9876543210"}))
	_, err = open(elsewhere)
	require.NoError(t, err)
	assert.Len(t, first.iam.Assumed(), calls+2, "the same user in another account makes its own exchange")

	stranger := callerIn(iamtest.JWT(iamtest.Claims{IAMID: "IBMid-2700066666", Email: "mallory@example.com"}))
	_, err = open(stranger)
	require.Error(t, err)
	assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Refused}), "%#v", err)
	assert.Len(t, first.iam.Assumed(), calls+3)
}

func TestAssumeFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		caller  string // the session's access token
		refresh string
		profile string
		setup   func(l *login)
		want    []string
		is      error
	}{
		{name: "no such profile", profile: "kp-rotater", want: []string{"IAM found no trusted profile 'kp-rotater'", "Trusted profile not found", "--account"}, is: &iam.Error{Kind: iam.Refused}},
		{name: "the profile does not trust the caller", profile: "kp-rotator",
			setup: func(l *login) { l.iam.SetTrusted(rotator("IBMid-someone-else")) },
			want:  []string{"IAM refused to let you assume the trusted profile 'kp-rotator'", "HTTP 403", "trust relationship"}, is: &iam.Error{Kind: iam.Refused}},
		{name: "the caller's session expired", profile: "kp-rotator", caller: iamtest.Valid(-time.Minute),
			setup: func(l *login) {
				l.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
					iamtest.Error(w, 400, "BXNIM0407E", "Provided refresh token is not valid.")
				})
			},
			want: []string{"Your IBM Cloud session has expired", "ibmcloud login"}, is: &source.Error{Kind: source.SessionExpired}},
		{name: "a name without an account", profile: "kp-rotator",
			caller: iamtest.JWT(iamtest.Claims{Override: map[string]any{"account": nil}}),
			want:   []string{"--account", "KP_TOKEN_ACCOUNT"}, is: &source.Error{Kind: source.NoAssumeAccount}},
		{name: "IAM is down", profile: "kp-rotator",
			setup: func(l *login) {
				l.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 503, "BXNIM0503E", "Unavailable") })
			},
			want: []string{"could not issue an access token", "Try again later"}, is: &iam.Error{Kind: iam.Unavailable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			caller := tc.caller
			if caller == "" {
				caller = iamtest.Valid(30 * time.Minute)
			}
			l := assumeLogin(t, "Bearer "+caller)
			if tc.setup != nil {
				tc.setup(l)
			}
			before := l.bytes()
			got, err := l.assume(tc.profile, "", fiveMinutes)
			require.Error(t, err)
			assert.Empty(t, got.JWT)
			assert.True(t, errors.Is(err, tc.is), "%#v", err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), caller)
			assert.NotContains(t, err.Error(), strings.Split(caller, ".")[1])
			assert.Equal(t, before, l.bytes(), "config.json untouched")
			files, _ := filepath.Glob(filepath.Join(l.home, "cache", "*.json"))
			assert.Empty(t, files, "nothing cached")
		})
	}

	t.Run("a blank or hostile profile", func(t *testing.T) {
		t.Parallel()
		l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
		for _, req := range []source.Request{{Assume: " "}, {Assume: "kp\x1b[31mrotator"}, {Assume: "kp-rotator", Account: "acc\nount"}, {Assume: "kp-rotator", Account: " "}} {
			_, err := source.Open(l.env(), req)
			assert.True(t, errors.Is(err, &source.Error{Kind: source.BadAssume}), "%q: %#v", req.Assume, err)
		}
		assert.Zero(t, l.iam.Calls())
	})
}

// The profile's token is renewed before --min-validity, from a caller's token that is
// refreshed first when it is close to its own end; --refresh asks for a new one whatever.
func TestAssumeRenewal(t *testing.T) {
	t.Parallel()
	t.Run("a profile token that expires too soon", func(t *testing.T) {
		t.Parallel()
		l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
		l.iam.SetLifetime(4 * time.Minute)
		first, err := l.assume(rotatorID, "", fiveMinutes)
		require.NoError(t, err)
		l.iam.SetLifetime(0)
		second, err := l.assume(rotatorID, "", fiveMinutes)
		require.NoError(t, err)
		assert.NotEqual(t, first.JWT, second.JWT)
		assert.Len(t, l.iam.Assumed(), 2)
		// Under --min-validity 3m the first would have done: the second is kept now.
		third, err := l.assume(rotatorID, "", source.Options{MinValidity: 3 * time.Minute})
		require.NoError(t, err)
		assert.Equal(t, second.JWT, third.JWT)
		l.iam.SetLifetime(50 * time.Minute) // a token unlike the last one, minted within the same second
		forced, err := l.assume(rotatorID, "", source.Options{MinValidity: 3 * time.Minute, Force: true})
		require.NoError(t, err)
		assert.NotEqual(t, second.JWT, forced.JWT)
		assert.Len(t, l.iam.Assumed(), 3)
	})

	t.Run("a caller's token about to expire is refreshed first", func(t *testing.T) {
		t.Parallel()
		l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Second))
		got, err := l.assume(rotatorID, "", fiveMinutes)
		require.NoError(t, err)
		assert.Equal(t, 2, l.iam.Calls(), "a refresh, then the assume grant")
		refreshed := l.iam.IssuedTokens()[0]
		require.Len(t, l.iam.Assumed(), 1)
		assert.Equal(t, refreshed, l.iam.Assumed()[0].AccessToken, "assumed with the refreshed caller token")
		assert.Equal(t, "Bearer "+refreshed, l.fields()["IAMToken"], "saved where the CLI uses it, as any refresh")
		assert.Equal(t, "Profile", got.Claims().SubjectType)
	})

	t.Run("a valid profile token outlives a failed renewal", func(t *testing.T) {
		t.Parallel()
		l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
		l.iam.SetLifetime(4 * time.Minute)
		held, err := l.assume(rotatorID, "", fiveMinutes)
		require.NoError(t, err)
		l.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 403, "BXNIM0533E", "The identity is not trusted by the trusted profile.")
		})
		got, err := l.assume(rotatorID, "", fiveMinutes)
		require.NoError(t, err)
		assert.Equal(t, held.JWT, got.JWT)
		warns := l.warns.all()
		require.Len(t, warns, 1)
		assert.Contains(t, warns[0], "was not refreshed")
		assert.Contains(t, warns[0], "trust relationship")
		_, err = l.assume(rotatorID, "", source.Options{MinValidity: 5 * time.Minute, Force: true})
		assert.Error(t, err, "--refresh takes no old token")
	})
}

func TestAssumePeek(t *testing.T) {
	t.Parallel()
	l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
	_, err := l.assume("kp-rotator", "", source.Options{Peek: true})
	require.Error(t, err)
	assert.True(t, errors.Is(err, &source.Error{Kind: source.NotCached}))
	assert.Contains(t, err.Error(), "--assume")
	assert.Zero(t, l.iam.Calls(), "show makes no call")
	_, err = os.Stat(filepath.Join(l.home, "cache"))
	assert.True(t, os.IsNotExist(err), "nor a directory")

	want, err := l.assume("kp-rotator", "", fiveMinutes)
	require.NoError(t, err)
	src, err := source.Open(l.env(), source.Request{Assume: "kp-rotator"})
	require.NoError(t, err)
	got, err := src.Token(source.Options{Peek: true})
	require.NoError(t, err)
	assert.Equal(t, want.JWT, got.JWT)
	a, ok := src.(token.Assumed)
	require.True(t, ok)
	caller, err := a.Caller().Token(source.Options{Peek: true})
	require.NoError(t, err)
	assert.Equal(t, callerID, caller.Claims().IAMID)
}

// Runs at once for one caller and profile make one exchange (goroutines stand in for
// processes, as in TestSessionSingleFlight).
func TestAssumeSingleFlight(t *testing.T) {
	t.Parallel()
	l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
	l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
		l.iam.Refresh(w, r)
	})
	srcs := make([]source.Source, 8)
	for i := range srcs {
		var err error
		srcs[i], err = source.Open(l.env(), source.Request{Assume: "kp-rotator"})
		require.NoError(t, err)
	}
	tokens, errs := tokensAtOnce(srcs)
	assert.Len(t, l.iam.Assumed(), 1, "one assume call for every run at once")
	for i := range tokens {
		if assert.NoError(t, errs[i]) {
			assert.Equal(t, l.iam.LastIssued(), tokens[i].JWT, "run %d", i)
		}
	}
}

// With an API key as the caller: the key's token is got (and cached) first, then traded.
func TestAssumeWithAnAPIKey(t *testing.T) {
	t.Parallel()
	k := newKeyRun(t)
	k.iam.SetTrusted(rotator())
	open := func() source.Source {
		src, err := source.Open(k.env(goodKey), source.Request{Assume: rotatorID, Warn: k.warns.warn})
		require.NoError(t, err)
		return src
	}
	got, err := open().Token(fiveMinutes)
	require.NoError(t, err)
	assert.Equal(t, 2, k.iam.Calls(), "the key's exchange, then the assume grant")
	assert.Equal(t, "Profile", got.Claims().SubjectType)
	again, err := open().Token(fiveMinutes)
	require.NoError(t, err)
	assert.Equal(t, got.JWT, again.JWT)
	assert.Equal(t, 2, k.iam.Calls(), "both from the cache")
	assert.Len(t, k.cacheFiles(), 2, "the key's token and the profile's")
	assert.Equal(t, source.FromAPIKey, describe(t, open()).Source)
}

// A caller's token handed out by its own fallback (its refresh failed, it is still valid for a
// moment) is only used to assume: nothing says it was handed out, since the profile's is.
func TestAssumeDoesNotAnnounceTheCallersFallback(t *testing.T) {
	t.Parallel()
	l := assumeLogin(t, "Bearer "+iamtest.Valid(90*time.Second))
	l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("grant_type") == "refresh_token" {
			iamtest.Error(w, 500, "BXNIM0500E", "Internal error")
			return
		}
		l.iam.Refresh(w, r)
	})
	// The caller's token must be valid for a minute more: 90 s is, so no refresh at all.
	got, err := l.assume(rotatorID, "", fiveMinutes)
	require.NoError(t, err)
	assert.Equal(t, "Profile", got.Claims().SubjectType)
	assert.Empty(t, l.warns.all())

	// 30 s is not: the refresh fails, the caller's token at hand is used, and only the
	// profile's token (valid an hour) is handed out, without a word about the caller's.
	l = assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Second))
	l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("grant_type") == "refresh_token" {
			iamtest.Error(w, 500, "BXNIM0500E", "Internal error")
			return
		}
		l.iam.Refresh(w, r)
	})
	got, err = l.assume(rotatorID, "", fiveMinutes)
	require.NoError(t, err)
	assert.True(t, got.ValidFor(50*time.Minute, time.Now()))
	assert.Empty(t, l.warns.all(), "no warning that a token expiring in 30 s was handed out")
}

// IAM does not take a caller's token that is valid by our clock (revoked: a logout elsewhere):
// the caller's token is renewed once, and the profile assumed with the new one.
func TestAssumeRenewsARevokedCallerTokenOnce(t *testing.T) {
	t.Parallel()
	revoked := iamtest.Valid(30 * time.Minute)
	l := assumeLogin(t, "Bearer "+revoked)
	l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("access_token") == revoked {
			iamtest.Error(w, 400, "BXNIM0407E", "Provided user token is not valid.")
			return
		}
		l.iam.Refresh(w, r)
	})
	got, err := l.assume(rotatorID, "", fiveMinutes)
	require.NoError(t, err)
	assert.Equal(t, "Profile", got.Claims().SubjectType)
	assert.Equal(t, 3, l.iam.Calls(), "the refused assume, the session's refresh, the assume")
	refreshed := l.iam.IssuedTokens()[0]
	assert.Equal(t, "Bearer "+refreshed, l.fields()["IAMToken"])

	// Refused again with the new token: said, after the one retry.
	l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("grant_type") == "urn:ibm:params:oauth:grant-type:assume" {
			iamtest.Error(w, 400, "BXNIM0407E", "Provided user token is not valid.")
			return
		}
		l.iam.Refresh(w, r)
	})
	before := l.iam.Calls()
	_, err = l.assume(rotatorID, "", source.Options{MinValidity: 5 * time.Minute, Force: true})
	require.Error(t, err)
	assert.Equal(t, 3, l.iam.Calls()-before, "assume, refresh, assume: one retry only")
}

// An API key's own cached token has expired while the profile's is still cached (the profile's
// was assumed late in the key token's life): the profile's is handed out with no call.
func TestAssumeKnowsAnExpiredCallersEntry(t *testing.T) {
	t.Parallel()
	k := newKeyRun(t)
	k.iam.SetTrusted(rotator())
	open := func() source.Source {
		src, err := source.Open(k.env(goodKey), source.Request{Assume: rotatorID})
		require.NoError(t, err)
		return src
	}
	want, err := open().Token(fiveMinutes)
	require.NoError(t, err)
	require.Equal(t, 2, k.iam.Calls())
	for _, f := range k.cacheFiles() {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if !strings.Contains(string(b), want.JWT) { // the key's entry: now expired
			expired := iamtest.JWT(iamtest.Claims{ExpiresAt: time.Now().Add(-time.Minute), IssuedAt: time.Now().Add(-time.Hour)})
			require.NoError(t, os.WriteFile(f, []byte(`{"access_token":"`+expired+`","expiration":0}`), 0o600))
		}
	}
	got, err := open().Token(fiveMinutes)
	require.NoError(t, err)
	assert.Equal(t, want.JWT, got.JWT)
	assert.Equal(t, 2, k.iam.Calls(), "no exchange of the key: the profile's entry is its caller's")
	peeked, err := open().Token(source.Options{Peek: true})
	require.NoError(t, err, "show finds it too")
	assert.Equal(t, want.JWT, peeked.JWT)
}

// A refresh that brings another identity (a login as someone else, in another terminal, while
// this run waited) never falls back on the first identity's profile token.
func TestAssumeNeverFallsBackOnAnotherCallersEntry(t *testing.T) {
	t.Parallel()
	l := assumeLogin(t, "Bearer "+iamtest.Valid(30*time.Minute))
	l.iam.SetLifetime(4 * time.Minute)
	held, err := l.assume(rotatorID, "", fiveMinutes) // the first user's entry: due under 5m
	require.NoError(t, err)

	// Now config.json holds the first user's expired token, and the refresh answers another
	// user's, whom the profile does not trust.
	stranger := iamtest.JWT(iamtest.Claims{IAMID: "IBMid-2700066666", Email: "mallory@example.com"})
	_, err = iamtest.WriteConfig(l.home, iamtest.Config("Bearer "+iamtest.Valid(-time.Minute), "refresh-0", l.iam.URL))
	require.NoError(t, err)
	l.access = "Bearer " + iamtest.Valid(-time.Minute)
	l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("grant_type") == "refresh_token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"` + stranger + `","refresh_token":"refresh-1","token_type":"Bearer","expires_in":3600}`))
			return
		}
		l.iam.Refresh(w, r)
	})
	got, err := l.assume(rotatorID, "", fiveMinutes)
	require.Error(t, err, "the stranger is refused, and gets nothing")
	assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Refused}), "%#v", err)
	assert.NotEqual(t, held.JWT, got.JWT)
	assert.Empty(t, got.JWT)
}

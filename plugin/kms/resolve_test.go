package kms

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable time for the cache.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type resolverFixture struct {
	rc       *fakeRC
	dir      string
	clock    *clock
	warnings []string
}

func newResolverFixture(t *testing.T) *resolverFixture {
	return &resolverFixture{
		rc:    newFakeRC(t, estate()...),
		dir:   filepath.Join(t.TempDir(), "plugins", "kp-token", "instances"),
		clock: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
	}
}

// resolver is a fresh resolver, as each run of the plug-in makes one.
func (f *resolverFixture) resolver(account string) *Resolver {
	return &Resolver{
		RC:    f.rc.client(),
		Cache: &Cache{Dir: f.dir, Account: account, Endpoint: f.rc.URL, Now: f.clock.now},
		Warn:  func(s string) { f.warnings = append(f.warnings, s) },
	}
}

func TestResolveByName(t *testing.T) {
	f := newResolverFixture(t)
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.Equal(t, guidKP1, res.Instance.GUID)
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", res.URL)
	assert.False(t, res.Cached)
	assert.Equal(t, "my-kp", f.rc.reqs[0].URL.Query().Get("name"))

	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-hpcs", Choice{CLIPrivate: true})
	require.NoError(t, err)
	assert.Equal(t, guidHPCS, res.Instance.GUID)
	assert.Equal(t, "https://api.private.us-east.hs-crypto.cloud.ibm.com:9730", res.URL)
}

func TestResolveANameOfSeveralInstancesListsEach(t *testing.T) {
	f := newResolverFixture(t)
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "shared", Choice{})
	require.ErrorIs(t, err, &Error{Kind: Ambiguous})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Len(t, e.Matches, 2)
	assert.Equal(t, "2 instances are named 'shared'. Name the one you mean by its GUID or CRN:\n"+
		"  shared in eu-de, resource group rg-eu-de, GUID "+guidKP2+"\n"+
		"  shared in jp-tok, resource group rg-jp-tok, GUID "+guidKP3, err.Error())

	_, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "shared", Choice{})
	require.ErrorIs(t, err, &Error{Kind: Ambiguous}, "an ambiguity is not cached")
	assert.Equal(t, 4, f.rc.calls(), "two pages, twice")

	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), guidKP3, Choice{Network: Private})
	require.NoError(t, err)
	assert.Equal(t, "https://private.jp-tok.kms.cloud.ibm.com", res.URL)
}

func TestAmbiguityListEscapesNames(t *testing.T) {
	f := newResolverFixture(t)
	f.rc.set(record("x\x1b]0;owned\a", KeyProtect, "us-south", guidKP1, nil), record("x\x1b]0;owned\a", KeyProtect, "eu-de", guidKP2, nil))
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "x\x1b]0;owned\a", Choice{})
	require.ErrorIs(t, err, &Error{Kind: Ambiguous})
	assert.NotContains(t, err.Error(), "\x1b")
	assert.NotContains(t, err.Error(), "\a")
}

func TestResolveANameThatMatchesNothing(t *testing.T) {
	f := newResolverFixture(t)
	for _, ref := range []string{"no-such-kp"} {
		_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), ref, Choice{})
		require.ErrorIs(t, err, &Error{Kind: NotFound}, ref)
		assert.Contains(t, err.Error(), "named '"+ref+"'")
		assert.Contains(t, err.Error(), "'ibmcloud kp-token instances'")
	}
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "", Choice{})
	require.ErrorIs(t, err, &Error{Kind: NoRef})
}

func TestResolveByGUID(t *testing.T) {
	f := newResolverFixture(t)
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), strings.ToUpper(guidHPCS), Choice{})
	require.NoError(t, err)
	assert.Equal(t, "my-hpcs", res.Instance.Name)
	assert.Equal(t, "https://api.us-east.hs-crypto.cloud.ibm.com:9730", res.URL)
	require.Equal(t, 1, f.rc.calls())
	assert.Equal(t, "/v2/resource_instances/"+guidHPCS, f.rc.reqs[0].URL.Path)

	_, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "99999999-aaaa-4bbb-8ccc-000000000009", Choice{})
	require.ErrorIs(t, err, &Error{Kind: NotFound})
	assert.Contains(t, err.Error(), "with the GUID '99999999-aaaa-4bbb-8ccc-000000000009'")
}

func TestResolveACRNWithoutACall(t *testing.T) {
	f := newResolverFixture(t)
	crn := "crn:v1:bluemix:public:kms:eu-de:a/" + testAccount + ":" + guidKP2 + "::"
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), crn, Choice{})
	require.NoError(t, err)
	assert.Equal(t, Resolution{Instance: Instance{GUID: guidKP2, CRN: crn, Service: KeyProtect, Region: "eu-de"}, URL: "https://eu-de.kms.cloud.ibm.com"}, res)
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), crn, Choice{CLIPrivate: true})
	require.NoError(t, err)
	assert.Equal(t, "https://private.eu-de.kms.cloud.ibm.com", res.URL)

	hpcs := "crn:v1:bluemix:public:hs-crypto:us-east:a/" + testAccount + ":" + guidHPCS + "::"
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), hpcs, Choice{URL: "https://api.us-east.hs-crypto.cloud.ibm.com:9730"})
	require.NoError(t, err)
	assert.Equal(t, guidHPCS, res.Instance.GUID)
	assert.Zero(t, f.rc.calls(), "a CRN is enough")

	// An HPCS CRN without --url: the endpoint is in the record only, got once, then cached.
	for range 2 {
		res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), hpcs, Choice{})
		require.NoError(t, err)
		assert.Equal(t, "https://api.us-east.hs-crypto.cloud.ibm.com:9730", res.URL)
	}
	assert.Equal(t, 1, f.rc.calls())

	_, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "crn:v1:bluemix:public:cloud-object-storage:global:a/"+testAccount+":"+guidCOS+"::", Choice{})
	require.ErrorIs(t, err, &Error{Kind: NotKMS})
	_, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "crn:v1:bluemix:public:kms", Choice{})
	require.ErrorIs(t, err, &Error{Kind: BadCRN})
	assert.Equal(t, 1, f.rc.calls())
}

func TestAWarmCacheMakesNoCall(t *testing.T) {
	f := newResolverFixture(t)
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-hpcs", Choice{})
	require.NoError(t, err)
	require.Equal(t, 1, f.rc.calls())

	// A warm run asks nothing: the Resource Controller, still up, sees no request (counted, not
	// timed: BenchmarkWarmResolve measures its cost), and a closed one changes nothing.
	f.clock.t = f.clock.t.Add(DefaultTTL - time.Minute)
	start := time.Now()
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-hpcs", Choice{})
	t.Logf("warm resolution: %v", time.Since(start))
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, "https://api.us-east.hs-crypto.cloud.ibm.com:9730", res.URL)
	assert.Equal(t, 1, f.rc.calls(), "no request")
	f.rc.Close()
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-hpcs", Choice{})
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, "https://api.us-east.hs-crypto.cloud.ibm.com:9730", res.URL)

	// The name's answer serves its GUID and CRN too.
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), guidHPCS, Choice{Network: Private})
	require.NoError(t, err)
	assert.Equal(t, "https://api.private.us-east.hs-crypto.cloud.ibm.com:9730", res.URL)
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), res.Instance.CRN, Choice{})
	require.NoError(t, err)
	assert.Equal(t, "my-hpcs", res.Instance.Name)
	assert.Equal(t, 1, f.rc.calls())
	assert.Empty(t, f.warnings)
}

func TestAStaleEntryIsAskedForAgain(t *testing.T) {
	f := newResolverFixture(t)
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)

	// The name now belongs to another instance, in another region.
	f.rc.set(record("my-kp", KeyProtect, "eu-gb", guidKP2, nil))
	f.clock.t = f.clock.t.Add(DefaultTTL + time.Minute)
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Equal(t, guidKP2, res.Instance.GUID)
	assert.Equal(t, "https://eu-gb.kms.cloud.ibm.com", res.URL)
	assert.Equal(t, 2, f.rc.calls())

	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.True(t, res.Cached, "the new answer is cached")
	assert.Equal(t, guidKP2, res.Instance.GUID)
}

func TestAStaleEntryStandsInDuringAnOutage(t *testing.T) {
	f := newResolverFixture(t)
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	f.rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		rcError(w, 503, "RC-503", "down")
		return true
	}

	f.clock.t = f.clock.t.Add(2 * DefaultTTL)
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.Equal(t, guidKP1, res.Instance.GUID)
	require.Len(t, f.warnings, 1)
	assert.Contains(t, f.warnings[0], "'my-kp' 48h0m0s ago is used")
	assert.Contains(t, f.warnings[0], "HTTP 503")

	r := f.resolver(testAccount)
	r.Refresh = true
	_, err = r.Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.ErrorIs(t, err, &Error{Kind: Unavailable}, "--refresh takes no stale answer")

	// A refusal is an answer: no stale entry stands in for it.
	f.rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		rcError(w, 403, "RC-403", "no")
		return true
	}
	_, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.ErrorIs(t, err, &Error{Kind: Forbidden})

	f.rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		rcError(w, 503, "RC-503", "down")
		return true
	}
	f.clock.t = f.clock.t.Add(MaxStale)
	_, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.ErrorIs(t, err, &Error{Kind: Unavailable}, "too old to stand in")
}

func TestRefreshAsksAgainAndStoresTheAnswer(t *testing.T) {
	f := newResolverFixture(t)
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	f.rc.set(record("my-kp", KeyProtect, "eu-gb", guidKP2, nil))

	r := f.resolver(testAccount)
	r.Refresh = true
	res, err := r.Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.Equal(t, guidKP2, res.Instance.GUID)

	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, guidKP2, res.Instance.GUID)
	assert.Equal(t, 2, f.rc.calls())
}

func TestTheCacheIsPerAccount(t *testing.T) {
	f := newResolverFixture(t)
	other := "fedcba9876543210fedcba9876543210"
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	res, err := f.resolver(other).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Equal(t, 2, f.rc.calls())
	assert.FileExists(t, filepath.Join(f.dir, testAccount+".json"))
	assert.FileExists(t, filepath.Join(f.dir, other+".json"))

	for _, bad := range []string{"", "../" + testAccount, "a/b", "x y"} {
		assert.Empty(t, (&Cache{Dir: f.dir, Account: bad}).Path(), bad)
	}
	assert.Empty(t, (&Cache{Dir: "relative/dir", Account: testAccount}).Path(), "never relative to the working directory")
	assert.Empty(t, (*Cache)(nil).Path())
}

func TestTheCacheFile(t *testing.T) {
	f := newResolverFixture(t)
	_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-hpcs", Choice{})
	require.NoError(t, err)

	path := filepath.Join(f.dir, testAccount+".json")
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dinfo, err := os.Stat(f.dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dinfo.Mode().Perm())

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(b), f.rc.token)
	var file cacheFile
	require.NoError(t, json.Unmarshal(b, &file), "one JSON document")
	require.Len(t, file.Entries, 2)
	assert.Equal(t, []string{"guid:" + guidHPCS, "name:my-hpcs"}, []string{file.Entries[0].Key, file.Entries[1].Key})
	assert.Equal(t, f.clock.t.Unix(), file.Entries[1].At)
	assert.Equal(t, guidHPCS, file.Entries[0].Instance.GUID)
	assert.Equal(t, 4, strings.Count(string(b), "\n"), "a line for each entry")
	t.Logf("%s: %d bytes", filepath.Base(path), len(b))
}

func TestACorruptOrTamperedCacheIsIgnored(t *testing.T) {
	const now = 1772366400 // the fixture's clock
	good := `{"name":"my-kp","guid":"` + guidKP1 + `","crn":"crn:v1:bluemix:public:kms:us-south:a/x:` + guidKP1 + `::","service":"kms","region":"us-south"}`
	rc := "" // the fixture's Resource Controller, set by each case
	file := func(at int64, inst string) func() string {
		return func() string {
			return "{\"entries\":[\n{\"key\":\"name:my-kp\",\"rc\":\"" + rc + "\",\"at\":" + jsonInt(at) + ",\"instance\":" + inst + "}\n]}\n"
		}
	}
	require.Contains(t, file(now, good)(), `"at":1772366400`)
	t.Run("the untampered file is a hit", func(t *testing.T) {
		f := newResolverFixture(t)
		rc = f.rc.URL
		require.NoError(t, os.MkdirAll(f.dir, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(f.dir, testAccount+".json"), []byte(file(now, good)()), 0o600))
		res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
		require.NoError(t, err)
		assert.True(t, res.Cached)
		assert.Zero(t, f.rc.calls())
	})
	truncated := file(now, good)
	for name, content := range map[string]func() string{
		"not JSON":        func() string { return "{not json" },
		"truncated":       func() string { return truncated()[:60] },
		"wrong CRN":       file(now, strings.Replace(good, ":"+guidKP1+"::", ":"+guidKP2+"::", 1)),
		"other service":   file(now, strings.Replace(good, `"service":"kms"`, `"service":"hs-crypto"`, 1)),
		"odd region":      file(now, strings.Replace(good, `"region":"us-south"`, `"region":"evil.example/x"`, 1)),
		"evil endpoint":   file(now, strings.Replace(good, `"region":"us-south"`, `"region":"us-south","endpoints":{"public":"https://u:p@evil.example"}`, 1)),
		"from the future": file(now+3600, good),
	} {
		t.Run(name, func(t *testing.T) {
			f := newResolverFixture(t)
			rc = f.rc.URL
			require.NoError(t, os.MkdirAll(f.dir, 0o700))
			path := filepath.Join(f.dir, testAccount+".json")
			require.NoError(t, os.WriteFile(path, []byte(content()), 0o600))
			res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
			require.NoError(t, err)
			assert.False(t, res.Cached)
			assert.Equal(t, "https://us-south.kms.cloud.ibm.com", res.URL)
			assert.Equal(t, 1, f.rc.calls())

			res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
			require.NoError(t, err)
			assert.True(t, res.Cached, "rewritten whole")
		})
	}
}

func TestACacheFileThatIsALinkIsNotFollowed(t *testing.T) {
	f := newResolverFixture(t)
	require.NoError(t, os.MkdirAll(f.dir, 0o700))
	planted := filepath.Join(t.TempDir(), "planted.json")
	entry := "{\"entries\":[\n" + `{"key":"name:my-kp","rc":"` + f.rc.URL + `","at":` + jsonInt(f.clock.t.Unix()) + `,"instance":{"name":"my-kp","guid":"` + guidKP2 +
		`","crn":"crn:v1:bluemix:public:kms:eu-de:a/x:` + guidKP2 + `::","service":"kms","region":"eu-de"}}` + "\n]}\n"
	require.NoError(t, os.WriteFile(planted, []byte(entry), 0o600))
	inst, _, ok := (&Cache{Dir: filepath.Dir(planted), Account: "planted", Endpoint: f.rc.URL, Now: f.clock.now}).lookup("name:my-kp")
	require.True(t, ok, "the planted file would be a hit if it were followed")
	require.Equal(t, guidKP2, inst.GUID)
	require.NoError(t, os.Symlink(planted, filepath.Join(f.dir, testAccount+".json")))

	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.Equal(t, guidKP1, res.Instance.GUID, "the planted answer was not taken")
	b, err := os.ReadFile(planted)
	require.NoError(t, err)
	assert.Equal(t, entry, string(b), "nor written through")
}

func TestTheCacheIsBounded(t *testing.T) {
	f := newResolverFixture(t)
	var recs []map[string]any
	for i := range maxEntries + 10 {
		guid := "66666666-aaaa-4bbb-8ccc-0000000000" + string(rune('a'+i/16)) + "0123456789abcdef"[i%16:i%16+1]
		recs = append(recs, record("kp-"+guid[34:], KeyProtect, "us-south", guid, nil))
	}
	f.rc.set(recs...)
	for _, r := range recs {
		f.clock.t = f.clock.t.Add(time.Second)
		_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), r["guid"].(string), Choice{})
		require.NoError(t, err)
	}
	b, err := os.ReadFile(filepath.Join(f.dir, testAccount+".json"))
	require.NoError(t, err)
	var file cacheFile
	require.NoError(t, json.Unmarshal(b, &file))
	assert.Len(t, file.Entries, maxEntries)
	keys := map[string]bool{}
	for _, e := range file.Entries {
		keys[e.Key] = true
	}
	assert.True(t, keys[guidKey(recs[len(recs)-1]["guid"].(string))], "the newest kept")
	assert.False(t, keys[guidKey(recs[0]["guid"].(string))], "the oldest dropped")
}

func TestAResolverWithoutCacheOrClient(t *testing.T) {
	f := newResolverFixture(t)
	r := &Resolver{RC: f.rc.client()}
	for range 2 {
		_, err := r.Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
		require.NoError(t, err)
	}
	assert.Equal(t, 2, f.rc.calls())

	_, err := (&Resolver{}).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.ErrorIs(t, err, &Error{Kind: NoRCEndpoint})
	res, err := (&Resolver{}).Resolve(ctxFor(t, 5*time.Second), "crn:v1:bluemix:public:kms:eu-de:a/x:"+guidKP2+"::", Choice{})
	require.NoError(t, err)
	assert.Equal(t, "https://eu-de.kms.cloud.ibm.com", res.URL)
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

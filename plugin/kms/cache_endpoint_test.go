package kms

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What was learned from one Resource Controller (a test's or a hostile one, through
// EnvRCEndpoint) is not used when another is asked: not fresh, not as a stale stand-in
// (issue 19, item 4).
func TestTheCacheIsPerResourceController(t *testing.T) {
	f := newResolverFixture(t)
	hostile := newFakeRC(t, record("my-kp", KeyProtect, "eu-gb", guidKP2, nil))
	hostile.token = f.rc.token
	r := f.resolver(testAccount)
	r.RC, r.Cache.Endpoint = hostile.client(), hostile.URL
	res, err := r.Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	require.Equal(t, guidKP2, res.Instance.GUID)

	// The variable unset: the CLI's Resource Controller is asked, and its answer is the one used.
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Equal(t, guidKP1, res.Instance.GUID)
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", res.URL)
	assert.Equal(t, 1, f.rc.calls())

	// Each endpoint's entries stay its own: both are warm now.
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, guidKP1, res.Instance.GUID)
	r = f.resolver(testAccount)
	r.RC, r.Cache.Endpoint = hostile.client(), hostile.URL
	res, err = r.Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, guidKP2, res.Instance.GUID)
	assert.Equal(t, 1, hostile.calls())

	// Nor as a stale stand-in: the other endpoint's entry is no answer when this one is down.
	g := newResolverFixture(t)
	r = g.resolver(testAccount)
	r.RC, r.Cache.Endpoint = hostile.client(), hostile.URL
	_, err = r.Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	g.clock.t = g.clock.t.Add(2 * DefaultTTL)
	g.rc.Close()
	_, err = g.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.ErrorIs(t, err, &Error{Kind: Unreachable})
	assert.Empty(t, g.warnings)
}

// A cache file written before entries carried their endpoint is a miss, then rewritten.
func TestAnOldCacheFileMisses(t *testing.T) {
	f := newResolverFixture(t)
	require.NoError(t, os.MkdirAll(f.dir, 0o700))
	old := `{"entries":[` + "\n" + `{"key":"name:my-kp","at":` + jsonInt(f.clock.t.Unix()) + `,"instance":{"name":"my-kp","guid":"` + guidKP2 +
		`","crn":"crn:v1:bluemix:public:kms:eu-gb:a/` + testAccount + `:` + guidKP2 + `::","service":"kms","region":"eu-gb"}}` + "\n]}\n"
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, testAccount+".json"), []byte(old), 0o600))
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Equal(t, guidKP1, res.Instance.GUID)
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, guidKP1, res.Instance.GUID)
}

// A CRN is answered from the cache only by an entry with that very CRN: a CRN in eu-de with the
// GUID of a cached us-south record gets eu-de's endpoint, not the record's.
func TestACRNUsesOnlyAnEntryWithThatCRN(t *testing.T) {
	f := newResolverFixture(t)
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	require.Equal(t, "us-south", res.Instance.Region)

	other := "crn:v1:bluemix:public:kms:eu-de:a/" + testAccount + ":" + guidKP1 + "::"
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), other, Choice{})
	require.NoError(t, err)
	assert.Equal(t, "eu-de", res.Instance.Region)
	assert.Equal(t, other, res.Instance.CRN)
	assert.Equal(t, "https://eu-de.kms.cloud.ibm.com", res.URL)
	assert.False(t, res.Cached)

	// The cached record's own CRN is still answered from the cache, with its name.
	same := "crn:v1:bluemix:public:kms:us-south:a/" + testAccount + ":" + guidKP1 + "::"
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), same, Choice{})
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, "my-kp", res.Instance.Name)

	// An HPCS CRN whose GUID the cache knows under another CRN asks the Resource Controller.
	_, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-hpcs", Choice{})
	require.NoError(t, err)
	calls := f.rc.calls()
	hpcs := "crn:v1:bluemix:public:hs-crypto:eu-de:a/" + testAccount + ":" + guidHPCS + "::"
	res, err = f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), hpcs, Choice{})
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Equal(t, calls+1, f.rc.calls())
}

// Without a Resource Controller's endpoint there is no cache.
func TestNoEndpointNoCache(t *testing.T) {
	assert.Empty(t, (&Cache{Dir: t.TempDir(), Account: testAccount, Files: defaultFiles}).Path())
}

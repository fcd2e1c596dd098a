package iam_test

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

const (
	profileID  = "Profile-7c3e3b1a-4d5e-4f60-9a8b-0c1d2e3f4a5b"
	account    = "0123456789abcdef0123456789abcdef"
	profileCRN = "crn:v1:bluemix:public:iam-identity::a/" + account + "::profile:" + profileID
)

// forms records the assume grants' forms as IAM receives them, then answers as the stand-in.
type forms struct {
	mu  sync.Mutex
	got []url.Values
}

func (f *forms) handler(srv *iamtest.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil && r.PostForm.Get("grant_type") == "urn:ibm:params:oauth:grant-type:assume" {
			f.mu.Lock()
			f.got = append(f.got, r.PostForm)
			f.mu.Unlock()
		}
		srv.Refresh(w, r)
	}
}

func (f *forms) last() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[len(f.got)-1]
}

// keys are a form's field names, but response_type, which the CLI SDK's client adds to every
// grant.
func keys(v url.Values) []string {
	var k []string
	for name := range v {
		if name != "response_type" {
			k = append(k, name)
		}
	}
	sort.Strings(k)
	return k
}

// Our request is go-sdk-core's IamAssumeAuthenticator's, field for field, for each way of naming
// the profile; and the stand-in answers both.
func TestAssumeSendsWhatGoSDKCoreSends(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		profile string
		build   func(*core.IamAssumeAuthenticatorBuilder) *core.IamAssumeAuthenticatorBuilder
	}{
		{"ID", profileID, func(b *core.IamAssumeAuthenticatorBuilder) *core.IamAssumeAuthenticatorBuilder {
			return b.SetIAMProfileID(profileID)
		}},
		{"CRN", profileCRN, func(b *core.IamAssumeAuthenticatorBuilder) *core.IamAssumeAuthenticatorBuilder {
			return b.SetIAMProfileCRN(profileCRN)
		}},
		{"name", "kp-rotator", func(b *core.IamAssumeAuthenticatorBuilder) *core.IamAssumeAuthenticatorBuilder {
			return b.SetIAMProfileName("kp-rotator").SetIAMAccountID(account)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			srv.APIKeys = map[string]bool{apiKey: true}
			srv.SetTrusted(iamtest.TrustedProfile{ID: profileID, Name: "kp-rotator", CRN: profileCRN, Account: account, Trusts: []string{"IBMid-2700012345"}})
			var f forms
			srv.SetHandler(f.handler(srv))

			auth, err := tc.build(core.NewIamAssumeAuthenticatorBuilder().SetApiKey(apiKey).SetURL(srv.URL).SetClientIDSecret("bx", "bx")).Build()
			require.NoError(t, err)
			sdkToken, err := auth.GetToken()
			require.NoError(t, err, "go-sdk-core's authenticator gets a token from the stand-in")
			sdkForm := f.last()

			c := &iam.Client{Endpoint: srv.URL}
			caller := sdkForm.Get("access_token") // the user token go-sdk-core sent
			got, err := c.Assume(deadline(t, 10*time.Second), caller, tc.profile, account)
			require.NoError(t, err)
			ours := f.last()

			assert.Equal(t, keys(sdkForm), keys(ours), "the same fields")
			for _, k := range keys(sdkForm) {
				assert.Equal(t, sdkForm.Get(k), ours.Get(k), k)
			}
			assert.Equal(t, "Profile", got.Claims().SubjectType)
			assert.NotEqual(t, sdkToken, got.JWT, "a token of its own")
		})
	}
}

func TestAssumeRefusals(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.SetTrusted(iamtest.TrustedProfile{ID: profileID, Name: "kp-rotator", Account: account, Trusts: []string{"IBMid-someone-else"}})
	trace := filepath.Join(t.TempDir(), "trace.log")
	c := &iam.Client{Endpoint: srv.URL, Trace: trace}
	caller := iamtest.Valid(30 * time.Minute)

	_, err := c.Assume(deadline(t, 10*time.Second), caller, "kp-rotator", account)
	require.Error(t, err)
	assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Refused}))
	assert.Contains(t, err.Error(), "IAM refused to let you assume the trusted profile 'kp-rotator': HTTP 403 BXNIM0533E")
	assert.Contains(t, err.Error(), "trust relationship")

	_, err = c.Assume(deadline(t, 10*time.Second), caller, "Profile-missing", "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "IAM found no trusted profile 'Profile-missing'")

	expired := iamtest.Valid(-time.Minute)
	_, err = c.Assume(deadline(t, 10*time.Second), expired, profileID, "")
	require.Error(t, err)
	assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Ended}), "IAM's word for a caller token it does not take: %#v", err)

	b, readErr := os.ReadFile(trace)
	require.NoError(t, readErr)
	traced := string(b)
	assert.Contains(t, traced, "/identity/token")
	for _, secret := range []string{caller, strings.Split(caller, ".")[1], expired, strings.Split(expired, ".")[1]} {
		assert.NotContains(t, traced, secret, "no caller token in the trace")
		assert.NotContains(t, err.Error(), secret)
	}
}

// IAM may answer an unknown profile with 404: that is no such profile, not IAM being down.
func TestAssumeNotFoundAs404(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
		iamtest.Error(w, http.StatusNotFound, "BXNIM0532E", "Trusted profile not found.")
	})
	c := &iam.Client{Endpoint: srv.URL}
	_, err := c.Assume(deadline(t, 10*time.Second), iamtest.Valid(time.Hour), "kp-rotator", account)
	require.Error(t, err)
	assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Refused}), "%#v", err)
	assert.Contains(t, err.Error(), "IAM found no trusted profile 'kp-rotator': HTTP 404")
	assert.Equal(t, 1, srv.Calls(), "a refusal is not tried again")
}

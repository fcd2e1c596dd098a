package kms

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/httpcall"
)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestListFollowsNextURLAndKeepsOnlyKeyProtectAndHPCS(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	got, err := rc.client().List(ctxFor(t, 5*time.Second))
	require.NoError(t, err)

	// 7 records, 2 a page: 4 pages, each asked with the limit and the page's start.
	require.Equal(t, 4, rc.calls())
	assert.Equal(t, "/v2/resource_instances", rc.reqs[0].URL.Path)
	assert.Equal(t, "100", rc.reqs[0].URL.Query().Get("limit"))
	assert.Empty(t, rc.reqs[0].URL.Query().Get("start"))
	assert.Equal(t, "6", rc.reqs[3].URL.Query().Get("start"))

	var names []string
	for _, i := range got {
		names = append(names, i.Name+"/"+i.Region+"/"+i.Service)
	}
	assert.Equal(t, []string{"my-hpcs/us-east/hs-crypto", "my-kp/us-south/kms", "shared/eu-de/kms", "shared/jp-tok/kms"}, names,
		"sorted by name then region; other services left out")

	hpcs := got[0]
	assert.Equal(t, Instance{
		Name: "my-hpcs", GUID: guidHPCS, Service: HPCS, Region: "us-east", ResourceGroupID: "rg-us-east",
		CRN: "crn:v1:bluemix:public:hs-crypto:us-east:a/" + testAccount + ":" + guidHPCS + "::",
		Endpoints: Endpoints{
			Public:  "https://api.us-east.hs-crypto.cloud.ibm.com:9730",
			Private: "https://api.private.us-east.hs-crypto.cloud.ibm.com:9730",
		},
	}, hpcs)
	assert.Equal(t, Endpoints{}, got[1].Endpoints, "a Key Protect instance without extensions.endpoints")
	assert.Equal(t, "https://private.jp-tok.kms.cloud.ibm.com", got[3].Endpoints.Private)

	for _, r := range rc.reqs {
		assert.Equal(t, "Bearer "+rc.token, r.Header.Get("Authorization"), "the token without a doubled Bearer")
	}
}

func TestListOfAnEmptyAccount(t *testing.T) {
	rc := newFakeRC(t)
	got, err := rc.client().List(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.Equal(t, 1, rc.calls())
}

func TestByNameAsksByNameAndMatchesExactly(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	rc.page = 1
	got, err := rc.client().ByName(ctxFor(t, 5*time.Second), "shared")
	require.NoError(t, err)
	require.Len(t, got, 2, "the PostgreSQL instance of the same name does not count")
	assert.Equal(t, []string{guidKP2, guidKP3}, []string{got[0].GUID, got[1].GUID})
	require.Equal(t, 3, rc.calls(), "every page of the name's matches")
	for _, r := range rc.reqs {
		assert.Equal(t, "shared", r.URL.Query().Get("name"), "next_url keeps the name")
	}
}

func TestGetByGUID(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	c := rc.client()

	got, err := c.Get(ctxFor(t, 5*time.Second), strings.ToUpper(guidHPCS))
	require.NoError(t, err)
	assert.Equal(t, "my-hpcs", got.Name)
	assert.Equal(t, "/v2/resource_instances/"+guidHPCS, rc.reqs[0].URL.Path, "asked in lower case")

	_, err = c.Get(ctxFor(t, 5*time.Second), guidCOS)
	require.ErrorIs(t, err, &Error{Kind: NotKMS})
	assert.Contains(t, err.Error(), "cloud-object-storage")

	_, err = c.Get(ctxFor(t, 5*time.Second), "99999999-aaaa-4bbb-8ccc-000000000009")
	require.ErrorIs(t, err, &Error{Kind: NotFound})
	assert.Contains(t, err.Error(), "kp-token instances")
}

func TestGetOfAnInstanceBeingDeleted(t *testing.T) {
	r := record("gone", KeyProtect, "us-south", guidKP1, nil)
	r["state"] = "pending_reclamation"
	rc := newFakeRC(t, r, record("gone", KeyProtect, "eu-gb", guidKP2, nil))

	_, err := rc.client().Get(ctxFor(t, 5*time.Second), guidKP1)
	require.ErrorIs(t, err, &Error{Kind: Deleted})
	assert.Contains(t, err.Error(), "pending_reclamation")

	got, err := rc.client().ByName(ctxFor(t, 5*time.Second), "gone")
	require.NoError(t, err)
	require.Len(t, got, 1, "an instance being deleted does not make the name ambiguous")
	assert.Equal(t, guidKP2, got[0].GUID)
}

func TestStatusesAreSortedAndOnlyOutagesRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		kind   Kind
		calls  int
		says   string
	}{
		{401, Unauthorized, 1, "ibmcloud login"},
		{403, Forbidden, 1, "Viewer role"},
		{404, NotFound, 1, "kp-token instances"},
		{400, Refused, 1, "HTTP 400"},
		{429, Unavailable, 4, "Try again later"},
		{500, Unavailable, 4, "HTTP 500 RC-500 boom"},
		{502, Unavailable, 4, "Try again later"},
		{503, Unavailable, 4, "Try again later"},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			rc := newFakeRC(t, estate()...)
			rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				rcError(w, tc.status, "RC-"+strconv.Itoa(tc.status), "boom")
				return true
			}
			_, err := rc.client().Get(ctxFor(t, 5*time.Second), guidKP1)
			require.ErrorIs(t, err, &Error{Kind: tc.kind})
			assert.Equal(t, tc.calls, rc.calls())
			assert.Contains(t, err.Error(), tc.says)
		})
	}
}

func TestRetriesUntilTheResourceControllerAnswers(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	rc.fail = func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n <= 2 {
			rcError(w, 503, "RC-503", "busy")
			return true
		}
		return false
	}
	got, err := rc.client().List(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Len(t, got, 4)
	assert.Equal(t, 6, rc.calls(), "two failures, then four pages")
}

func TestRetryAfterIsHonoured(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	rc.fail = func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			rcError(w, 429, "RC-429", "slow down")
			return true
		}
		return false
	}
	start := time.Now()
	_, err := rc.client().Get(ctxFor(t, 5*time.Second), guidKP1)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "waited as Retry-After asked")
	assert.Equal(t, 2, rc.calls())
}

func TestRetryAfterBeyondTheDeadlineFailsAtOnce(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		w.Header().Set("Retry-After", "60")
		rcError(w, 429, "RC-429", "slow down")
		return true
	}
	start := time.Now()
	_, err := rc.client().Get(ctxFor(t, 20*time.Second), guidKP1)
	require.ErrorIs(t, err, &Error{Kind: Unavailable})
	// Neither the 60 s asked for nor the 20 s left: a wait that cannot succeed is not begun.
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Equal(t, 1, rc.calls())
}

func TestAResetConnectionIsRetried(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	rc.fail = func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // a RST, not a FIN
			}
			_ = conn.Close()
			return true
		}
		return false
	}
	got, err := rc.client().Get(ctxFor(t, 5*time.Second), guidKP1)
	require.NoError(t, err)
	assert.Equal(t, "my-kp", got.Name)
	assert.Equal(t, 2, rc.calls())
}

func TestTheDeadlineBoundsEveryCall(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	rc.fail = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		return true
	}
	c := rc.client()
	c.Bound = 300 * time.Millisecond
	start := time.Now()
	_, err := c.List(ctxFor(t, c.Bound))
	require.ErrorIs(t, err, &Error{Kind: Timeout})
	// Two seconds for a loaded machine's scheduling; the server would hold on for a minute.
	assert.Less(t, time.Since(start), c.Bound+2*time.Second)
	assert.Contains(t, err.Error(), "did not answer within 300ms")

	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	before := rc.calls()
	_, err = c.Get(ctx, guidKP1)
	require.ErrorIs(t, err, &Error{Kind: NoTimeLeft})
	assert.Equal(t, before, rc.calls(), "not asked when no time is left")
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	c := &Client{Getenv: func(k string) string { return "http://" + addr }, Token: "tok"}
	_, err = c.List(ctxFor(t, 5*time.Second))
	require.ErrorIs(t, err, &Error{Kind: Unreachable})
	assert.Contains(t, err.Error(), "Cannot reach the Resource Controller at 'http://"+addr+"'")
	assert.Contains(t, err.Error(), "refused")
}

func TestRedirectsAndForeignNextURLsAreNotFollowed(t *testing.T) {
	elsewhere := newFakeRC(t, estate()...)
	t.Run("redirect", func(t *testing.T) {
		rc := newFakeRC(t, estate()...)
		rc.fail = func(w http.ResponseWriter, r *http.Request, _ int) bool {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
			return true
		}
		_, err := rc.client().Get(ctxFor(t, 5*time.Second), guidKP1)
		require.ErrorIs(t, err, &Error{Kind: BadAnswer})
		assert.Equal(t, 1, rc.calls())
	})
	for name, next := range map[string]string{
		"another host":   elsewhere.URL + "/v2/resource_instances?start=2",
		"another scheme": "https://" + strings.TrimPrefix(elsewhere.URL, "http://") + "/v2/resource_instances?start=2",
		"user info":      "http://user@" + strings.TrimPrefix(elsewhere.URL, "http://") + "/v2/resource_instances",
		"relative":       "v2/resource_instances?start=2",
		"itself":         "/v2/resource_instances?limit=100",
	} {
		t.Run(name, func(t *testing.T) {
			rc := newFakeRC(t, estate()...)
			rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"rows_count":0,"resources":[],"next_url":"` + next + `"}`))
				return true
			}
			_, err := rc.client().List(ctxFor(t, 5*time.Second))
			require.ErrorIs(t, err, &Error{Kind: BadAnswer})
		})
	}
	assert.Zero(t, elsewhere.calls(), "the token went nowhere else")
}

func TestNextURLKeepsTheEndpointsPathPrefix(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	proxy := httptest.NewServer(http.StripPrefix("/rc", rc.Config.Handler))
	t.Cleanup(proxy.Close)
	c := rc.client()
	c.Getenv = func(string) string { return proxy.URL + "/rc/" }
	got, err := c.List(ctxFor(t, 5*time.Second))
	require.NoError(t, err)
	assert.Len(t, got, 4)
	assert.Equal(t, 4, rc.calls())
}

func TestAnswersThatAreNotRecords(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":       `<html>portal</html>`,
		"no resources":   `{"rows_count":0}`,
		"over 1 MiB":     `{"resources":[],"pad":"` + strings.Repeat("x", httpcall.MaxAnswer) + `"}`,
		"cut short JSON": `{"resources":[`,
	} {
		t.Run(name, func(t *testing.T) {
			rc := newFakeRC(t, estate()...)
			rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
				return true
			}
			_, err := rc.client().List(ctxFor(t, 5*time.Second))
			require.ErrorIs(t, err, &Error{Kind: BadAnswer})
			assert.Equal(t, 1, rc.calls(), "not retried")
			assert.Contains(t, err.Error(), EnvRCEndpoint)
		})
	}
	t.Run("a record of exactly 1 MiB is read", func(t *testing.T) {
		rec := record("big", KeyProtect, "us-south", guidKP1, nil)
		rec["pad"] = ""
		b := mustJSON(t, rec)
		rec["pad"] = strings.Repeat("x", httpcall.MaxAnswer-len(b))
		rc := newFakeRC(t)
		rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			b := mustJSON(t, rec)
			require.Len(t, b, httpcall.MaxAnswer)
			_, _ = w.Write(b)
			return true
		}
		got, err := rc.client().Get(ctxFor(t, 5*time.Second), guidKP1)
		require.NoError(t, err)
		assert.Equal(t, "big", got.Name)
	})
	t.Run("a record whose guid is not its CRN's", func(t *testing.T) {
		rec := record("odd", KeyProtect, "us-south", guidKP1, nil)
		rec["guid"] = guidKP2
		rc := newFakeRC(t, rec)
		rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			_, _ = w.Write(mustJSON(t, rec))
			return true
		}
		_, err := rc.client().Get(ctxFor(t, 5*time.Second), guidKP1)
		require.ErrorIs(t, err, &Error{Kind: BadAnswer})
	})
}

func TestTheTokenIsInNoErrorAndNoTrace(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	trace := filepath.Join(t.TempDir(), "trace.log")
	rc.fail = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 {
			// A server that echoes what it was sent, in its error and in a header.
			w.Header().Set("X-Echo", r.Header.Get("Authorization"))
			rcError(w, 503, r.Header.Get("Authorization"), "token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+" refused")
			return true
		}
		if n == 2 {
			rcError(w, 401, "RC-401", "bad token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			return true
		}
		return false
	}
	for _, token := range []string{rc.token, "opaque-access-token-0123456789"} {
		rc.mu.Lock()
		rc.reqs = nil
		rc.mu.Unlock()
		rc.token = token
		c := rc.client()
		c.Trace = trace
		_, err := c.Get(ctxFor(t, 5*time.Second), guidKP1)
		require.ErrorIs(t, err, &Error{Kind: Unauthorized})
		assert.NotContains(t, err.Error(), token)
		assert.Contains(t, err.Error(), httpcall.Hidden)

		b, err := os.ReadFile(trace)
		require.NoError(t, err)
		assert.NotContains(t, string(b), token)
		assert.Contains(t, string(b), "REQUEST:")
		assert.Contains(t, string(b), "RESPONSE:")
		assert.Contains(t, string(b), "/v2/resource_instances/"+guidKP1)
	}
}

func TestTheResourceControllersEndpoint(t *testing.T) {
	none := func(string) string { return "" }
	for _, tc := range []struct {
		name  string
		cloud Cloud
		env   string
		want  string
		kind  Kind
	}{
		{"public", Cloud{}, "", "https://resource-controller.cloud.ibm.com", 0},
		{"public, named", Cloud{Name: "bluemix", Type: "public", Region: "eu-de"}, "", "https://resource-controller.cloud.ibm.com", 0},
		{"private", Cloud{Name: "bluemix", Type: "public", Region: "eu-de", Private: true}, "", "https://private.eu-de.resource-controller.cloud.ibm.com", 0},
		{"private from a VPC", Cloud{Name: "bluemix", Type: "public", Private: true, VPC: true}, "", "https://private.resource-controller.cloud.ibm.com", 0},
		{"staging", Cloud{Name: "staging", Type: "public"}, "", "https://resource-controller.test.cloud.ibm.com", 0},
		{"private without a region", Cloud{Name: "bluemix", Private: true}, "", "", NoRCEndpoint},
		{"private with an odd region", Cloud{Name: "bluemix", Private: true, Region: "eu-de.evil.example/"}, "", "", NoRCEndpoint},
		{"another cloud", Cloud{Name: "dedicated-x", Type: "dedicated"}, "", "", NoRCEndpoint},
		{"override", Cloud{Private: true}, "https://rc.example.com:8443/", "https://rc.example.com:8443", 0},
		{"override not a URL", Cloud{}, "rc.example.com", "", BadURL},
		{"override with a user", Cloud{}, "https://me:pw@rc.example.com", "", BadURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := none
			if tc.env != "" {
				getenv = func(k string) string {
					if k == EnvRCEndpoint {
						return tc.env
					}
					return ""
				}
			}
			got, err := ResourceControllerEndpoint(tc.cloud, getenv)
			if tc.kind != 0 {
				require.ErrorIs(t, err, &Error{Kind: tc.kind})
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := ResourceControllerEndpoint(Cloud{Private: true}, none)
	assert.Contains(t, err.Error(), "ibmcloud target -r REGION")
	_, err = ResourceControllerEndpoint(Cloud{}, func(string) string { return "ftp://x" })
	assert.Contains(t, err.Error(), EnvRCEndpoint+" is set to 'ftp://x'")
	var e *Error
	require.True(t, errors.As(err, &e))
}

// A list that is not there (a wrong override, a proxy's 404) is not "no such name".
func TestAMissingListIsNotAMissingName(t *testing.T) {
	rc := newFakeRC(t, estate()...)
	rc.fail = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		http.NotFound(w, nil)
		return true
	}
	_, err := rc.client().ByName(ctxFor(t, 5*time.Second), "my-kp")
	require.ErrorIs(t, err, &Error{Kind: BadAnswer})
	assert.Contains(t, err.Error(), EnvRCEndpoint)
}

package iam_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// A secret IAM echoes back URL-encoded is hidden in the message as the trace hides it: raw and
// query-escaped, in the error code and in the words.
func TestIAMsWordsNeverCarryTheSecretEncoded(t *testing.T) {
	t.Parallel()
	const key = "Secret+Key/0123456789=?&abc"
	const cr = "cr+token/0123456789=="
	srv := iamtest.NewServer()
	defer srv.Close()
	srv.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		sent := r.PostForm.Get("apikey") + r.PostForm.Get("cr_token")
		iamtest.Error(w, 400, "BXNIM0415E"+url.QueryEscape(sent), "Not found: "+url.QueryEscape(sent)+" raw: "+sent)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := &iam.Client{Endpoint: srv.URL, Bound: 5 * time.Second}
	_, err := c.APIKey(ctx, key)
	require.Error(t, err)
	_, err2 := c.ContainerToken(ctx, cr, "Profile-0123")
	require.Error(t, err2)
	for _, got := range []struct{ text, secret string }{{err.Error(), key}, {err2.Error(), cr}} {
		assert.NotContains(t, got.text, got.secret)
		assert.NotContains(t, got.text, url.QueryEscape(got.secret))
		assert.NotContains(t, got.text, "0123456789", "no part of the secret")
		assert.Contains(t, got.text, "Not found")
	}
}

package iam

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// A token whose exp is beyond any real date (here math.MaxInt64) is no usable answer, not one
// that "has already passed" in the year 292277026596; and what the metadata service answered is
// the metadata service's, not IAM's (issue 19, item 7).
func TestCheckTellsAnImpossibleExpiryAndWhoIssued(t *testing.T) {
	huge := iamtest.JWT(iamtest.Claims{Override: map[string]any{"exp": int64(math.MaxInt64)}})
	past := iamtest.JWT(iamtest.Claims{IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})
	c := &Client{Endpoint: "http://169.254.169.254"}
	for _, tc := range []struct {
		grant Grant
		jwt   string
		kind  Kind
		want  string
	}{
		{GrantRefreshToken, huge, BadAnswer, "IAM at 'http://169.254.169.254' did not answer with a usable access token."},
		{GrantComputeResource, huge, BadAnswer, "The metadata service at 'http://169.254.169.254' did not answer with a usable access token."},
		{GrantComputeResource, "not-a-jwt", BadAnswer, "The metadata service at 'http://169.254.169.254' did not answer with a usable access token."},
		{GrantComputeResource, past, AnswerExpired, "The metadata service at 'http://169.254.169.254' issued a token that expires at "},
		{GrantAPIKey, past, AnswerExpired, "IAM at 'http://169.254.169.254' issued a token that expires at "},
	} {
		_, err := c.check(tc.grant, tc.jwt)
		var e *Error
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Equal(t, tc.kind, e.Kind)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), "292277026596")
	}
}

// The metadata service never asked because the run's time went on waiting: its name, not IAM's.
func TestNoTimeLeftNamesTheMetadataService(t *testing.T) {
	err := &Error{Kind: NoTimeLeft, Grant: GrantComputeResource, Endpoint: "http://169.254.169.254", Bound: 5 * time.Second}
	assert.Contains(t, err.Error(), "The metadata service at 'http://169.254.169.254' was not called: the 5s this run had went on waiting")
	err.Grant = GrantAPIKey
	assert.Contains(t, err.Error(), "IAM at 'http://169.254.169.254' was not called")
}

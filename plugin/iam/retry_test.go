package iam

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Duration(0), parseRetryAfter("", now))
	assert.Equal(t, 3*time.Second, parseRetryAfter("3", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("-3", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("soon", now))
	assert.Equal(t, 90*time.Second, parseRetryAfter("Mon, 23 Nov 2026 12:01:30 GMT", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("Mon, 23 Nov 2026 11:00:00 GMT", now), "a date in the past")
}

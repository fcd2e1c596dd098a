package token_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/common/types"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/token"
)

func TestIsJWT(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"a.b.c", true},
		{"eyJh-_0.eyJ9.sig_-", true},
		{"", false},
		{"a.b", false},
		{"a.b.c.d", false},
		{".b.c", false},
		{"a..c", false},
		{"a.b.", false},
		{"a.b.c=", false},
		{"a.b.c\n", false},
		{"a.b.c'", false},
		{"x'$(touch f)'.b.c", false},
		{"a.b.c d", false},
		{"a.b.c`id`", false},
		{"a.b+/.c", false},
		{"Bearer a.b.c", false},
		{"a.b.é", false},
	} {
		assert.Equal(t, tc.want, token.IsJWT(tc.in), "%q", tc.in)
	}
}

func TestParse(t *testing.T) {
	exp := time.Now().Add(42 * time.Minute).Truncate(time.Second)
	jwt := iamtest.JWT(iamtest.Claims{ExpiresAt: exp, Email: "a@example.com"})

	for _, in := range []string{"Bearer " + jwt, jwt} {
		tok, err := token.Parse(in)
		require.NoError(t, err)
		assert.Equal(t, jwt, tok.JWT)
		assert.Equal(t, "Bearer "+jwt, tok.Bearer())
		assert.True(t, exp.Equal(tok.Expiry), "expiry %v", tok.Expiry)
		assert.Equal(t, "a@example.com", tok.Claims().UserEmail)
	}

	for _, bad := range []string{"", "Bearer", "Bearer ", "bearer " + jwt, "Bearer  " + jwt, "Bearer x'$(touch f)'", "Bearer " + jwt + "\nexport X=1"} {
		_, err := token.Parse(bad)
		assert.ErrorIs(t, err, token.ErrMalformed, "%q", bad)
		if err != nil {
			assert.NotContains(t, err.Error(), "touch", "an error never repeats the value")
		}
	}
}

func TestValidFor(t *testing.T) {
	now := time.Now()
	tok, err := token.Parse(iamtest.JWT(iamtest.Claims{IssuedAt: now.Add(-50 * time.Minute), ExpiresAt: now.Add(10 * time.Minute)}))
	require.NoError(t, err)
	assert.True(t, tok.ValidFor(5*time.Minute, now))
	assert.False(t, tok.ValidFor(10*time.Minute, now), "exactly at the limit is not enough")
	assert.False(t, tok.ValidFor(15*time.Minute, now))

	noClaims, err := token.Parse("a.b.c")
	require.NoError(t, err, "grammar only")
	assert.False(t, noClaims.ValidFor(0, now), "a token whose claims do not decode is treated as expired")
}

// Parse reads exp and iat exactly as the SDK's full decoder does, whatever shape they come in.
func TestParseReadsTimesAsTheSDKDoes(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, payload := range []string{
		`{"exp":1795000000,"iat":1794996400}`,
		`{"exp":1795000000.5,"iat":1794996400}`,
		`{"exp":"1795000000"}`,
		`{"exp":null}`,
		`{"iat":1794996400}`,
		`{}`,
		`not json`,
	} {
		tok, err := token.Parse(enc(`{"alg":"RS256"}`) + "." + enc(payload) + ".c2ln")
		require.NoError(t, err)
		c := tok.Claims()
		assert.True(t, c.Expiry.Equal(tok.Expiry), "%s: exp %v, the SDK says %v", payload, tok.Expiry, c.Expiry)
		assert.True(t, c.IssueAt.Equal(tok.IssuedAt), "%s: iat %v, the SDK says %v", payload, tok.IssuedAt, c.IssueAt)
	}
}

// reference is what encoding/json makes of the claims Parse and Account read: the SDK's types.
func reference(payload []byte) (exp, iat time.Time, account string) {
	var claims struct {
		Expiry  types.UnixTime `json:"exp"`
		IssueAt types.UnixTime `json:"iat"`
	}
	if json.Unmarshal(payload, &claims) == nil {
		exp, iat = claims.Expiry.Time(), claims.IssueAt.Time()
	}
	var acct struct {
		Account struct {
			BSS string `json:"bss"`
		} `json:"account"`
	}
	if json.Unmarshal(payload, &acct) == nil {
		account = acct.Account.BSS
	}
	return exp, iat, account
}

var payloads = []string{
	`{"exp":1796680603,"iat":1796677003,"account":{"bss":"0123"}}`, `{}`, `null`, `[]`, `{"exp":null}`,
	`{"exp":"1796680603"}`, `{"exp":1.5e9}`, `{"EXP":5,"Iat":-3}`, `{"exp":1,"exp":2}`, `{"exp":99999999999999999999}`,
	`{"account":null}`, `{"account":"x"}`, `{"account":{"bss":7}}`, `{"account":{"BSS":"\u0041b"}}`, `{"exp":1,"account":{"bss":"a"},"x":[{}]}`,
	`{"exp":1`, `{"iat":2,"other":true}`,
}

func TestClaimsReadAsEncodingJSONReadsThem(t *testing.T) {
	for _, p := range payloads {
		checkClaims(t, []byte(p))
	}
}

func checkClaims(t *testing.T, payload []byte) {
	t.Helper()
	if len(payload) == 0 {
		return // no JWT: an empty part
	}
	jwt := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"
	got, err := token.Parse(jwt)
	require.NoError(t, err)
	exp, iat, account := reference(payload)
	assert.True(t, exp.Equal(got.Expiry) && exp.IsZero() == got.Expiry.IsZero(), "exp of %s: %v, want %v", payload, got.Expiry, exp)
	assert.True(t, iat.Equal(got.IssuedAt) && iat.IsZero() == got.IssuedAt.IsZero(), "iat of %s: %v, want %v", payload, got.IssuedAt, iat)
	assert.Equal(t, account, got.Account(), "account of %s", payload)
}

func FuzzClaims(f *testing.F) {
	for _, p := range payloads {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, payload []byte) { checkClaims(t, payload) })
}

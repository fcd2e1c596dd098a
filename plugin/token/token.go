// Package token checks IAM access tokens before anything prints them.
//
// A token comes from a file the user (or anything else) can edit, or from a server. It is
// printed into text that a shell evaluates, so it must match the grammar of a JWT exactly:
// three non-empty base64url parts separated by dots, optionally after "Bearer ".
package token

import (
	"errors"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"

	"github.com/kp-token/kp-token/plugin/jsonfields"
)

// BearerPrefix is how the CLI stores the access token in config.json.
const BearerPrefix = "Bearer "

// ErrMalformed means the value is not a JWT; the value itself is never part of an error.
var ErrMalformed = errors.New("not a well-formed JWT")

// Token is a checked access token.
type Token struct {
	JWT      string    // header.payload.signature, without the Bearer prefix
	Expiry   time.Time // zero when the claims carry no exp or do not decode
	IssuedAt time.Time // zero when the claims carry no iat or do not decode
	account  string    // the account.bss claim, read with the others
}

// Parse checks value ("Bearer x.y.z" or "x.y.z") and reads when it was issued and expires, as
// the SDK's decoder reads them. It does not verify the signature: IAM does that when the token
// is used. Only exp, iat and the account are read here, without reflection (jsonfields): this
// runs at every shell start, and decoding every claim into the SDK's struct costs a tenth of a
// millisecond that env does not need (Claims decodes them all).
func Parse(value string) (Token, error) {
	jwt := strings.TrimPrefix(value, BearerPrefix)
	if !IsJWT(jwt) {
		return Token{}, ErrMalformed
	}
	t := Token{JWT: jwt}
	payload, err := core_config.DecodeAccessToken(jwt)
	if err != nil {
		return t, nil
	}
	// One walk of the claims reads exp and iat as encoding/json decodes them into
	// types.UnixTime fields (absent is the zero time, null the epoch; neither when either does
	// not decode), and the account as it decodes {"account": {"bss": …}} (apart: a claim of
	// another shape costs neither the other).
	var exp, iat claim
	var timeErr, accountErr error
	err = jsonfields.Members(payload, func(key string, raw []byte) bool {
		switch {
		case strings.EqualFold(key, "exp"):
			timeErr = exp.decode(raw, timeErr)
		case strings.EqualFold(key, "iat"):
			timeErr = iat.decode(raw, timeErr)
		case strings.EqualFold(key, "account") && accountErr == nil && !jsonfields.Null(raw):
			accountErr = account(raw, &t.account)
		}
		return true
	})
	if err != nil || accountErr != nil {
		t.account = ""
	}
	if err == nil && timeErr == nil {
		if exp.set {
			t.Expiry = time.Unix(exp.seconds, 0)
		}
		if iat.set {
			t.IssuedAt = time.Unix(iat.seconds, 0)
		}
	}
	return t, nil
}

// claim is a time claim as read: its seconds, and whether it was there.
type claim struct {
	seconds int64
	set     bool
}

// decode reads raw into c, unless an earlier claim failed (prev): then nothing counts.
func (c *claim) decode(raw []byte, prev error) error {
	if prev != nil {
		return prev
	}
	c.seconds, c.set = 0, true
	if jsonfields.Null(raw) {
		return nil
	}
	var err error
	c.seconds, err = jsonfields.Int64(raw)
	return err
}

// account reads {"bss": …} into bss; an object without one leaves bss as it was, as
// encoding/json leaves a field.
func account(raw []byte, bss *string) error {
	if raw[0] != '{' {
		return errors.New("the account claim is not an object")
	}
	var err error
	if walkErr := jsonfields.Nested(raw, func(key string, raw []byte) bool {
		if strings.EqualFold(key, "bss") && !jsonfields.Null(raw) {
			*bss, err = jsonfields.String(raw)
		}
		return err == nil
	}); walkErr != nil {
		return walkErr
	}
	return err
}

// Account is the account's ID (the account.bss claim), "" when there is none or it does not
// decode (--instance keeps its instances per account).
func (t Token) Account() string { return t.account }

// Claims decodes every claim with the SDK's decoder (iam_id, email, account, sub_type…).
func (t Token) Claims() core_config.IAMTokenInfo { return core_config.NewIAMTokenInfo(t.JWT) }

// Bearer returns the value with its "Bearer " prefix.
func (t Token) Bearer() string { return BearerPrefix + t.JWT }

// Value is the token as printed: with the Bearer prefix, or the bare JWT.
func (t Token) Value(bearer bool) string {
	if bearer {
		return t.Bearer()
	}
	return t.JWT
}

// ValidFor reports whether the token is still valid for at least d after now. A token without
// an exp claim, or whose claims do not decode, is treated as expired.
func (t Token) ValidFor(d time.Duration, now time.Time) bool {
	if t.Expiry.IsZero() {
		return false
	}
	return t.Expiry.Sub(now) > d
}

// IsJWT reports whether s is three non-empty base64url parts (A–Z a–z 0–9 - _) joined by dots.
// It is written as a byte loop rather than a regexp: it runs at every shell start.
func IsJWT(s string) bool {
	parts, partLen := 1, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			partLen++
		case c == '.':
			if partLen == 0 {
				return false
			}
			parts++
			partLen = 0
		default:
			return false
		}
	}
	return parts == 3 && partLen > 0
}

// Package token checks IAM access tokens before anything prints them.
//
// A token comes from a file the user (or anything else) can edit, or from a server. It is
// printed into text that a shell evaluates, so it must match the grammar of a JWT exactly:
// three non-empty base64url parts separated by dots, optionally after "Bearer ".
package token

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/common/types"
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
}

// Parse checks value ("Bearer x.y.z" or "x.y.z") and reads when it was issued and expires, as
// the SDK's decoder reads them. It does not verify the signature: IAM does that when the token
// is used. Only exp and iat are decoded here: this runs at every shell start, and decoding
// every claim into the SDK's struct costs a tenth of a millisecond that env does not need
// (Claims decodes them all).
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
	var claims struct {
		Expiry  types.UnixTime `json:"exp"`
		IssueAt types.UnixTime `json:"iat"`
	}
	if json.Unmarshal(payload, &claims) == nil {
		t.Expiry, t.IssuedAt = claims.Expiry.Time(), claims.IssueAt.Time()
	}
	return t, nil
}

// Account is the account's ID (the account.bss claim), "" when there is none; decoded when
// asked (--instance), apart from the other claims: one of another shape does not cost it.
func (t Token) Account() string {
	payload, err := core_config.DecodeAccessToken(t.JWT)
	if err != nil {
		return ""
	}
	var claims struct {
		Account struct {
			BSS string `json:"bss"`
		} `json:"account"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Account.BSS
}

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

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
)

// BearerPrefix is how the CLI stores the access token in config.json.
const BearerPrefix = "Bearer "

// ErrMalformed means the value is not a JWT; the value itself is never part of an error.
var ErrMalformed = errors.New("not a well-formed JWT")

// Token is a checked access token.
type Token struct {
	JWT    string    // header.payload.signature, without the Bearer prefix
	Expiry time.Time // zero when the claims carry no exp
	Claims core_config.IAMTokenInfo
}

// Parse checks value ("Bearer x.y.z" or "x.y.z") and decodes its claims with the SDK's
// decoder. It does not verify the signature: IAM does that when the token is used.
func Parse(value string) (Token, error) {
	jwt := strings.TrimPrefix(value, BearerPrefix)
	if !IsJWT(jwt) {
		return Token{}, ErrMalformed
	}
	info := core_config.NewIAMTokenInfo(jwt)
	return Token{JWT: jwt, Expiry: info.Expiry, Claims: info}, nil
}

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

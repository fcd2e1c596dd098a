package i18n_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTermsAreConsistent: one word for one thing in each locale, the word IBM's console uses
// (issue 19 item 16).
func TestTermsAreConsistent(t *testing.T) {
	for _, tc := range []struct{ locale, banned, why string }{
		{"ja_JP", `閲覧者`, "the console's role is ビューアー"},
		{"ja_JP", `信頼プロファイル`, "the console says 信頼できるプロファイル"},
		{"ko_KR", `instances'에서`, "a sentence with no subject"},
		{"zh_Hans", `[^速]缓存`, "cached is 高速缓存 everywhere else"},
		{"zh_Hant", `過期`, "expired is 到期 everywhere else"},
	} {
		data, err := os.ReadFile("resources/all." + tc.locale + ".json")
		require.NoError(t, err)
		assert.Empty(t, regexp.MustCompile(tc.banned).FindAllString(string(data), -1), "%s: %s", tc.locale, tc.why)
	}
}

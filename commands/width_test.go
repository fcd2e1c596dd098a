package commands

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/token"
)

// gap is where padding ends: at least three spaces (a label or header has single spaces).
var gap = regexp.MustCompile(` {3,}`)

// valueColumns is the display column at which each cell after the first starts, line by line.
func valueColumns(out string) [][]int {
	var cols [][]int
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var c []int
		for _, m := range gap.FindAllStringIndex(line, -1) {
			c = append(c, displayWidth(line[:m[1]]))
		}
		cols = append(cols, c)
	}
	return cols
}

// TestTablesAlignByDisplayWidth: in ja, ko and zh a wide character takes two columns, and
// every value still starts in the same column, in show and in instances (issue 19 item 14).
// Not parallel: it switches the process's locale.
func TestTablesAlignByDisplayWidth(t *testing.T) {
	t.Setenv("IBMCLOUD_COLOR", "false")
	defer i18n.Init("")
	now := time.Unix(1_700_000_000, 0)
	tok := token.Token{IssuedAt: now.Add(-10 * time.Minute), Expiry: now.Add(50 * time.Minute)}
	s := SessionJSON{
		TokenSource: token.FromSession, Name: "山田太郎", Email: "taro@example.com", IAMID: "IBMid-0000",
		AccountID: "acc", IAMEndpoint: "https://iam.cloud.ibm.com", IAMEndpointType: token.EndpointPublic,
		Region: "jp-tok", Login: LoginSSO, RenewsAt: "https://iam.cloud.ibm.com", RefreshTokenHeld: true,
		Instance: &InstanceJSON{Name: "鍵の保管庫", GUID: "g-1", Service: "kms", Region: "jp-tok", URL: "https://jp-tok.kms.cloud.ibm.com"},
	}
	list := []*InstanceJSON{
		{Name: "鍵の保管庫", Service: "kms", Region: "jp-tok", GUID: "g-1", URL: "https://jp-tok.kms.cloud.ibm.com", ResourceGroupID: "グループ"},
		{Name: "kp", Service: "hs-crypto", Region: "us-south", GUID: "0a1b2c3d-0000-4000-8000-00000000a001", URL: "", ResourceGroupID: "rg"},
		{Name: "키", Service: "kms", Region: "eu-de", GUID: "g", URL: "https://eu-de.kms.cloud.ibm.com", ResourceGroupID: "rg-2"},
	}
	for _, locale := range []string{"en_US", "ja_JP", "ko_KR", "zh_Hans", "zh_Hant"} {
		require.Equal(t, locale, i18n.Init(locale))

		// And a trusted profile's token, assumed (--assume): its rows and the caller's.
		assumed := s
		assumed.TokenSource, assumed.SubjectType, assumed.Name, assumed.Login = token.FromAssume, SubjectTrustedProfile, "鍵の係", LoginAssume
		caller := s
		assumed.OnBehalfOf = &caller
		var b strings.Builder
		for _, session := range []SessionJSON{s, assumed} {
			b.Reset()
			require.NoError(t, writeSession(&b, session, tok, now))
			cols := valueColumns(b.String())
			require.Greater(t, len(cols), 10, "%s: %s", locale, b.String())
			for i, c := range cols {
				require.NotEmpty(t, c, "%s: line %d has no gap:\n%s", locale, i, b.String())
				assert.Equal(t, cols[0][0], c[0], "%s show: line %d's value starts elsewhere:\n%s", locale, i, b.String())
			}
		}

		b.Reset()
		require.NoError(t, writeInstances(&b, list))
		cols := valueColumns(b.String())
		require.Len(t, cols, 1+len(list), "%s: %s", locale, b.String())
		for i, c := range cols {
			assert.Equal(t, cols[0], c, "%s instances: line %d's cells start elsewhere:\n%s", locale, i, b.String())
		}
	}
}

package i18n_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/i18n"
)

// shipped is every locale the IBM Cloud CLI speaks: the SDK ships an all.<locale>.json for
// each, and so does kp-token.
var shipped = []string{"de_DE", "en_US", "es_ES", "fr_FR", "it_IT", "ja_JP", "ko_KR", "pt_BR", "zh_Hans", "zh_Hant"}

// sameAsEnglish lists, per locale, the translations that are deliberately spelt as the English
// ID is: they are that language's own word, or the IBM Cloud term that stays as it is. Every
// other translation must differ from its ID (TestNothingLeftInEnglish). Each entry must still be
// an ID whose translation equals it, so the list cannot go stale. GUID, an instance's, is GUID
// in every language.
var sameAsEnglish = map[string][]string{
	"de_DE": {
		"GUID",
		"NAME:",   // German for name is Name
		"Name",    // idem
		"Region",  // German for region is Region
		"Service", // IBM's German keeps Service (Service-ID, Servicename)
	},
	"es_ES": {"GUID", "no"}, // Spanish no
	"fr_FR": {
		"GUID",
		"1 minute",             // French minute
		"{{.Minutes}} minutes", // French minutes
		"Instance",             // French instance
		"Service",              // French service
		"public",               // French public (of an endpoint)
	},
	"it_IT": {
		"GUID",
		"Endpoint", // IBM's Italian keeps endpoint (endpoint privato)
		"no",       // Italian no
	},
	// The SDK's ja_JP, ko_KR and zh_Hant keep ID as it is ("ID" in its resource files); zh_Hans
	// renders it 标识, as the SDK does.
	"ja_JP":   {"GUID", "IAM ID"},
	"ko_KR":   {"GUID", "IAM ID"},
	"pt_BR":   {"GUID"},
	"zh_Hans": {"GUID"},
	"zh_Hant": {"GUID", "IAM ID"},
}

func TestShippedLocales(t *testing.T) {
	assert.Equal(t, shipped, i18n.Locales())
}

// TestEveryLocaleHasExactlyEnUSIDs holds each file to en_US's IDs: none missing, none extra,
// none twice, no empty translation. encoding/json reads the files here, so a file that only
// i18n's own decoder would accept fails too.
func TestEveryLocaleHasExactlyEnUSIDs(t *testing.T) {
	ref := ids(t, i18n.DefaultLocale)
	for _, l := range shipped {
		t.Run(l, func(t *testing.T) {
			list, err := i18n.Messages(l)
			require.NoError(t, err)
			seen := map[string]bool{}
			var extra, empty []string
			for _, m := range list {
				assert.False(t, seen[m.ID], "%s: ID %q appears twice", l, m.ID)
				seen[m.ID] = true
				if !ref[m.ID] {
					extra = append(extra, m.ID)
				}
				if strings.TrimSpace(m.Translation) == "" {
					empty = append(empty, m.ID)
				}
			}
			var missing []string
			for id := range ref {
				if !seen[id] {
					missing = append(missing, id)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s lacks %d IDs of all.en_US.json; translate them:\n  %s", l, len(missing), strings.Join(missing, "\n  "))
			}
			if len(extra) > 0 {
				t.Errorf("%s has %d IDs that all.en_US.json no longer has; remove them:\n  %s", l, len(extra), strings.Join(extra, "\n  "))
			}
			assert.Empty(t, empty, "%s: empty translations", l)
		})
	}
}

func ids(t *testing.T, locale string) map[string]bool {
	t.Helper()
	list, err := i18n.Messages(locale)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, m := range list {
		out[m.ID] = true
	}
	return out
}

// Verbatim text: what a translation must carry over from its ID unchanged.
var (
	// Quoted text: 'ibmcloud login', '{{.Path}}', 'Bearer ', '--'. A quote opens after the start,
	// a space or a parenthesis, so the apostrophe in "token's" opens nothing.
	quoted = regexp.MustCompile(`(?:^|[\s(])('[^']+')`)
	// Options, with their placeholders: --name, --{{.Flag}}, --apikey.
	option = regexp.MustCompile(`--(?:[a-z][a-z0-9-]*|\{\{\.\w+\}\})`)
	// Variables, key sources and the like: ACCESS_TOKEN, $IBMCLOUD_API_KEY, @FILE, @-, ~/, PATH.
	identifier = regexp.MustCompile(`\$?\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|@FILE|@-|~/|\bPATH\b|\bHOME\b|\bJSON\b`)
)

// verbatim lists every piece of id a translation must hold unchanged, as many times as id does.
func verbatim(id string) []string {
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(id, -1) {
		out = append(out, m[1])
	}
	out = append(out, placeholdersOf(id)...)
	out = append(out, option.FindAllString(id, -1)...)
	out = append(out, identifier.FindAllString(id, -1)...)
	return out
}

func placeholdersOf(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return out
		}
		out = append(out, s[i:i+j+2])
		s = s[i+j+2:]
	}
}

func TestVerbatimFindsWhatMustStay(t *testing.T) {
	id := "Use the file that 'ibmcloud iam api-key-create NAME --file FILE' writes, the token's --{{.Flag}}, @FILE or $IBMCLOUD_API_KEY; '{{.Path}}' (mode {{.Mode}})."
	assert.ElementsMatch(t, []string{
		"'ibmcloud iam api-key-create NAME --file FILE'", "'{{.Path}}'",
		"{{.Flag}}", "{{.Path}}", "{{.Mode}}",
		"--file", "--{{.Flag}}",
		"@FILE", "$IBMCLOUD_API_KEY",
	}, verbatim(id))
}

// TestTranslationsKeepWhatMustStay: each translation holds its ID's placeholders (exactly, no
// more), its quoted commands and values, options, variables and key sources, unchanged.
func TestTranslationsKeepWhatMustStay(t *testing.T) {
	for _, l := range shipped {
		msgs, err := i18n.Load(l)
		require.NoError(t, err, l)
		for id, tr := range msgs {
			assert.ElementsMatch(t, placeholdersOf(id), placeholdersOf(tr), "%s: the placeholders of %q", l, id)
			want := map[string]int{}
			for _, v := range verbatim(id) {
				want[v]++
			}
			for v, n := range want {
				assert.GreaterOrEqual(t, strings.Count(tr, v), n, "%s: %q must keep %s as it is\n  translation: %s", l, id, v, tr)
			}
		}
	}
}

// english is words that no other shipped language spells alike (not "was", German's what, nor
// "has", Spanish's you have): one of them in a translation, outside what stays verbatim, is
// English left behind.
var english = regexp.MustCompile(`(?i)\b(the|and|is|are|not|with|your|you|cannot|this|that|from|have|been|will|which|then|into|only|any|its|it|of|to|for|by|please|again|run|check)\b`)

func TestEnglishWordsAreFound(t *testing.T) {
	for _, s := range []string{"Log in again.", "Check your network connection", "IAM could not find it", "Try again later."} {
		assert.NotEmpty(t, english.FindString(s), "%q", s)
	}
	for _, s := range []string{"Melden Sie sich erneut an.", "Es wird verwendet, was vor 1h ermittelt wurde.", "Réessayez plus tard.", "Inténtelo de nuevo más tarde.", "Riprovare più tardi.", "Tente novamente mais tarde.", "no", "Nome", "in un file"} {
		assert.Empty(t, english.FindString(s), "%q", s)
	}
}

func TestNothingLeftInEnglish(t *testing.T) {
	for _, l := range shipped {
		if l == i18n.DefaultLocale {
			continue
		}
		t.Run(l, func(t *testing.T) {
			msgs, err := i18n.Load(l)
			require.NoError(t, err)
			same := map[string]bool{}
			for _, id := range sameAsEnglish[l] {
				same[id] = true
				tr, ok := msgs[id]
				assert.True(t, ok, "sameAsEnglish[%s] lists %q, which is no longer an ID", l, id)
				assert.Equal(t, id, tr, "sameAsEnglish[%s] lists %q, which is now translated: drop it from the list", l, id)
			}
			cjk := l == "ja_JP" || l == "ko_KR" || strings.HasPrefix(l, "zh_")
			for id, tr := range msgs {
				if same[id] {
					continue
				}
				assert.NotEqual(t, id, tr, "%s: %q is not translated", l, id)
				rest := tr
				for _, v := range verbatim(id) {
					rest = strings.ReplaceAll(rest, v, " ")
				}
				if w := english.FindString(rest); w != "" {
					t.Errorf("%s: the translation of %q has the English word %q: %s", l, id, w, tr)
				}
				if cjk && !strings.ContainsFunc(rest, func(r rune) bool {
					return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
				}) {
					t.Errorf("%s: the translation of %q has no %s script in it: %s", l, id, l, tr)
				}
			}
		})
	}
}

// TestTermsFollowTheSDK: the words the IBM Cloud CLI prints itself are the SDK's own (its
// i18n/resources/all.<locale>.json), so that a plug-in's FAILED or trace reads as the CLI's.
// One deviation: the SDK's zh_Hans REQUEST: and RESPONSE: are "请求: " and "响应: ", whose
// trailing space doubles the one before the time that follows; kp-token ends them with the
// full-width colon, as the SDK's own 经过时长： does.
func TestTermsFollowTheSDK(t *testing.T) {
	sdk := map[string]map[string]string{
		"FAILED": {
			"de_DE": "FEHLGESCHLAGEN", "es_ES": "ERROR", "fr_FR": "ECHEC", "it_IT": "NON RIUSCITO",
			"ja_JP": "失敗", "ko_KR": "실패", "pt_BR": "COM FALHA", "zh_Hans": "失败", "zh_Hant": "失敗",
		},
		"Elapsed:": {
			"de_DE": "Verstrichen:", "es_ES": "Transcurrido:", "fr_FR": "Ecoulé :", "it_IT": "Trascorso:",
			"ja_JP": "経過:", "ko_KR": "경과 시간:", "pt_BR": "Decorrido:", "zh_Hans": "经过时长：", "zh_Hant": "經歷時間：",
		},
		"REQUEST:": {
			"de_DE": "ANFORDERUNG:", "es_ES": "SOLICITUD:", "fr_FR": "DEMANDE :", "it_IT": "RICHIESTA:",
			"ja_JP": "要求:", "ko_KR": "요청:", "pt_BR": "SOLICITAÇÃO:", "zh_Hans": "请求：", "zh_Hant": "要求：",
		},
		"RESPONSE:": {
			"de_DE": "ANTWORT:", "es_ES": "RESPUESTA:", "fr_FR": "REPONSE :", "it_IT": "RISPOSTA:",
			"ja_JP": "応答:", "ko_KR": "응답:", "pt_BR": "RESPOSTA:", "zh_Hans": "响应：", "zh_Hant": "回應：",
		},
	}
	// The SDK's word for token, in the sentences that name one.
	token := map[string]string{
		"de_DE": "Token", "es_ES": "señal", "fr_FR": "jeton", "it_IT": "token", "ja_JP": "トークン",
		"ko_KR": "토큰", "pt_BR": "token", "zh_Hans": "令牌", "zh_Hant": "記號",
	}
	for _, l := range shipped {
		if l == i18n.DefaultLocale {
			continue
		}
		msgs, err := i18n.Load(l)
		require.NoError(t, err, l)
		for id, want := range sdk {
			assert.Equal(t, want[l], msgs[id], "%s: %q", l, id)
		}
		for _, id := range []string{"Refresh token", "Token source", "Print the token without the 'Bearer ' prefix."} {
			assert.Contains(t, strings.ToLower(msgs[id]), strings.ToLower(token[l]), "%s: %q", l, id)
		}
	}
}

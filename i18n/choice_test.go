package i18n_test

import (
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/i18n"
)

func TestChooseMapsLocaleNames(t *testing.T) {
	for _, tc := range []struct{ candidate, want string }{
		{"ja_JP.UTF-8", "ja_JP"},
		{"ja_JP.eucJP", "ja_JP"},
		{"ja", "ja_JP"},
		{"ko_KR.UTF-8", "ko_KR"},
		{"de_DE@euro", "de_DE"},
		{"de_AT.UTF-8", "de_DE"},
		{"de_CH", "de_DE"},
		{"fr_CA.UTF-8", "fr_FR"},
		{"fr-BE", "fr_FR"},
		{"es_MX.UTF-8", "es_ES"},
		{"it_CH", "it_IT"},
		{"pt", "pt_BR"},
		{"pt_PT.UTF-8", "pt_BR"},
		{"pt_BR.UTF-8", "pt_BR"},
		// Chinese: by script, else by region (the CLI names its locales by script).
		{"zh_CN.UTF-8", "zh_Hans"},
		{"zh_SG", "zh_Hans"},
		{"zh", "zh_Hans"},
		{"zh_TW.UTF-8", "zh_Hant"},
		{"zh_HK.Big5-HKSCS", "zh_Hant"},
		{"zh_MO", "zh_Hant"},
		{"zh_Hans", "zh_Hans"}, // as `ibmcloud config --locale` stores them
		{"zh_Hant", "zh_Hant"},
		{"zh-Hant-HK", "zh_Hant"},
		{"zh-Hans-TW", "zh_Hans"}, // a script given outright wins over the region
		{"en_US.UTF-8", "en_US"},
		{"en_GB.UTF-8", "en_US"},
		{"C", "en_US"},
		{"C.UTF-8", "en_US"},
		{"POSIX", "en_US"},
		{"", "en_US"},
		{"xx_YY", "en_US"},
	} {
		assert.Equal(t, tc.want, i18n.Choose(tc.candidate), "%q", tc.candidate)
	}
	// The first candidate that names a shipped locale wins; C, POSIX, empty and unknown pass.
	assert.Equal(t, "ko_KR", i18n.Choose("", "C.UTF-8", "tlh", "ko_KR.UTF-8", "ja_JP.UTF-8"))
	assert.Equal(t, "en_US", i18n.Choose("en_US", "ja_JP.UTF-8"))
}

// TestInitOrder: the CLI's configured locale, then LC_ALL, LC_MESSAGES and LANG, with the real
// files (TestLocalePrecedence does the same with files of its own).
func TestInitOrder(t *testing.T) {
	for _, tc := range []struct{ config, lcAll, lcMessages, lang, want string }{
		{"ja_JP", "ko_KR.UTF-8", "fr_FR.UTF-8", "de_DE.UTF-8", "ja_JP"},
		{"", "ko_KR.UTF-8", "fr_FR.UTF-8", "de_DE.UTF-8", "ko_KR"},
		{"", "", "fr_FR.UTF-8", "de_DE.UTF-8", "fr_FR"},
		{"", "", "", "zh_TW.UTF-8", "zh_Hant"},
		{"", "C", "POSIX", "pt_BR.UTF-8", "pt_BR"},
		{"", "", "", "C.UTF-8", "en_US"},
		{"", "", "", "", "en_US"},
	} {
		t.Setenv("LC_ALL", tc.lcAll)
		t.Setenv("LC_MESSAGES", tc.lcMessages)
		t.Setenv("LANG", tc.lang)
		assert.Equal(t, tc.want, i18n.Init(tc.config), "%+v", tc)
	}
	i18n.Init(i18n.DefaultLocale)
}

// TestNotLoggedInIsGermanUnderLANG is the package's half of `LANG=de_DE.UTF-8 kp-token env` on
// a logged-out config: the guidance env prints on stderr is the German one. (The binary's
// stdout stays empty then; the plug-in's end-to-end tests hold it to that.)
func TestNotLoggedInIsGermanUnderLANG(t *testing.T) {
	const id = "You are not logged in. Log in by running 'ibmcloud login', or 'ibmcloud login --sso' with a federated ID."
	require.True(t, ids(t, i18n.DefaultLocale)[id], "the not-logged-in message changed: update this test")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "de_DE.UTF-8")
	defer i18n.Init(i18n.DefaultLocale)

	assert.Equal(t, "de_DE", i18n.Init("")) // env's start-up without a config: no CLI locale
	assert.Equal(t, "FEHLGESCHLAGEN", i18n.T("FAILED"))
	assert.Equal(t, "Sie sind nicht angemeldet. Melden Sie sich an, indem Sie 'ibmcloud login' oder mit einer föderierten ID 'ibmcloud login --sso' ausführen.", i18n.T(id))
}

// countingFS records what is listed and read.
type countingFS struct {
	fs.FS
	mu     sync.Mutex
	listed int
	read   []string
}

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.mu.Lock()
	c.listed++
	c.mu.Unlock()
	return fs.ReadDir(c.FS, name)
}

func (c *countingFS) ReadFile(name string) ([]byte, error) {
	c.mu.Lock()
	c.read = append(c.read, name)
	c.mu.Unlock()
	return fs.ReadFile(c.FS, name)
}

func (c *countingFS) Open(name string) (fs.File, error) {
	if !strings.HasSuffix(name, "resources") && name != "." {
		c.mu.Lock()
		c.read = append(c.read, name)
		c.mu.Unlock()
	}
	return c.FS.Open(name)
}

// TestStartUpCostsOneFileAtMost: env runs at every shell start, so choosing a locale lists the
// shipped files only when a candidate names a language other than en_US's, and reads no file
// but the chosen one (none for en_US).
func TestStartUpCostsOneFileAtMost(t *testing.T) {
	for _, tc := range []struct {
		lcAll, lang string
		listed      int
		read        []string
	}{
		{"", "", 0, nil},
		{"C", "POSIX", 0, nil},
		{"", "en_US.UTF-8", 0, nil},
		{"", "C.UTF-8", 0, nil},
		{"", "ja_JP.UTF-8", 1, []string{"resources/all.ja_JP.json"}},
		{"tlh", "zh_TW.UTF-8", 1, []string{"resources/all.zh_Hant.json"}}, // listed once for both
		{"", "xx_YY.UTF-8", 1, nil},
	} {
		c := &countingFS{FS: os.DirFS(".")}
		restore := i18n.UseResources(c)
		t.Setenv("LC_ALL", tc.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", tc.lang)
		i18n.Init("")
		_ = i18n.T("FAILED")
		assert.Equal(t, tc.listed, c.listed, "listings for %+v", tc)
		assert.Equal(t, tc.read, c.read, "files read for %+v", tc)
		restore()
	}
}

// TestNothingIsParsedUntilAMessageIsShown: Init only chooses; the chosen file is read when T or
// Marked first translates something (env at a shell start, with a valid token, shows nothing),
// and then once.
func TestNothingIsParsedUntilAMessageIsShown(t *testing.T) {
	c := &countingFS{FS: os.DirFS(".")}
	restore := i18n.UseResources(c)
	defer restore()
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "ja_JP.UTF-8")
	assert.Equal(t, "ja_JP", i18n.Init(""))
	desc := i18n.N("Print a shell command that exports the IAM access token.")
	assert.Empty(t, c.read, "Init and N read no file")
	assert.Equal(t, "IAM アクセス・トークンをエクスポートするシェル・コマンドを出力します。", i18n.Marked(desc))
	assert.Equal(t, "失敗", i18n.T("FAILED"))
	assert.Equal(t, []string{"resources/all.ja_JP.json"}, c.read, "the chosen file, once")
	assert.Equal(t, "ja_JP", i18n.Init(""), "the same locale again")
	_ = i18n.T("FAILED")
	assert.Equal(t, []string{"resources/all.ja_JP.json"}, c.read, "choosing the same locale again keeps what was parsed")
}

// TestTIsCheap: the command tree's descriptions call T about 20 times on every run.
func TestTIsCheap(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "ja_JP.UTF-8")
	defer i18n.Init(i18n.DefaultLocale)
	i18n.Init("")
	allocs := testing.AllocsPerRun(100, func() {
		_ = i18n.T("Print a shell command that exports the IAM access token.")
		_ = i18n.T("FAILED")
	})
	assert.Zero(t, allocs, "a lookup without placeholders allocates nothing")
}

func BenchmarkInit(b *testing.B) {
	for _, l := range shipped {
		b.Run(l, func(b *testing.B) {
			b.Setenv("LC_ALL", "")
			b.Setenv("LC_MESSAGES", "")
			b.Setenv("LANG", l+".UTF-8")
			for b.Loop() {
				i18n.Init("")
			}
		})
	}
	i18n.Init(i18n.DefaultLocale)
}

func BenchmarkT(b *testing.B) {
	b.Setenv("LC_ALL", "")
	b.Setenv("LC_MESSAGES", "")
	b.Setenv("LANG", "ja_JP.UTF-8")
	i18n.Init("")
	defer i18n.Init(i18n.DefaultLocale)
	for b.Loop() {
		_ = i18n.T("Print a shell command that exports the IAM access token.")
	}
}

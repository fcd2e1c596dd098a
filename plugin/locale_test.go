package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// The words follow the locale; what stdout carries for a shell or a program never does.
func TestTheLocaleChangesTheWordsOnly(t *testing.T) {
	t.Parallel()
	out := newSession(t, "", "")
	r := out.runIn("", []string{"LANG=de_DE.UTF-8"}, "env")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "Sie sind nicht angemeldet. Melden Sie sich an, indem Sie 'ibmcloud login'")

	// The CLI's own setting comes first.
	jwt := iamtest.Valid(-time.Minute)
	in := newSession(t, "Bearer "+jwt, "", func(c map[string]any) { c["Locale"] = "ja_JP" })
	r = in.runIn("", []string{"LANG=de_DE.UTF-8"}, "env")
	assert.Equal(t, 1, r.code)
	assert.NotContains(t, r.stderr, "Sie ", "config.json's ja_JP wins over LANG")
	assert.NotContains(t, r.stderr, "Your IBM Cloud session has expired", "not English either")

	valid := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	want := valid.run("env").stdout
	require.NotEmpty(t, want)
	for _, lang := range []string{"ja_JP.UTF-8", "de_DE.UTF-8", "zh_TW.UTF-8", "pt"} {
		r := valid.runIn("", []string{"LANG=" + lang}, "env")
		assert.Equal(t, want, r.stdout, lang)
		r = valid.runIn("", []string{"LANG=" + lang}, "print", "--output", "json")
		assert.Contains(t, r.stdout, `"access_token"`, lang)
	}
}

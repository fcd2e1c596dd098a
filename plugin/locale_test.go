package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Needs a process: main chooses the words from LANG (and LC_ALL, LC_MESSAGES) in the process's
// own environment when it starts, and from config.json's Locale once it reads it. That stdout
// never changes with the locale is tested in-process, for every shipped locale, in
// commands/env_test.go.
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
	assert.Empty(t, r.stdout)
	assert.NotContains(t, r.stderr, "Sie ", "config.json's ja_JP wins over LANG")
	assert.NotContains(t, r.stderr, "Your IBM Cloud session has expired", "not English either")

	// With a valid session, the lines are the same under any LANG.
	valid := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	want := valid.run("env").stdout
	assert.NotEmpty(t, want)
	assert.Equal(t, want, valid.runIn("", []string{"LANG=ja_JP.UTF-8"}, "env").stdout)
}

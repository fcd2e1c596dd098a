package shell_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell"
)

var dialects = []shell.Dialect{shell.POSIX, shell.Fish, shell.Csh, shell.PowerShell, shell.Cmd}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"ACCESS_TOKEN", "a", "_", "_x1", "KP_TOKEN_2", "camelCase"} {
		assert.True(t, shell.ValidName(ok), ok)
	}
	for _, bad := range []string{"", "1X", "A-B", "A B", "A;B", "A=B", "$A", "A\n", "É", "a.b", "A$(id)"} {
		assert.False(t, shell.ValidName(bad), "%q", bad)
	}
}

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]shell.Dialect{
		"sh": shell.POSIX, "bash": shell.POSIX, "zsh": shell.POSIX, "ksh": shell.POSIX, "dash": shell.POSIX,
		"mksh": shell.POSIX, "yash": shell.POSIX, "ash": shell.POSIX, "busybox": shell.POSIX, "/bin/busybox": shell.POSIX,
		"fish": shell.Fish, "csh": shell.Csh, "tcsh": shell.Csh,
		"powershell": shell.PowerShell, "pwsh": shell.PowerShell, "cmd": shell.Cmd,
		"BASH": shell.POSIX, "PowerShell": shell.PowerShell, "CMD.EXE": shell.Cmd,
		"/bin/zsh": shell.POSIX, "/usr/local/bin/fish": shell.Fish, "-tcsh": shell.Csh,
		`C:\Program Files\PowerShell\7\pwsh.exe`: shell.PowerShell, `C:\Windows\System32\cmd.exe`: shell.Cmd,
	} {
		got, err := shell.ParseDialect(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, bad := range []string{"", "nu", "elvish", "xonsh", "sh ", "bash;id", "/bin/", "cmdx", "power shell"} {
		_, err := shell.ParseDialect(bad)
		assert.ErrorIs(t, err, shell.ErrUnknownShell, "%q", bad)
	}
	for in, want := range map[string]string{"/bin/bash": "bash", "Bash": "bash", "-zsh": "zsh", "/usr/bin/FISH": "fish", "busybox": "busybox"} {
		got, err := shell.Canonical(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	_, err := shell.ParseDialect("nu")
	assert.EqualError(t, err, `unknown shell "nu": use one of sh, bash, zsh, ksh, dash, mksh, yash, ash, busybox, fish, csh, tcsh, powershell, pwsh, cmd`)

	names := shell.Names()
	assert.Equal(t, "sh", names[0])
	for _, n := range names {
		d, err := shell.ParseDialect(n)
		require.NoError(t, err, n)
		// Every dialect's canonical name is one of the names and parses back to it.
		back, err := shell.ParseDialect(d.String())
		require.NoError(t, err)
		assert.Equal(t, d, back)
	}
	names[0] = "changed"
	assert.Equal(t, "sh", shell.Names()[0], "Names returns a copy")
	assert.Equal(t, []string{"sh", "fish", "csh", "powershell", "cmd"},
		[]string{shell.POSIX.String(), shell.Fish.String(), shell.Csh.String(), shell.PowerShell.String(), shell.Cmd.String()})
}

func TestSetLines(t *testing.T) {
	type lines struct{ export, local string }
	for _, tc := range []struct {
		d     shell.Dialect
		value string
		want  lines
	}{
		{shell.POSIX, "Bearer a.b.c", lines{`export V='Bearer a.b.c'`, `V='Bearer a.b.c'`}},
		{shell.POSIX, "", lines{`export V=''`, `V=''`}},
		{shell.POSIX, "it's", lines{`export V='it'\''s'`, `V='it'\''s'`}},
		{shell.POSIX, "$(x) `y` \\n !! %P% \"", lines{`export V='$(x) ` + "`y`" + ` \n !! %P% "'`, `V='$(x) ` + "`y`" + ` \n !! %P% "'`}},
		{shell.POSIX, "a\nb\r", lines{"export V='a\nb\r'", "V='a\nb\r'"}},

		{shell.Fish, "Bearer a.b.c", lines{`set -gx V 'Bearer a.b.c'`, `set -g V 'Bearer a.b.c'`}},
		{shell.Fish, "", lines{`set -gx V ''`, `set -g V ''`}},
		{shell.Fish, `it's a\b \\ \'`, lines{`set -gx V 'it\'s a\\b \\\\ \\\''`, `set -g V 'it\'s a\\b \\\\ \\\''`}},
		{shell.Fish, "a\nb\n", lines{`set -gx V 'a'\n'b'\n''`, `set -g V 'a'\n'b'\n''`}},
		{shell.Fish, "$(x) `y` (id) {a,b} * ~ !\r\t", lines{"set -gx V '$(x) `y` (id) {a,b} * ~ !\r\t'", "set -g V '$(x) `y` (id) {a,b} * ~ !\r\t'"}},

		{shell.Csh, "Bearer a.b.c", lines{`setenv V 'Bearer a.b.c'`, `set V='Bearer a.b.c'`}},
		{shell.Csh, "", lines{`setenv V ''`, `set V=''`}},
		{shell.Csh, "it's", lines{`setenv V 'it'\''s'`, `set V='it'\''s'`}},
		{shell.Csh, `a\b!c!!`, lines{`setenv V 'a'\\'b\!c\!\!'`, `set V='a'\\'b\!c\!\!'`}},
		{shell.Csh, "$x `y` {a,b} * ~ ^\r", lines{"setenv V '$x `y` {a,b} * ~ ^\r'", "set V='$x `y` {a,b} * ~ ^\r'"}},

		{shell.PowerShell, "Bearer a.b.c", lines{`$Env:V = 'Bearer a.b.c'`, `$Env:V = 'Bearer a.b.c'`}},
		{shell.PowerShell, "", lines{`$Env:V = ''`, `$Env:V = ''`}},
		{shell.PowerShell, "it's ‘a’ ‚b‛ “c”", lines{`$Env:V = 'it''s ‘‘a’’ ‚‚b‛‛ “c”'`, `$Env:V = 'it''s ‘‘a’’ ‚‚b‛‛ “c”'`}},
		{shell.PowerShell, "$x `n\" $(id) \\", lines{"$Env:V = '$x `n\" $(id) \\'", "$Env:V = '$x `n\" $(id) \\'"}},
		{shell.PowerShell, "a\nb\r\n", lines{"$Env:V = 'a' + \"`n\" + 'b' + \"`r\" + \"`n\"", "$Env:V = 'a' + \"`n\" + 'b' + \"`r\" + \"`n\""}},
		{shell.PowerShell, "\n", lines{"$Env:V = \"`n\"", "$Env:V = \"`n\""}},

		{shell.Cmd, "Bearer a.b.c", lines{`set "V=Bearer a.b.c"`, `set "V=Bearer a.b.c"`}},
		{shell.Cmd, "a^b&c|d<e>f(g)h'i`j$k\\l", lines{`set "V=a^b&c|d<e>f(g)h'i` + "`" + `j$k\l"`, `set "V=a^b&c|d<e>f(g)h'i` + "`" + `j$k\l"`}},
	} {
		for _, export := range []bool{true, false} {
			want := tc.want.export
			if !export {
				want = tc.want.local
			}
			got, err := tc.d.Set("V", tc.value, export)
			if assert.NoError(t, err, "%s %q", tc.d, tc.value) {
				assert.Equal(t, want, got, "%s %q export=%v", tc.d, tc.value, export)
			}
		}
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct {
		d           shell.Dialect
		value, want string
	}{
		{shell.POSIX, "", `''`},
		{shell.POSIX, "'", `''\'''`},
		{shell.Fish, "'", `'\''`},
		{shell.Fish, `\`, `'\\'`},
		{shell.Fish, "\n", `''\n''`},
		{shell.Csh, "'", `''\'''`},
		{shell.Csh, `\`, `''\\''`},
		{shell.Csh, "!", `'\!'`},
		{shell.PowerShell, "'", `''''`},
		{shell.PowerShell, "\u2019", "'\u2019\u2019'"},
		{shell.PowerShell, "\r", "\"`r\""},
		{shell.Cmd, "a b", `"a b"`},
	} {
		got, err := tc.d.Quote(tc.value)
		if assert.NoError(t, err, "%s %q", tc.d, tc.value) {
			assert.Equal(t, tc.want, got, "%s %q", tc.d, tc.value)
		}
	}
}

func TestUnsetLines(t *testing.T) {
	for _, tc := range []struct {
		d             shell.Dialect
		export, local string
	}{
		{shell.POSIX, `unset V`, `unset V`},
		{shell.Fish, `set -e V`, `set -e V`},
		{shell.Csh, `unset V; unsetenv V`, `unset V; unsetenv V`},
		{shell.PowerShell, `Remove-Item Env:V -ErrorAction SilentlyContinue`, `Remove-Item Env:V -ErrorAction SilentlyContinue`},
		{shell.Cmd, `set "V="`, `set "V="`},
	} {
		got, err := tc.d.Unset("V", true)
		require.NoError(t, err)
		assert.Equal(t, tc.export, got, tc.d.String())
		got, err = tc.d.Unset("V", false)
		require.NoError(t, err)
		assert.Equal(t, tc.local, got, tc.d.String())
	}
}

func TestInvalidNamesAreRefused(t *testing.T) {
	for _, d := range dialects {
		for _, name := range []string{"", "1X", "A B", "A;id", "A=B", "$(id)", "A\n", "É", "V'"} {
			_, err := d.Set(name, "v", true)
			assert.ErrorIs(t, err, shell.ErrInvalidName, "%s %q", d, name)
			_, err = d.Set(name, "v", false)
			assert.ErrorIs(t, err, shell.ErrInvalidName, "%s %q", d, name)
			_, err = d.Unset(name, true)
			assert.ErrorIs(t, err, shell.ErrInvalidName, "%s %q", d, name)
			_, err = d.Unset(name, false)
			assert.ErrorIs(t, err, shell.ErrInvalidName, "%s %q", d, name)
		}
	}
	_, err := shell.Dialect(99).Set("V", "v", true)
	assert.Error(t, err)
	_, err = shell.Dialect(99).Unset("V", true)
	assert.Error(t, err)
	_, err = shell.Dialect(99).Quote("v")
	assert.Error(t, err)
	assert.Equal(t, "Dialect(99)", shell.Dialect(99).String())
}

func TestRefusedValues(t *testing.T) {
	type refusal struct {
		value  string
		offset int
		what   string
	}
	all := []refusal{{"a\x00b", 1, "NUL"}, {"\x00", 0, "NUL"}}
	utf8 := []refusal{{"ab\xff", 2, "invalid UTF-8"}, {"é\xc3", 2, "invalid UTF-8"}, {"\xed\xa0\x80", 0, "invalid UTF-8"}, {"\xc0\xaf", 0, "invalid UTF-8"}}
	for d, refused := range map[shell.Dialect][]refusal{
		shell.POSIX:      append(all, utf8...),
		shell.Fish:       all,
		shell.Csh:        append(all, refusal{"a\nb", 1, "a newline"}),
		shell.PowerShell: append(all, utf8...),
		shell.Cmd: append(append(all, utf8...),
			refusal{"", -1, `an empty value (set "NAME=" removes the variable)`},
			refusal{"a\nb", 1, "a newline"},
			refusal{"a\rb", 1, "a carriage return"},
			refusal{"a\x1ab", 1, "Ctrl-Z"},
			refusal{`a"b`, 1, `a double quote (")`},
			refusal{"%PATH%", 0, "a percent sign (%)"},
			refusal{"a!b!", 1, "an exclamation mark (!)"}),
	} {
		for _, r := range refused {
			for _, call := range []func() (string, error){
				func() (string, error) { return d.Quote(r.value) },
				func() (string, error) { return d.Set("V", r.value, true) },
				func() (string, error) { return d.Set("V", r.value, false) },
			} {
				line, err := call()
				assert.Empty(t, line)
				var ve *shell.ValueError
				if assert.ErrorAs(t, err, &ve, "%s %q", d, r.value) {
					assert.Equal(t, shell.ValueError{Dialect: d, Offset: r.offset, What: r.what}, *ve, "%s %q", d, r.value)
				}
			}
		}
	}
	_, err := shell.Cmd.Set("V", "x%y", true)
	assert.EqualError(t, err, "cmd cannot carry a percent sign (%) (byte 1 of the value)")
	_, err = shell.Cmd.Set("V", "", true)
	assert.EqualError(t, err, `cmd cannot carry an empty value (set "NAME=" removes the variable)`)
	// The message never holds the value, which is usually a secret.
	_, err = shell.POSIX.Set("V", "secret\x00secret", true)
	assert.NotContains(t, err.Error(), "secret")
}

func TestCarriedValues(t *testing.T) {
	// What each dialect carries that another refuses.
	for d, values := range map[shell.Dialect][]string{
		shell.POSIX:      {"a\nb\r", "%PATH% !x \"", "é中😀’"},
		shell.Fish:       {"a\nb\r", "ab\xff\xc0\xaf", "%PATH% !x \""},
		shell.Csh:        {"a\rb", "ab\xff\xc0\xaf", "%PATH% !x \"", strings.Repeat("x", 10000)},
		shell.PowerShell: {"a\nb\r", "%PATH% !x \"", "é中😀’", ""},
		shell.Cmd:        {"é中😀’", "^&|<>()'`$\\\t ;,=", " "},
	} {
		for _, v := range values {
			_, err := d.Set("V", v, true)
			assert.NoError(t, err, "%s %q", d, v)
		}
	}
}

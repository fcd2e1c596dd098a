package shell_test

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/commands/shell/shelltest"
)

// seeds are the values every fuzz target starts from, and that the real-shell tests evaluate.
var seeds = []string{
	"", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "x",
	"'", "''", "'\\''", `"`, `""`, `\`, `\\`, `\'`, `\"`, `a\`, "\\\n",
	"$(id)", "`id`", "${HOME}", "$HOME", "$", "$'a'", `$"a"`, "(id)", "{a,b}", "*", "?", "[a]", "~", "~root",
	"!", "!!", "!$", "!-1", "a!b", `\!`, `\\!`, "!=", "^", "^old^new", "#", ";", "&&", "|", "<", ">", "&",
	"%PATH%", "%", "%%", "%~dp0", "!PATH!", "^&|<>()", "@", "`n", "$Env:PATH", "@'", "'@",
	"a\nb", "\n", "\n\n", "a\n", "\r", "a\r\nb", "\t", " ", " a  b ", "\x1a", "\x1b[31m", "\x7f", "\x01",
	"é", "中文", "😀", "é中😀", "’", "‘", "it’s", "’‘‚‛", "‘’", "“”„", "\u2028\u2029\u0085", "\ufeff", "\uf601",
	"\x00", "a\x00b", "\xff", "a\xffb", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"-e", "-n", "--", "--help", "=", "a=b", "-",
	strings.Repeat("x", 4000), strings.Repeat("x", 5000),
	"Bearer " + strings.Repeat("eyJ0eXAi", 200),
	strings.Repeat("!'\\\"$`%^", 300),
}

var isSeed = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range seeds {
		m[s] = true
	}
	return m
}()

// fuzzing reports whether go test was asked to fuzz rather than only to run the seeds.
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

func addSeeds(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
}

// refused says whether d must refuse value: the rules as the package documents them, written
// out apart from the code that applies them.
func refused(d shell.Dialect, value string) bool {
	if strings.Contains(value, "\x00") {
		return true
	}
	switch d {
	case shell.POSIX, shell.PowerShell:
		return !utf8.ValidString(value)
	case shell.Csh:
		return strings.Contains(value, "\n")
	case shell.Cmd:
		return value == "" || !utf8.ValidString(value) || strings.ContainsAny(value, "\n\r\x1a\"%!")
	}
	return false
}

// checkRefusal fails t unless err is a *ValueError for a value d must refuse, pointing at the
// first byte it cannot carry.
func checkRefusal(t *testing.T, d shell.Dialect, value string, err error) {
	t.Helper()
	var ve *shell.ValueError
	if !errors.As(err, &ve) {
		t.Fatalf("%s refused %q with %v, not a *ValueError", d, value, err)
	}
	if !refused(d, value) {
		t.Fatalf("%s refused %q, which it can carry: %v", d, value, err)
	}
	if ve.Offset < 0 {
		if value != "" {
			t.Fatalf("%s refused %q as a whole: %v", d, value, err)
		}
		return
	}
	if ve.Offset >= len(value) || (ve.Offset > 0 && refused(d, value[:ve.Offset])) || !refused(d, value[ve.Offset:]) {
		t.Fatalf("%s refused %q at byte %d, not its first bad byte: %v", d, value, ve.Offset, err)
	}
}

// lines returns d's export and unexported lines for value, or nil after checking a refusal.
func lines(t *testing.T, d shell.Dialect, value string) map[bool]string {
	t.Helper()
	q, qerr := d.Quote(value)
	out := map[bool]string{}
	for _, export := range []bool{true, false} {
		line, err := d.Set("V", value, export)
		if (err == nil) != (qerr == nil) {
			t.Fatalf("%s: Set's error %v and Quote's %v differ for %q", d, err, qerr, value)
		}
		if err != nil {
			checkRefusal(t, d, value, err)
			return nil
		}
		if refused(d, value) {
			t.Fatalf("%s carried %q, which it must refuse: %q", d, value, line)
		}
		if d != shell.Cmd && !strings.HasSuffix(line, q) {
			t.Fatalf("%s: line %q does not end with Quote's %q", d, line, q)
		}
		out[export] = line
	}
	return out
}

// carryable returns value with what d must refuse replaced, so that every fuzz input, once its
// refusal is checked, goes on to the shells or the models.
func carryable(d shell.Dialect, value string) string {
	value = strings.ReplaceAll(value, "\x00", "0")
	switch d {
	case shell.POSIX, shell.PowerShell:
		value = strings.ToValidUTF8(value, "\uFFFD")
	case shell.Csh:
		value = strings.ReplaceAll(value, "\n", "n")
	case shell.Cmd:
		value = strings.ToValidUTF8(value, "\uFFFD")
		value = strings.Map(func(r rune) rune {
			if strings.ContainsRune("\n\r\x1a\"%!", r) {
				return '_'
			}
			return r
		}, value)
		if value == "" {
			value = "_"
		}
	}
	return value
}

// linesOrCarryable returns d's lines for value or, when d rightly refuses value, for
// carryable(value).
func linesOrCarryable(t *testing.T, d shell.Dialect, value string) (map[bool]string, string) {
	t.Helper()
	if ls := lines(t, d, value); ls != nil {
		return ls, value
	}
	value = carryable(d, value)
	ls := lines(t, d, value)
	if ls == nil {
		t.Fatalf("carryable returned %q, which %s refuses", value, d)
	}
	return ls, value
}

// fuzzRealShells checks d's lines for each value against every installed shell of d.
func fuzzRealShells(f *testing.F, d shell.Dialect) {
	addSeeds(f)
	shells := shelltest.Of(f, d)
	if len(shells) == 0 {
		f.Skipf("no %s shell is installed", d)
	}
	f.Fuzz(func(t *testing.T, value string) {
		_, value = linesOrCarryable(t, d, value)
		if !fuzzing() && isSeed[value] {
			return // TestRealShells evaluates every seed, in one process per shell
		}
		for _, sh := range shells {
			checkRoundTrips(t, sh, "C.UTF-8", []string{value})
		}
	})
}

func FuzzPOSIX(f *testing.F) { fuzzRealShells(f, shell.POSIX) }

func FuzzFish(f *testing.F) { fuzzRealShells(f, shell.Fish) }

func FuzzCsh(f *testing.F) { fuzzRealShells(f, shell.Csh) }

func FuzzPowerShell(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, value string) {
		ls, value := linesOrCarryable(t, shell.PowerShell, value)
		for _, line := range ls {
			name, got, err := parsePowerShellAssignment(line)
			if err != nil {
				t.Fatalf("PowerShell model rejects %q (for %q): %v", line, value, err)
			}
			if name != "V" || got != value {
				t.Fatalf("PowerShell model reads %q as %s=%q, want V=%q", line, name, got, value)
			}
		}
	})
}

func FuzzCmd(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, value string) {
		ls, value := linesOrCarryable(t, shell.Cmd, value)
		for _, line := range ls {
			for _, delayed := range []bool{false, true} {
				name, got, err := parseCmdSet(line, delayed)
				if err != nil {
					t.Fatalf("cmd model (delayed expansion %v) rejects %q (for %q): %v", delayed, line, value, err)
				}
				if name != "V" || got != value {
					t.Fatalf("cmd model reads %q as %s=%q, want V=%q", line, name, got, value)
				}
			}
		}
	})
}

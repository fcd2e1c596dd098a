package shell_test

// Models of how PowerShell and cmd.exe read the lines, for the fuzz targets: neither shell can
// be installed here. Each model reads only what it can prove is literal text and rejects
// everything else, so a line it accepts carries exactly the value it returns.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// PowerShell's tokenizer (CharExtensions.IsSingleQuote and IsDoubleQuote) reads these as quotes.
func psSingleQuote(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b'
}

func psDoubleQuote(r rune) bool {
	return r == '"' || r == '\u201c' || r == '\u201d' || r == '\u201e'
}

// parsePowerShellAssignment reads `$Env:NAME = EXPR`, where EXPR is string literals joined by
// ` + `: single-quoted (verbatim, a doubled quote of any of the five kinds standing for its
// second character, as Tokenizer.ScanStringLiteral does) or double-quoted with backtick escapes
// and no $ at all (which could expand). The line must be one line of valid UTF-8: a pipe into
// Invoke-Expression runs each line on its own.
func parsePowerShellAssignment(line string) (name, value string, err error) {
	if !utf8.ValidString(line) {
		return "", "", errors.New("invalid UTF-8")
	}
	if strings.ContainsAny(line, "\r\n") {
		return "", "", errors.New("more than one line")
	}
	rest, ok := strings.CutPrefix(line, "$Env:")
	if !ok {
		return "", "", errors.New("not an $Env: assignment")
	}
	i := 0
	for i < len(rest) && (rest[i] == '_' || rest[i] >= 'A' && rest[i] <= 'Z' || rest[i] >= 'a' && rest[i] <= 'z' || rest[i] >= '0' && rest[i] <= '9') {
		i++
	}
	if i == 0 {
		return "", "", errors.New("no name")
	}
	name = rest[:i]
	rest, ok = strings.CutPrefix(rest[i:], " = ")
	if !ok {
		return "", "", errors.New("no ' = '")
	}
	rs := []rune(rest)
	var b strings.Builder
	pos := 0
	for {
		if pos >= len(rs) {
			return "", "", errors.New("expected a string")
		}
		open := rs[pos]
		pos++
		switch {
		case psSingleQuote(open):
			for {
				if pos >= len(rs) {
					return "", "", errors.New("unterminated single-quoted string")
				}
				r := rs[pos]
				if psSingleQuote(r) {
					if pos+1 < len(rs) && psSingleQuote(rs[pos+1]) {
						b.WriteRune(rs[pos+1])
						pos += 2
						continue
					}
					pos++
					break
				}
				b.WriteRune(r)
				pos++
			}
		case psDoubleQuote(open):
			for {
				if pos >= len(rs) {
					return "", "", errors.New("unterminated double-quoted string")
				}
				r := rs[pos]
				if r == '$' {
					return "", "", errors.New("$ in a double-quoted string")
				}
				if r == '`' {
					if pos+1 >= len(rs) {
						return "", "", errors.New("backtick at the end")
					}
					esc, ok := map[rune]string{'n': "\n", 'r': "\r", 't': "\t", '0': "\x00", 'a': "\a", 'b': "\b", 'e': "\x1b", 'f': "\f", 'v': "\v"}[rs[pos+1]]
					switch {
					case rs[pos+1] == 'u':
						return "", "", errors.New("`u{} is not modelled")
					case ok:
						b.WriteString(esc)
					default:
						b.WriteRune(rs[pos+1])
					}
					pos += 2
					continue
				}
				if psDoubleQuote(r) {
					if pos+1 < len(rs) && psDoubleQuote(rs[pos+1]) {
						b.WriteRune(rs[pos+1])
						pos += 2
						continue
					}
					pos++
					break
				}
				b.WriteRune(r)
				pos++
			}
		default:
			return "", "", fmt.Errorf("%q is not a string literal", open)
		}
		if pos == len(rs) {
			return name, b.String(), nil
		}
		if !strings.HasPrefix(string(rs[pos:]), " + ") {
			return "", "", fmt.Errorf("%q after a string", string(rs[pos:]))
		}
		pos += 3
	}
}

// parseCmdSet reads `set "NAME=VALUE"` through the phases of cmd's line parser (as charted by
// jeb and dbenham, "How does the Windows Command Interpreter (CMD.EXE) parse scripts?"),
// rejecting whatever a phase would change:
//
//	0   a line ends at LF; in a batch file Ctrl-Z reads as LF
//	1   %…% is expanded, at the prompt and in batch files alike, inside quotes too
//	1.5 every CR is dropped
//	2   " toggles quoting; outside quotes ^ escapes and & | < > ( ) are operators
//	5   with delayed expansion, !…! is expanded (and ^ removed) anywhere in the line
//
// then SET's own rule for the quoted form: the name runs from after the first quote to the
// first =, the value from there to the last quote, and the rest of the line is ignored (here
// rejected). An empty value removes the variable, so it is rejected too. Non-ASCII text is
// taken as it is: getting it there intact is the console code page's business.
func parseCmdSet(line string, delayed bool) (name, value string, err error) {
	switch {
	case !utf8.ValidString(line):
		return "", "", errors.New("invalid UTF-8")
	case strings.ContainsAny(line, "\n\x1a\x00"):
		return "", "", errors.New("LF, Ctrl-Z or NUL ends the line")
	case strings.Contains(line, "%"):
		return "", "", errors.New("% expands")
	case strings.Contains(line, "\r"):
		return "", "", errors.New("CR is dropped")
	case delayed && strings.Contains(line, "!"):
		return "", "", errors.New("! expands under delayed expansion")
	}
	quoted := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case strings.IndexByte("^&|<>()", c) >= 0:
			return "", "", fmt.Errorf("%q outside quotes", c)
		}
	}
	if quoted {
		return "", "", errors.New("unbalanced quotes")
	}
	if len(line) < 4 || !strings.EqualFold(line[:4], "set ") {
		return "", "", errors.New("not a set command")
	}
	arg := strings.TrimLeft(line[4:], " \t")
	if !strings.HasPrefix(arg, `"`) {
		return "", "", errors.New("not the quoted form of set")
	}
	last := strings.LastIndexByte(arg, '"')
	if last == 0 {
		return "", "", errors.New("no closing quote")
	}
	if arg[last+1:] != "" {
		return "", "", errors.New("text after the closing quote")
	}
	name, value, ok := strings.Cut(arg[1:last], "=")
	if !ok || name == "" {
		return "", "", errors.New("no NAME=")
	}
	if value == "" {
		return "", "", errors.New(`set "NAME=" removes the variable`)
	}
	return name, value, nil
}

// The models must reject what the shells would read differently, or they prove nothing.
func TestPowerShellModel(t *testing.T) {
	for line, want := range map[string]string{
		`$Env:V = 'a'`:                     "a",
		`$Env:V = ''`:                      "",
		`$Env:V = 'it''s'`:                 "it's",
		"$Env:V = 'a\u2019\u2019b'":        "a\u2019b",
		"$Env:V = 'a\u2019''":              "a'",
		"$Env:V = 'a\u2019":                "a",
		"$Env:V = '$x `n \"'":              "$x `n \"",
		"$Env:V = 'a' + \"`n\" + 'b'":      "a\nb",
		"$Env:V = \"`r\" + \"a`\"b\"\"c\"": "\ra\"b\"c",
		"$Env:V = \u2018a\u2019":           "a",
	} {
		name, got, err := parsePowerShellAssignment(line)
		if assert.NoError(t, err, line) {
			assert.Equal(t, "V", name)
			assert.Equal(t, want, got, line)
		}
	}
	for _, bad := range []string{
		`$Env:V = 'a`, `$Env:V = 'a''`, "$Env:V = 'a\u2019\u2019", `$Env:V = "$x"`, `$Env:V = "a$(id)"`,
		`$Env:V = 'a' 'b'`, `$Env:V = 'a'; id`, `$Env:V = 'a' +`, `$Env:V = a`, `$Env:V = 'a'` + "\n",
		"$Env:V = 'a\nb'", "$Env:V = 'a\rb'", `$Env:V = "` + "`u{41}" + `"`, `$Env:V= 'a'`, `$V = 'a'`,
		"$Env:V = '\xff'", `$Env: = 'a'`,
	} {
		_, _, err := parsePowerShellAssignment(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestCmdModel(t *testing.T) {
	for line, want := range map[string]string{
		`set "V=a"`:                      "a",
		`set "V=a^b&c|d<e>f(g)"`:         "a^b&c|d<e>f(g)",
		`set "V=a""b"`:                   `a""b`,
		`set "V=a b "`:                   "a b ",
		`SET "V=é"`:                      "é",
		`set "V=!x!"`:                    "!x!",
		`set    "V=x=y"`:                 "x=y",
		"set \"V=\t'`$\\\"":              "\t'`$\\",
		`set "V=` + "\u2019\u201c" + `"`: "\u2019\u201c",
	} {
		delayedOK := !strings.Contains(line, "!")
		for _, delayed := range []bool{false, true} {
			name, got, err := parseCmdSet(line, delayed)
			if delayed && !delayedOK {
				assert.Error(t, err, line)
				continue
			}
			if assert.NoError(t, err, line) {
				assert.Equal(t, "V", name)
				assert.Equal(t, want, got, line)
			}
		}
	}
	for _, bad := range []string{
		`set "V=%PATH%"`, `set "V=a%"`, `set "V=a"&calc`, `set "V=a" & calc`, `set "V=a"b"`, `set V=a`,
		`set "V="`, `set "=a"`, `set "Va"`, `echo "V=a"`, "set \"V=a\nb\"", "set \"V=a\rb\"", "set \"V=a\x1ab\"",
		"set \"V=a\x00\"", `set "V=a" x`, "set \"V=\xff\"", `set "V=a`, `set ("V=a")`,
	} {
		_, _, err := parseCmdSet(bad, false)
		assert.Error(t, err, "%q", bad)
	}
}

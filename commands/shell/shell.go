// Package shell writes the one line that sets or unsets a variable in a user's shell, for POSIX
// shells (sh, bash, zsh, ksh, dash, …), fish, csh/tcsh, PowerShell and cmd.exe. Every line
// evaluates back to the exact value or is refused with a *ValueError: nothing is ever written
// that a shell would read as something else.
//
// The users' recipes, and the forms the tests evaluate:
//
//	sh, bash, zsh, …:  eval "$(kp-token env)"
//	fish:              kp-token env --shell fish | source      (eval (kp-token env --shell fish) works too)
//	csh, tcsh:         eval "`kp-token env --shell tcsh`"       (source of a file holding the line works too)
//	PowerShell:        kp-token env --shell powershell | Invoke-Expression
//	cmd:               for /f "delims=" %i in ('kp-token env --shell cmd') do @%i
//
// csh's eval of unquoted backquotes (eval `…`) is not supported: csh splits the output on
// blanks and globs each word before eval joins them again, so runs of blanks and tabs collapse
// and braces, * and ? expand. The output of a csh eval "`…`" is one word per line, which eval
// joins with a space: a caller that prints more than one line for csh must end each with ';'.
// The same holds for fish's eval (…): fish's own | source has no such limit.
package shell

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValidName reports whether name is a portable shell variable name: [A-Za-z_][A-Za-z0-9_]*.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Dialect is a family of shells that read the same assignment syntax.
type Dialect int

// The dialects. The zero value is POSIX.
const (
	// POSIX is sh and the shells that read its syntax: bash, zsh, ksh, dash, mksh, yash, ash.
	POSIX Dialect = iota
	// Fish is the fish shell.
	Fish
	// Csh is csh and tcsh.
	Csh
	// PowerShell is PowerShell 7 (pwsh) and Windows PowerShell 5.1.
	PowerShell
	// Cmd is Windows' cmd.exe.
	Cmd
)

// names maps each accepted --shell name to its dialect, in the order Names lists them.
var names = []struct {
	name    string
	dialect Dialect
}{
	{"sh", POSIX}, {"bash", POSIX}, {"zsh", POSIX}, {"ksh", POSIX}, {"dash", POSIX},
	{"mksh", POSIX}, {"yash", POSIX}, {"ash", POSIX}, {"busybox", POSIX},
	{"fish", Fish},
	{"csh", Csh}, {"tcsh", Csh},
	{"powershell", PowerShell}, {"pwsh", PowerShell},
	{"cmd", Cmd},
}

// Names returns the names ParseDialect accepts, "sh" first. The caller owns the slice.
func Names() []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n.name
	}
	return out
}

// BSDCshEvalMax is the longest line BSD csh's eval "`…`" takes: past it csh stops with "Word
// too long." and runs nothing of it. tcsh has no such limit.
const BSDCshEvalMax = 4090

// ErrUnknownShell is wrapped by ParseDialect's error for a name it does not know.
var ErrUnknownShell = errors.New("unknown shell")

// Canonical maps a user's shell name to the name Names lists: one of Names, in any case. A path
// whose last element is one of Names, with or without ".exe", is accepted too, and so is a
// leading '-' (a login shell's $0), so that --shell "$SHELL" works. Anything else, the empty
// string included, is an error wrapping ErrUnknownShell.
func Canonical(s string) (string, error) {
	base := s
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.ToLower(strings.TrimPrefix(base, "-"))
	base = strings.TrimSuffix(base, ".exe")
	for _, n := range names {
		if n.name == base {
			return n.name, nil
		}
	}
	return "", fmt.Errorf("%w %q: use one of %s", ErrUnknownShell, s, strings.Join(Names(), ", "))
}

// ParseDialect maps a user's --shell value to a dialect, as Canonical reads the name.
func ParseDialect(s string) (Dialect, error) {
	name, err := Canonical(s)
	if err != nil {
		return POSIX, err
	}
	for _, n := range names {
		if n.name == name {
			return n.dialect, nil
		}
	}
	return POSIX, nil
}

// String returns the dialect's canonical --shell name: sh, fish, csh, powershell or cmd.
func (d Dialect) String() string {
	switch d {
	case POSIX:
		return "sh"
	case Fish:
		return "fish"
	case Csh:
		return "csh"
	case PowerShell:
		return "powershell"
	case Cmd:
		return "cmd"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// ErrInvalidName is returned by Set and Unset for a name that ValidName rejects. Names are
// written unquoted, so callers must check them first; this is defence in depth.
var ErrInvalidName = errors.New("not a valid variable name")

// ValueError reports a value that a dialect cannot carry. It holds where and what, never the
// value itself, which is usually a secret.
type ValueError struct {
	Dialect Dialect
	Offset  int    // byte offset of the first byte that cannot be carried; -1 for the whole value
	What    string // what cannot be carried, such as "NUL" or "invalid UTF-8"
}

func (e *ValueError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s cannot carry %s", e.Dialect, e.What)
	}
	return fmt.Sprintf("%s cannot carry %s (byte %d of the value)", e.Dialect, e.What, e.Offset)
}

// Quote returns value as one word of the dialect that evaluates to exactly value, or a
// *ValueError for a value the dialect cannot carry. Each dialect writes:
//
//	POSIX       'it'\''s'          single quotes; ' becomes '\''
//	Fish        'it\'s a\\b'       single quotes, in which only \\ and \' are escapes;
//	            'a'\n'b'           a newline becomes \n outside the quotes, to keep one line
//	Csh         'it'\''s'          single quotes; ' becomes '\'', ! becomes \!, and \ becomes
//	            'a'\\'b\!'         '\\' (outside the quotes, where tcsh's backslash_quote
//	                               cannot change what it means)
//	PowerShell  'it''s'            single quotes; each of ' U+2018 U+2019 U+201A U+201B is
//	            'a' + "`n" + 'b'   doubled; a newline or CR is joined on as "`n" or "`r", to
//	                               keep one line for Invoke-Expression
//	Cmd         "it's"             double quotes, nothing escaped
//
// and refuses:
//
//	all         NUL
//	POSIX       invalid UTF-8: yash cannot read it, so no POSIX caller can write it either
//	Csh         newline: eval "`…`" turns it into a space, whatever its quoting
//	PowerShell  invalid UTF-8: Windows' environment is UTF-16
//	Cmd         invalid UTF-8; the empty value (set "N=" removes the variable); newline and CR
//	            (which end the line or are dropped); Ctrl-Z (a newline in batch files);
//	            " (ends the quotes); % (expanded inside quotes too, and cannot be escaped
//	            there at the prompt); ! (expanded inside quotes under delayed expansion)
//
// csh's history substitution acts inside single quotes, and not only in interactive shells:
// in scripts, eval and source too; hence \!. fish and csh carry invalid UTF-8 byte for byte.
func (d Dialect) Quote(value string) (string, error) {
	if err := d.check(value); err != nil {
		return "", err
	}
	switch d {
	case POSIX:
		return "'" + strings.ReplaceAll(value, "'", `'\''`) + "'", nil
	case Fish:
		return quoteFish(value), nil
	case Csh:
		return quoteCsh(value), nil
	case PowerShell:
		return quotePowerShell(value), nil
	case Cmd:
		return `"` + value + `"`, nil
	}
	return "", fmt.Errorf("shell: unknown dialect %d", int(d))
}

// Set returns the line, without a newline, that sets name to value: exported to child
// processes when export is true, a shell variable only when it is false.
//
//	POSIX       export NAME='v'                NAME='v'
//	Fish        set -gx NAME 'v'               set -g NAME 'v'
//	Csh         setenv NAME 'v'                set NAME='v'
//	PowerShell  $Env:NAME = 'v'                $Env:NAME = 'v'
//	Cmd         set "NAME=v"                   set "NAME=v"
//
// PowerShell and cmd have no unexported variables that outlive a script, so both forms set the
// environment variable. An unexported POSIX or fish assignment keeps a variable that is already
// exported exported, as the shells do. Set returns ErrInvalidName for a name ValidName rejects
// and a *ValueError for a value Quote refuses.
func (d Dialect) Set(name, value string, export bool) (string, error) {
	if !ValidName(name) {
		return "", ErrInvalidName
	}
	q, err := d.Quote(value)
	if err != nil {
		return "", err
	}
	switch d {
	case POSIX:
		if export {
			return "export " + name + "=" + q, nil
		}
		return name + "=" + q, nil
	case Fish:
		if export {
			return "set -gx " + name + " " + q, nil
		}
		return "set -g " + name + " " + q, nil
	case Csh:
		if export {
			return "setenv " + name + " " + q, nil
		}
		return "set " + name + "=" + q, nil
	case PowerShell:
		return "$Env:" + name + " = " + q, nil
	case Cmd:
		return `set "` + name + "=" + value + `"`, nil
	}
	return "", fmt.Errorf("shell: unknown dialect %d", int(d))
}

// Unset returns the line, without a newline, that removes name; export says which of csh's two
// kinds of variable it is (setenv or set), as in Set. The others have one command for both:
//
//	POSIX       unset NAME
//	Fish        set -e NAME
//	Csh         unsetenv NAME                   unset NAME
//	PowerShell  Remove-Item Env:NAME -ErrorAction SilentlyContinue
//	Cmd         set "NAME="
//
// cmd's is quoted so that a space after it, pasted or not, cannot become the value. Unset
// returns ErrInvalidName for a name ValidName rejects.
func (d Dialect) Unset(name string, export bool) (string, error) {
	if !ValidName(name) {
		return "", ErrInvalidName
	}
	switch d {
	case POSIX:
		return "unset " + name, nil
	case Fish:
		return "set -e " + name, nil
	case Csh:
		// csh keeps shell variables and environment variables apart, and a name can be both:
		// remove both, whichever way the value was set.
		return "unset " + name + "; unsetenv " + name, nil
	case PowerShell:
		return "Remove-Item Env:" + name + " -ErrorAction SilentlyContinue", nil
	case Cmd:
		return `set "` + name + `="`, nil
	}
	return "", fmt.Errorf("shell: unknown dialect %d", int(d))
}

// check returns a *ValueError for the first byte of value that d cannot carry.
func (d Dialect) check(value string) error {
	fail := func(i int, what string) error { return &ValueError{Dialect: d, Offset: i, What: what} }
	if d == Cmd && value == "" {
		return fail(-1, "an empty value (set \"NAME=\" removes the variable)")
	}
	utf8Only := d == POSIX || d == PowerShell || d == Cmd
	for i := 0; i < len(value); {
		c := value[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(value[i:])
			if r == utf8.RuneError && size == 1 && utf8Only {
				return fail(i, "invalid UTF-8")
			}
			i += size
			continue
		}
		switch {
		case c == 0:
			return fail(i, "NUL")
		case c == '\n' && (d == Csh || d == Cmd):
			return fail(i, "a newline")
		case d != Cmd:
		case c == '\r':
			return fail(i, "a carriage return")
		case c == 0x1a:
			return fail(i, "Ctrl-Z")
		case c == '"':
			return fail(i, `a double quote (")`)
		case c == '%':
			return fail(i, "a percent sign (%)")
		case c == '!':
			return fail(i, "an exclamation mark (!)")
		}
		i++
	}
	return nil
}

func quoteFish(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`'\n'`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func quoteCsh(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\'':
			b.WriteString(`'\''`)
		case '\\':
			b.WriteString(`'\\'`)
		case '!':
			b.WriteString(`\!`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// isPowerShellSingleQuote reports whether PowerShell's tokenizer reads r as a single quote.
func isPowerShellSingleQuote(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b'
}

func quotePowerShell(v string) string {
	var parts []string
	var b strings.Builder
	open := false
	for _, r := range v {
		if r == '\n' || r == '\r' {
			if open {
				parts = append(parts, b.String()+"'")
				b.Reset()
				open = false
			}
			if r == '\n' {
				parts = append(parts, "\"`n\"")
			} else {
				parts = append(parts, "\"`r\"")
			}
			continue
		}
		if !open {
			b.WriteByte('\'')
			open = true
		}
		b.WriteRune(r)
		if isPowerShellSingleQuote(r) {
			b.WriteRune(r)
		}
	}
	if open {
		parts = append(parts, b.String()+"'")
	}
	if len(parts) == 0 {
		return "''"
	}
	return strings.Join(parts, " + ")
}

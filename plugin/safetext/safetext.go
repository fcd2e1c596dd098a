// Package safetext makes text from outside (a user's argument, a server's answer, the OS) safe
// to put in a message on a terminal: no control character in it can act as an escape sequence.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
)

// Quote escapes a user-supplied value as a Go string literal does, without the quotes, so that
// the user sees exactly what they typed, control characters included.
func Quote(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// Clean turns text from a server or the OS into one short line: control characters become
// spaces, a final full stop goes (the message adds its own), at most 200 characters.
func Clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// Package safetext makes text from outside (a user's argument, a server's answer, the OS) safe
// to put in a message on a terminal: no control character in it can act as an escape sequence.
package safetext

import (
	"errors"
	"fmt"
	"io/fs"
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

// Terminal escapes what could act on a terminal in a value printed for a person: C0 and C1
// control characters, DEL, and the bidirectional controls that reorder what is shown (U+061C,
// U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). They are shown as Go escapes (\x1b, \u202e),
// so the value stays visible; everything else is kept.
func Terminal(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !unsafeRune(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r) // '\x1b', '\u202e'
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// JSON escapes, in JSON text that encoding/json wrote, the characters it leaves as they are but a
// terminal would act on: DEL, C1 controls and the bidirectional controls, as \uXXXX (which a JSON
// reader decodes back to the same string).
func JSON(b []byte) []byte {
	s := string(b)
	// encoding/json escapes C0 controls inside strings itself; outside them they are its own
	// layout (newlines, indentation).
	left := func(r rune) bool { return r >= 0x20 && unsafeRune(r) }
	if !strings.ContainsFunc(s, left) {
		return b
	}
	var out strings.Builder
	for _, r := range s {
		if left(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// OSError is an OS error's own words, without the path and operation Go puts before them (the
// message names the path itself, quoted).
func OSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

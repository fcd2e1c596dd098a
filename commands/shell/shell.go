// Package shell writes assignments that a POSIX shell evaluates safely.
package shell

import "strings"

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

// Quote returns s in POSIX single quotes, inside which no character is special. Each single
// quote in s ends the quoting, adds a backslash-escaped quote and starts quoting again.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Export returns `export NAME='value'`.
func Export(name, value string) string {
	return "export " + name + "=" + Quote(value)
}

// Unset returns `unset NAME`.
func Unset(name string) string {
	return "unset " + name
}

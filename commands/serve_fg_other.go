//go:build unix && !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package commands

// inForeground cannot tell here: every signal is passed on.
func inForeground() bool { return false }

//go:build unix

package commands

import "syscall"

// execProcess replaces kp-token with the command (execve), as aws-vault does: the command gets
// the terminal, every signal sent to this process, and its exit status is the one the shell
// sees (128+n when it dies of signal n). It returns only when the command cannot be started.
func execProcess(path string, argv, env []string) error {
	return syscall.Exec(path, argv, env)
}

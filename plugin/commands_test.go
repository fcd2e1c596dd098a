package main

import (
	"io"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// exec replaces kp-token with the command (execve): what only a process shows stays here, the
// command's exit status and death by a signal becoming kp-token's own, and signals sent to
// kp-token reaching the command, which it is. The environment and arguments the command gets,
// and what keeps it from running, are tested in commands/exec_test.go.
func TestExecIsTheCommand(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	run := func(args ...string) result {
		return s.finish(s.command(binary, append([]string{"exec", "--"}, args...)...), "")
	}
	r := run("sh", "-c", "echo out; echo err >&2; exit 3")
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "out\n", r.stdout)
	assert.Equal(t, "err\n", r.stderr)
	assert.Equal(t, 128+int(syscall.SIGTERM), run("sh", "-c", "kill -TERM $$").code)
	assert.Equal(t, 0, s.iam.Calls())

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		cmd := exec.Command(binary, "exec", "--", "sh", "-c", `trap 'echo got; exit 7' INT TERM HUP; echo ready; while :; do sleep 0.05; done`)
		cmd.Env, cmd.Dir = s.env, s.home
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		// A signal that never arrives fails the test instead of hanging it: the whole session,
		// the command with kp-token, is killed.
		stop := time.AfterFunc(10*time.Second, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
		buf := make([]byte, 6)
		_, err = io.ReadFull(out, buf)
		require.NoError(t, err)
		require.Equal(t, "ready\n", string(buf))
		require.NoError(t, cmd.Process.Signal(sig))
		rest, _ := io.ReadAll(out)
		err = cmd.Wait()
		stop.Stop()
		assert.Equal(t, "got\n", string(rest), "%v reached the command", sig)
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 7, exit.ExitCode())
	}
}

// exec --serve keeps kp-token as the command's parent (it serves the command's token
// requests): its exit status is the command's, a command that dies of a signal makes kp-token
// die of the same one, and the signals a terminal or a supervisor sends kp-token reach the
// command. Run in a session of its own, with no terminal: Ctrl-C and Ctrl-\ are passed on only
// when no terminal sends them to the command itself.
func TestExecServePassesStatusAndSignals(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	command := func(args ...string) *exec.Cmd {
		cmd := exec.Command(binary, append([]string{"exec", "--serve", "--"}, args...)...)
		cmd.Env, cmd.Dir = s.env, s.home
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		return cmd
	}
	r := s.finish(command("sh", "-c", "echo out; echo err >&2; exit 3"), "")
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "out\n", r.stdout)
	assert.Equal(t, "err\n", r.stderr)

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGKILL} {
		err := command("sh", "-c", "kill -"+sigName(sig)+" $$").Run()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		ws := exit.Sys().(syscall.WaitStatus)
		assert.True(t, ws.Signaled(), "kp-token died of a signal, as the command did")
		assert.Equal(t, sig, ws.Signal())
	}
	assert.Equal(t, 0, s.iam.Calls())

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH} {
		cmd := command("sh", "-c", `trap 'echo got; exit 7' INT TERM HUP QUIT USR1 USR2 WINCH; echo ready; while :; do sleep 0.05; done`)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		// A signal that never arrives fails the test instead of hanging it: the whole session,
		// the command with kp-token, is killed.
		stop := time.AfterFunc(10*time.Second, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
		buf := make([]byte, 6)
		_, err = io.ReadFull(out, buf)
		require.NoError(t, err)
		require.Equal(t, "ready\n", string(buf))
		require.NoError(t, cmd.Process.Signal(sig))
		rest, _ := io.ReadAll(out)
		err = cmd.Wait()
		stop.Stop()
		assert.Equal(t, "got\n", string(rest), "%v reached the command", sig)
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 7, exit.ExitCode(), "%v", sig)
	}
}

// sigName is the name kill takes.
func sigName(sig syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGTERM: "TERM", syscall.SIGINT: "INT", syscall.SIGKILL: "KILL"}[sig]
}

package shell_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/commands/shell/shelltest"
)

// lineCase is a line for runLines to evaluate: Set's for value, or Unset's.
type lineCase struct {
	value   string
	export  bool
	unset   bool // Unset's line, for a variable set beforehand (in the shell's own syntax)
	missing bool // with unset: the variable is not set beforehand
}

// outcome is what evaluating a case's line one way left behind.
type outcome struct {
	lineCase
	how      string // how the line was evaluated, e.g. "eval" or "interactive eval"
	line     string // the line, for V
	set      bool   // the variable is set, as a shell variable or in the environment
	value    string // its value
	exported bool   // a child process sees it
}

// way is a way users evaluate the lines in a file.
type way struct {
	how    string
	format string // with one %s, the file
	// joins says many lines in one file are read as if each were alone, so that the cases
	// can share one file and the program that reads it (one process, not one per case).
	joins bool
}

// syntax is what the harness writes in a dialect to evaluate the lines and report.
type syntax struct {
	ways []way
	// set sets %[1]s to x, exported (setEnv) or not, for Unset's lines to remove.
	setEnv, setVar string
	// copyVar copies the shell variable %[1]s, if it is set, to the environment variable
	// %[2]s, so that one child process can report every value; it runs no program.
	copyVar string
}

var syntaxes = map[shell.Dialect]syntax{
	shell.POSIX: {
		ways:    []way{{"eval", `eval "$(cat %s)"`, true}, {"dot", `. ./%s`, true}},
		setEnv:  "export %s=x",
		setVar:  "%s=x",
		copyVar: `if [ -n "${%[1]s+x}" ]; then %[2]s=$%[1]s; export %[2]s; fi`,
	},
	shell.Fish: {
		ways: []way{
			{"source", `source %s`, true},
			{"pipe", `cat %s | source`, true},
			{"eval", `eval (cat %s)`, false}, // eval joins the lines of (…) with spaces
		},
		setEnv:  "set -gx %s x",
		setVar:  "set -g %s x",
		copyVar: `if set -q %[1]s; set -gx %[2]s "$%[1]s"; end`,
	},
	shell.Csh: {
		ways: []way{
			{"eval", "eval \"`cat %s`\"", false}, // eval joins the lines of `…` with spaces
			{"source", `source %s`, true},
		},
		setEnv: "setenv %s x",
		setVar: "set %s=x",
		// The one-line if substitutes $V even when V is unset, an error that makes an
		// interactive csh throw away the rest of its input.
		copyVar: "if ($?%[1]s) then\n setenv %[2]s \"$%[1]s\"\nendif",
	},
}

// runLines has sh evaluate each case's line in every way of its dialect (or only the first,
// the users' recipe, for a case with oneWay), all in one process; and, for an interactive
// shell, once more as an interactive shell in the first way. Each case and way has a variable
// of its own, V0, V1, …; at the end one `env -0` reports them all. It returns an outcome for
// each case and way, and the shell's stderr.
func runLines(tb testing.TB, sh shelltest.Shell, locale string, cases []lineCase, oneWay func(lineCase) bool) ([]outcome, string) {
	tb.Helper()
	dir, err := os.MkdirTemp("", "shell-test-")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(dir)
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		tb.Fatal(err)
	}
	syn := syntaxes[sh.Dialect]
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	// build returns the outcomes to fill in and the script that evaluates the cases.
	build := func(prefix string, firstWayOnly bool) ([]outcome, string) {
		var outs []outcome
		var pre, eval, copies []string
		for k, w := range syn.ways {
			var joined []string
			for _, c := range cases {
				if k > 0 && (firstWayOnly || oneWay != nil && oneWay(c)) {
					continue
				}
				n := len(outs)
				name := fmt.Sprintf("V%d", n)
				var line string
				var err error
				if c.unset {
					line, err = sh.Dialect.Unset(name, c.export)
					if !c.missing && c.export {
						pre = append(pre, fmt.Sprintf(syn.setEnv, name))
					} else if !c.missing {
						pre = append(pre, fmt.Sprintf(syn.setVar, name))
					}
				} else {
					line, err = sh.Dialect.Set(name, c.value, c.export)
				}
				if err != nil {
					tb.Fatalf("%+v: %v", c, err)
				}
				outs = append(outs, outcome{lineCase: c, how: prefix + w.how, line: line})
				copies = append(copies, fmt.Sprintf(syn.copyVar, name, fmt.Sprintf("C%d", n)))
				if w.joins {
					joined = append(joined, line)
				} else {
					file := fmt.Sprintf("line%s%d", prefix[:min(len(prefix), 1)], n)
					write(file, line+"\n")
					eval = append(eval, fmt.Sprintf(w.format, file))
				}
			}
			if len(joined) > 0 {
				file := fmt.Sprintf("lines%s%d", prefix[:min(len(prefix), 1)], k)
				write(file, strings.Join(joined, "\n")+"\n")
				eval = append(eval, fmt.Sprintf(w.format, file))
			}
		}
		script := append(append(append([]string{sh.Prelude}, pre...), eval...), copies...)
		script = append(script, "env -0 > env.out")
		return outs, strings.Join(script, "\n") + "\n"
	}
	var stderr bytes.Buffer
	run := func(outs []outcome, args []string, stdin string) []outcome {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, sh.Argv[0], append(sh.Argv[1:], args...)...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LC_ALL=" + locale, "TERM=dumb"}
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Stderr = &stderr
		_ = cmd.Run() // a failure shows in what the script leaves, or does not
		if ctx.Err() != nil {
			tb.Fatalf("%s timed out", sh.Name)
		}
		// Only the harness's own files may be left: anything else is a line that ran something.
		entries, err := os.ReadDir(dir)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range entries {
			if n := e.Name(); n != "home" && n != "env.out" && !strings.HasPrefix(n, "line") {
				tb.Errorf("%s: evaluating the lines created %q\nstderr: %s", sh.Name, n, stderr.String())
			}
		}
		out, err := os.ReadFile(filepath.Join(dir, "env.out"))
		if err != nil {
			// The shell stopped before the end: nothing is known to be set.
			return outs
		}
		os.Remove(filepath.Join(dir, "env.out"))
		env := map[string]string{}
		for _, kv := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		for n := range outs {
			o := &outs[n]
			v, exported := env[fmt.Sprintf("V%d", n)]
			c, isVar := env[fmt.Sprintf("C%d", n)]
			if exported && isVar && v != c {
				tb.Errorf("%s %s of %q: the shell variable %q is not the environment's %q", sh.Name, o.how, o.line, c, v)
			}
			o.exported, o.set = exported, exported || isVar
			o.value = v
			if isVar {
				o.value = c
			}
		}
		return outs
	}
	outs, script := build("", false)
	outs = run(outs, []string{"-c", script}, "")
	if sh.Interactive {
		iouts, script := build("interactive ", true)
		outs = append(outs, run(iouts, []string{"-i"}, script+"exit\n")...)
	}
	return outs, stderr.String()
}

// checkOutcome fails tb unless o is what its case asked for. Past the shell's limit on a
// line's length the variable may be left unset too: the shell failed closed.
func checkOutcome(tb testing.TB, sh shelltest.Shell, locale string, o outcome, stderr string) {
	tb.Helper()
	switch {
	case o.unset && o.set:
		tb.Errorf("%s (%s) %s of %q left it set to %q\nstderr: %s", sh.Name, locale, o.how, o.line, o.value, stderr)
	case o.unset:
	case sh.MaxLine > 0 && len(o.line) > sh.MaxLine && !o.set:
	case !o.set:
		tb.Errorf("%s (%s) %s of %q left it unset\nstderr: %s", sh.Name, locale, o.how, o.line, stderr)
	case o.value != o.lineCase.value:
		tb.Errorf("%s (%s) %s of %q:\n got %q\nwant %q\nstderr: %s", sh.Name, locale, o.how, o.line, o.value, o.lineCase.value, stderr)
	case o.exported != o.export:
		tb.Errorf("%s (%s) %s of %q: exported is %v", sh.Name, locale, o.how, o.line, o.exported)
	}
}

// checkRoundTrips has sh evaluate Set's lines for each value, exported and not, and fails tb
// unless every way left exactly the value behind, exported or not as asked. The unexported
// line quotes as the exported one does, so it is evaluated only the first way.
func checkRoundTrips(tb testing.TB, sh shelltest.Shell, locale string, values []string) {
	tb.Helper()
	var cases []lineCase
	for _, v := range values {
		cases = append(cases, lineCase{value: v, export: true}, lineCase{value: v})
	}
	outs, stderr := runLines(tb, sh, locale, cases, func(c lineCase) bool { return !c.export })
	for _, o := range outs {
		checkOutcome(tb, sh, locale, o, stderr)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestRealShells evaluates the lines for every seed that the dialect carries in every shell,
// in the C.UTF-8 locale and, for the seeds past ASCII, in the C locale, in each of the ways
// users evaluate them.
func TestRealShells(t *testing.T) {
	for _, sh := range shelltest.All {
		t.Run(sh.Name, func(t *testing.T) {
			sh := shelltest.Require(t, sh)
			t.Parallel()
			for _, locale := range []string{"C.UTF-8", "C"} {
				var batch []string
				for _, v := range seeds {
					switch {
					case refused(sh.Dialect, v):
					case locale == "C" && isASCII(v):
						// The locale changes only how bytes past ASCII are read.
					case sh.Name == "yash" && locale == "C":
						// yash reads no byte past ASCII outside a UTF-8 locale.
					case sh.MaxLine > 0 && len(v) > sh.MaxLine/2:
						checkRoundTrips(t, sh, locale, []string{v}) // may fail closed, alone
					default:
						batch = append(batch, v)
					}
				}
				checkRoundTrips(t, sh, locale, batch)
			}
		})
	}
}

// TestUnsetInRealShells evaluates Unset's lines, for a variable that is set and one that is
// not (no error that stops a script).
func TestUnsetInRealShells(t *testing.T) {
	for _, sh := range shelltest.All {
		t.Run(sh.Name, func(t *testing.T) {
			sh := shelltest.Require(t, sh)
			t.Parallel()
			cases := []lineCase{
				{unset: true, export: true}, {unset: true},
				{unset: true, export: true, missing: true}, {unset: true, missing: true},
				{value: "after", export: true}, {value: "after"},
			}
			outs, stderr := runLines(t, sh, "C.UTF-8", cases, nil)
			for _, o := range outs {
				checkOutcome(t, sh, "C.UTF-8", o, stderr)
			}
			if len(outs) == 0 || !outs[len(outs)-1].set {
				t.Errorf("%s stopped before the end\nstderr: %s", sh.Name, stderr)
			}
		})
	}
}

// BSD csh's eval takes at most shell.BSDCshEvalMax bytes; past that it must stop, not set something
// else or run anything. tcsh has no such limit.
func TestCshLongLines(t *testing.T) {
	for _, sh := range shelltest.Of(t, shell.Csh) {
		for _, n := range []int{shell.BSDCshEvalMax - len("setenv V0 ''"), shell.BSDCshEvalMax - len("setenv V0 ''") + 1, 20000} {
			for _, value := range []string{
				strings.Repeat("x", n),
				strings.Repeat("x", n-len("'; touch pwned; '")) + "'; touch pwned; '",
			} {
				outs, stderr := runLines(t, sh, "C.UTF-8", []lineCase{{value: value, export: true}}, nil)
				for _, o := range outs {
					if sh.MaxLine > 0 && len(o.line) > sh.MaxLine && strings.HasSuffix(o.how, "eval") {
						if o.set {
							t.Errorf("%s %s of a %d-byte line set V", sh.Name, o.how, len(o.line))
						}
						if !strings.Contains(stderr, "Word too long") {
							t.Errorf("%s: %d-byte line: stderr %q", sh.Name, len(o.line), stderr)
						}
					}
					checkOutcome(t, sh, "C.UTF-8", o, stderr)
				}
			}
		}
	}
}

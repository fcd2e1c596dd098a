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
)

// realShell is a shell the tests evaluate lines with, the way its users do.
type realShell struct {
	name    string   // the name in test names and in CI's list
	argv    []string // the command; the script follows as -c SCRIPT
	dialect shell.Dialect
	// maxLine is the longest line the shell's eval reads, 0 for no limit. A longer line
	// must fail closed: the variable is left unset, never set to something else.
	maxLine int
	// interactive says the shell is also run as an interactive shell (-i, script on stdin),
	// where csh's history substitution has real events to substitute.
	interactive bool
}

// bsdCshEvalMax is the longest eval "`…`" argument BSD csh takes: past it csh stops with
// "Word too long." and runs nothing more.
const bsdCshEvalMax = 4090

// realShells are every shell the tests evaluate lines with. Under CI=true each must be
// installed: all are Debian packages (bsd-csh is in the package csh).
var realShells = []realShell{
	{name: "bash", argv: []string{"bash", "--norc", "--noprofile"}},
	{name: "dash", argv: []string{"dash"}},
	{name: "zsh", argv: []string{"zsh", "-f"}},
	{name: "ksh", argv: []string{"ksh"}},
	{name: "mksh", argv: []string{"mksh"}},
	{name: "yash", argv: []string{"yash"}},
	{name: "busybox", argv: []string{"busybox", "sh"}},
	{name: "fish", argv: []string{"fish", "--no-config"}, dialect: shell.Fish},
	{name: "tcsh", argv: []string{"tcsh", "-f"}, dialect: shell.Csh, interactive: true},
	{name: "bsd-csh", argv: []string{"bsd-csh", "-f"}, dialect: shell.Csh, maxLine: bsdCshEvalMax, interactive: true},
}

// shellsOf returns the installed shells of dialect d with their paths. A missing shell is a
// failure under CI=true and is left out otherwise.
func shellsOf(tb testing.TB, d shell.Dialect) []realShell {
	tb.Helper()
	var out []realShell
	for _, sh := range realShells {
		if sh.dialect != d {
			continue
		}
		path, err := exec.LookPath(sh.argv[0])
		if err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("%s is not installed; CI must install it", sh.name)
			}
			tb.Logf("%s is not installed: not tested", sh.name)
			continue
		}
		sh.argv = append([]string{path}, sh.argv[1:]...)
		out = append(out, sh)
	}
	return out
}

// requireShell returns sh with its path, or skips (fails under CI=true) when it is missing.
func requireShell(t *testing.T, sh realShell) realShell {
	t.Helper()
	path, err := exec.LookPath(sh.argv[0])
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; CI must install it", sh.name)
		}
		t.Skipf("%s is not installed", sh.name)
	}
	sh.argv = append([]string{path}, sh.argv[1:]...)
	return sh
}

// outcome is what one way of evaluating a line left behind.
type outcome struct {
	how      string // how the line was evaluated, e.g. "eval" or "source"
	export   bool   // whether the line was Set's export form
	set      bool   // the shell variable is set (export=false) or the environment has it
	value    string // its value
	exported bool   // a child process sees the variable
	line     string // the line evaluated
}

// syntax is what the harness writes in a dialect to evaluate the lines and report.
type syntax struct {
	// ways are the ways users evaluate a file's line: each a format with one %s, the file.
	ways  []struct{ how, format string }
	clear string // removes V, whether a shell variable or an environment variable
	// shellVar writes 'x' and V's value to the file %s when V is set as a shell variable.
	shellVar string
	// shellVarForks says shellVar runs a program: then only unexported lines run it, as
	// printenv's output is enough for the others.
	shellVarForks bool
}

var syntaxes = map[shell.Dialect]syntax{
	shell.POSIX: {
		ways: []struct{ how, format string }{
			{"eval", `eval "$(cat %s)"`},
			{"dot", `. ./%s`},
		},
		clear:    `unset V`,
		shellVar: `if [ -n "${V+x}" ]; then printf 'x%%s' "$V" > %s; fi`,
	},
	shell.Fish: {
		ways: []struct{ how, format string }{
			{"source", `source %s`},
			{"pipe", `cat %s | source`},
			{"eval", `eval (cat %s)`},
		},
		clear:    `set -e V`,
		shellVar: `if set -q V; printf 'x%%s' "$V" > %s; end`,
	},
	shell.Csh: {
		ways: []struct{ how, format string }{
			{"eval", "eval \"`cat %s`\""},
			{"source", `source %s`},
		},
		clear: `unsetenv V; unset V`,
		// The one-line if substitutes $V even when V is unset, an error that makes an
		// interactive csh throw away the rest of its input.
		shellVar:      "if ($?V) then\n " + externalPrintf + " 'x%%s' \"$V\" > %s\nendif",
		shellVarForks: true,
	},
}

// lineCase is a line for runLines to evaluate, after the statement pre when there is one.
type lineCase struct {
	line   string
	export bool   // whether line is the export form
	pre    string // run before the line: sets V for an unset line to remove
	oneWay bool   // evaluate the line only in the first way, the users' recipe
	// checkNotExported has a child process look for V after an unexported line too: it
	// costs a process per line and way, so only some tests ask for it.
	checkNotExported bool
}

// externalPrintenv and externalPrintf are the paths of printenv and printf, so that csh runs them
// and not its builtins.
var externalPrintenv, externalPrintf = lookPath("printenv"), lookPath("printf")

func lookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

// runLines writes each case's line to a file and has sh evaluate each file in every way of its
// dialect, all in one process (and, for an interactive shell, once more as an interactive
// shell, in the first way). It returns one outcome per case and way, and the shell's stderr.
func runLines(tb testing.TB, sh realShell, locale string, cases []lineCase) ([]outcome, string) {
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
	syn := syntaxes[sh.dialect]
	for i, c := range cases {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("line%d", i)), []byte(c.line+"\n"), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	type step struct {
		out  outcome
		v, e string // files with the shell variable and printenv's output
	}
	// build writes the script that evaluates each case in its ways, or only in the first,
	// the users' recipe.
	build := func(firstWayOnly bool) ([]step, string) {
		var steps []step
		var script []string
		for i, c := range cases {
			for k, w := range syn.ways {
				if k > 0 && (firstWayOnly || c.oneWay) {
					break
				}
				n := len(steps)
				st := step{out: outcome{how: w.how, export: c.export, line: c.line}, v: fmt.Sprintf("v%d", n), e: fmt.Sprintf("e%d", n)}
				steps = append(steps, st)
				if c.pre != "" {
					script = append(script, c.pre)
				}
				script = append(script, fmt.Sprintf(w.format, fmt.Sprintf("line%d", i)))
				if c.export || c.checkNotExported {
					script = append(script, externalPrintenv+" V > "+st.e)
				}
				if !c.export || !syn.shellVarForks {
					script = append(script, fmt.Sprintf(syn.shellVar, st.v))
				}
				script = append(script, syn.clear)
			}
		}
		return steps, strings.Join(script, "\n")
	}
	var stderr bytes.Buffer
	run := func(argv []string, stdin string) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LC_ALL=" + locale, "TERM=dumb"}
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Stderr = &stderr
		// Errors show as missing files; the shell's exit status says nothing more.
		_ = cmd.Run()
		if ctx.Err() != nil {
			tb.Fatalf("%s timed out", sh.name)
		}
	}
	collect := func(steps []step, prefix string) []outcome {
		var outs []outcome
		for _, st := range steps {
			o := st.out
			o.how = prefix + o.how
			if e, err := os.ReadFile(filepath.Join(dir, st.e)); err == nil && len(e) > 0 {
				o.exported = true
				o.set = true
				o.value = strings.TrimSuffix(string(e), "\n") // printenv adds one newline
			}
			if v, err := os.ReadFile(filepath.Join(dir, st.v)); err == nil {
				if o.exported && string(v) != "x"+o.value {
					tb.Errorf("%s %s: the shell variable %q is not the environment's %q", sh.name, o.how, v, o.value)
				}
				o.set = true
				o.value = strings.TrimPrefix(string(v), "x")
			}
			outs = append(outs, o)
			os.Remove(filepath.Join(dir, st.v))
			os.Remove(filepath.Join(dir, st.e))
		}
		return outs
	}
	// Only the harness's own files may be left: anything else is a line that ran something.
	ranNothing := func() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range entries {
			if n := e.Name(); n != "home" && !strings.HasPrefix(n, "line") {
				tb.Errorf("%s: evaluating the lines created %q\nstderr: %s", sh.name, n, stderr.String())
			}
		}
	}
	steps, script := build(false)
	run(append(sh.argv, "-c", script), "")
	outs := collect(steps, "")
	ranNothing()
	if sh.interactive {
		steps, script := build(true)
		run(append(sh.argv, "-i"), script+"\nexit\n")
		outs = append(outs, collect(steps, "interactive ")...)
		ranNothing()
	}
	return outs, stderr.String()
}

// checkRoundTrip evaluates Set's lines for value in sh and fails tb unless every way left
// exactly value behind, exported or not as asked.
func checkRoundTrip(tb testing.TB, sh realShell, locale, value string) {
	tb.Helper()
	checkRoundTrips(tb, sh, locale, []string{value})
}

// checkOutcome fails tb unless o is value, exported as the line asked. Past the shell's
// limit on a line's length the variable may be left unset too: the shell failed closed.
func checkOutcome(tb testing.TB, sh realShell, locale string, o outcome, value, stderr string) {
	tb.Helper()
	if sh.maxLine > 0 && len(o.line) > sh.maxLine && !o.set {
		return
	}
	switch {
	case !o.set:
		tb.Errorf("%s (%s) %s of %q left V unset\nstderr: %s", sh.name, locale, o.how, o.line, stderr)
	case o.value != value:
		tb.Errorf("%s (%s) %s of %q:\n got %q\nwant %q\nstderr: %s", sh.name, locale, o.how, o.line, o.value, value, stderr)
	case o.exported && !o.export:
		tb.Errorf("%s (%s) %s of %q: exported is %v", sh.name, locale, o.how, o.line, o.exported)
	}
}

// preSet sets V to "x" in a dialect's own syntax, exported or not.
var preSet = map[shell.Dialect]map[bool]string{
	shell.POSIX: {true: "export V=x", false: "V=x"},
	shell.Fish:  {true: "set -gx V x", false: "set -g V x"},
	shell.Csh:   {true: "setenv V x", false: "set V=x"},
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
// in the C.UTF-8 and the C locale, in each of the ways users evaluate them.
func TestRealShells(t *testing.T) {
	for _, sh := range realShells {
		t.Run(sh.name, func(t *testing.T) {
			sh := requireShell(t, sh)
			t.Parallel()
			for _, locale := range []string{"C.UTF-8", "C"} {
				var batch []string
				for _, v := range seeds {
					switch {
					case refused(sh.dialect, v):
					case locale == "C" && isASCII(v):
						// The locale changes only how bytes past ASCII are read.
					case sh.name == "yash" && locale == "C" && !isASCII(v):
						// yash reads no byte past ASCII outside a UTF-8 locale.
					case sh.maxLine > 0 && len(v) > sh.maxLine/2:
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

// checkRoundTrips is checkRoundTrip for many values in one process.
func checkRoundTrips(tb testing.TB, sh realShell, locale string, values []string) {
	tb.Helper()
	var cases []lineCase
	want := map[string]string{}
	for _, value := range values {
		for _, export := range []bool{true, false} {
			line, err := sh.dialect.Set("V", value, export)
			if err != nil {
				tb.Fatalf("Set(%q, export=%v): %v", value, export, err)
			}
			// Both lines quote alike: the unexported one needs no second way.
			cases = append(cases, lineCase{line: line, export: export, oneWay: !export})
			want[line] = value
		}
	}
	outs, stderr := runLines(tb, sh, locale, cases)
	for _, o := range outs {
		checkOutcome(tb, sh, locale, o, want[o.line], stderr)
	}
}

// TestUnsetInRealShells evaluates Unset's lines, and checks that an unexported Set exports
// nothing.
func TestUnsetInRealShells(t *testing.T) {
	for _, sh := range realShells {
		t.Run(sh.name, func(t *testing.T) {
			sh := requireShell(t, sh)
			t.Parallel()
			after, err := sh.dialect.Set("V", "after", true)
			if err != nil {
				t.Fatal(err)
			}
			var cases []lineCase
			for _, export := range []bool{true, false} {
				line, err := sh.dialect.Unset("V", export)
				if err != nil {
					t.Fatal(err)
				}
				cases = append(cases,
					lineCase{line: line, export: export, pre: preSet[sh.dialect][export], checkNotExported: true},
					// Unsetting a variable that is not set is no error that stops a script.
					lineCase{line: line, export: export, checkNotExported: true},
					lineCase{line: after, export: true})
			}
			// And an unexported line exports nothing.
			local, err := sh.dialect.Set("V", "local", false)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, lineCase{line: local, checkNotExported: true})
			outs, stderr := runLines(t, sh, "C.UTF-8", cases)
			for _, o := range outs {
				switch {
				case o.line == after:
					checkOutcome(t, sh, "C.UTF-8", o, "after", stderr)
				case o.line == local:
					checkOutcome(t, sh, "C.UTF-8", o, "local", stderr)
					if o.exported {
						t.Errorf("%s %s of %q exported V", sh.name, o.how, o.line)
					}
				case o.set:
					t.Errorf("%s %s of %q left V=%q (exported %v)\nstderr: %s", sh.name, o.how, o.line, o.value, o.exported, stderr)
				}
			}
		})
	}
}

// BSD csh's eval takes at most bsdCshEvalMax bytes; past that it must stop, not set something
// else or run anything. tcsh has no such limit.
func TestCshLongLines(t *testing.T) {
	for _, sh := range shellsOf(t, shell.Csh) {
		for _, n := range []int{bsdCshEvalMax - len("setenv V ''"), bsdCshEvalMax - len("setenv V ''") + 1, 20000} {
			value := strings.Repeat("x", n-len("'; touch pwned; '")) + "'; touch pwned; '"
			line, err := sh.dialect.Set("V", strings.Repeat("x", n), true)
			if err != nil {
				t.Fatal(err)
			}
			outs, stderr := runLines(t, sh, "C.UTF-8", []lineCase{{line: line, export: true}})
			for _, o := range outs {
				if sh.maxLine > 0 && len(line) > sh.maxLine && strings.HasSuffix(o.how, "eval") {
					if o.set {
						t.Errorf("%s %s of a %d-byte line set V", sh.name, o.how, len(line))
					}
					if !strings.Contains(stderr, "Word too long") {
						t.Errorf("%s: %d-byte line: stderr %q", sh.name, len(line), stderr)
					}
				}
				checkOutcome(t, sh, "C.UTF-8", o, strings.Repeat("x", n), stderr)
			}
			checkRoundTrip(t, sh, "C.UTF-8", value)
		}
	}
}

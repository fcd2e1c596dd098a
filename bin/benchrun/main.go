// Command benchrun is the timer behind bin/bench.sh. It runs two or more commands in turn, run
// by run, so that machine noise hits all of them alike, times each run with the monotonic clock
// (bash and date(1) would add a fork of their own to every figure), and prints the median and
// mean of each and the ratio of each command's median to every later command's. The first
// command is the one under test and the second its reference: the ratio of their medians is
// judged against the budget, in one line of its own, printed last. -judge LABEL judges another
// command against the reference too, in a line of its own just before that one. Every other
// ratio is printed for information only.
//
//	benchrun [-runs N] [-warmup W] [-budget B] [-judge LABEL]... LABEL [VAR=value...] PROG [ARG...] -- LABEL [VAR=value...] PROG [ARG...] [-- ...]
//
// Each "--" separates two commands, so no command can take "--" as an argument. Every command
// gets the caller's environment with its own VAR=value settings on top (set in the environment
// benchrun hands the program, so no shell or env(1) runs in between), no stdin, and /dev/null
// for stdout and stderr. It exits 1 when a run fails and 2 on bad usage; a ratio over budget is
// not a failure.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

type program struct {
	label string
	env   []string // the caller's environment, then the command's VAR=value settings
	argv  []string
	times []time.Duration
}

func main() {
	runs := flag.Int("runs", 300, "timed runs of each command")
	warmup := flag.Int("warmup", 20, "untimed runs of each command first")
	budget := flag.Float64("budget", 1.1, "largest acceptable ratio of the medians, first command over second")
	var judged []string
	flag.Func("judge", "judge the command with this `label` against the second command too (repeatable)", func(label string) error {
		judged = append(judged, label)
		return nil
	})
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchrun [-runs N] [-warmup W] [-budget B] [-judge LABEL]... LABEL [VAR=value...] PROG [ARG...] -- LABEL [VAR=value...] PROG [ARG...] [-- ...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	progs, err := parseCommands(flag.Args())
	if err == nil {
		err = checkJudged(judged, progs)
	}
	if err != nil || *runs < 1 || *warmup < 0 || *budget <= 0 {
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchrun:", err)
		}
		flag.Usage()
		os.Exit(2)
	}

	for i := range *warmup {
		for _, p := range order(i, progs) {
			if _, err := run(p); err != nil {
				fail(p, "warm-up", i+1, err)
			}
		}
	}
	for i := range *runs {
		// Start each round with the next command, so that none always follows another.
		for _, p := range order(i, progs) {
			d, err := run(p)
			if err != nil {
				fail(p, "run", i+1, err)
			}
			p.times = append(p.times, d)
		}
	}

	width := 0
	for _, p := range progs {
		width = max(width, len(p.label))
	}
	fmt.Printf("runs: %d each, interleaved, after %d warm-up runs each\n", *runs, *warmup)
	for _, p := range progs {
		fmt.Printf("%-*s  median %7.3f ms  mean %7.3f ms\n", width+1, p.label+":", ms(median(p.times)), ms(mean(p.times)))
	}
	// Every ratio of a command to a later one, for information; then the judged ones, each over
	// the second, with the first command's last so that its verdict is the last line a reader
	// sees.
	reference := progs[1]
	isJudged := func(i, j int) bool { return j == 1 && (i == 0 || slices.Contains(judged, progs[i].label)) }
	for i := range progs {
		for j := i + 1; j < len(progs); j++ {
			if !isJudged(i, j) && !isJudged(j, i) {
				fmt.Printf("%s / %s = %.2f (information)\n", progs[i].label, progs[j].label, ratio(progs[i], progs[j]))
			}
		}
	}
	for _, p := range progs[2:] {
		if slices.Contains(judged, p.label) {
			judge(p, reference, *budget)
		}
	}
	judge(progs[0], reference, *budget)
}

// judge prints the verdict line of subject against reference.
func judge(subject, reference *program, budget float64) {
	// Judge the ratio as printed, so that "1.10" is never reported over a 1.10 budget.
	r := ratio(subject, reference)
	verdict := "within budget"
	if r > budget {
		verdict = "over budget"
	}
	fmt.Printf("%s / %s = %.2f (budget %.2f): %s\n", subject.label, reference.label, r, budget, verdict)
}

// checkJudged accepts a -judge label that names a command after the second: the first is
// judged anyway, and the second is the reference.
func checkJudged(judged []string, progs []*program) error {
	for _, label := range judged {
		i := slices.IndexFunc(progs, func(p *program) bool { return p.label == label })
		if i < 2 {
			return fmt.Errorf("-judge %s: want the label of a command after the second", label)
		}
	}
	return nil
}

// parseCommands splits LABEL [VAR=value...] PROG ARG... -- ... at each "--".
func parseCommands(args []string) ([]*program, error) {
	if !slices.Contains(args, "--") {
		return nil, errors.New("want two or more commands separated by --")
	}
	var progs []*program
	for {
		i := slices.Index(args, "--")
		group := args
		if i >= 0 {
			group = args[:i]
		}
		if len(group) == 0 {
			return nil, errors.New("each command needs a label and a program")
		}
		p := &program{label: group[0], env: os.Environ()}
		rest := group[1:]
		for len(rest) > 0 && isAssignment(rest[0]) {
			p.env = append(p.env, rest[0]) // exec uses the last value of a name given twice
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return nil, errors.New("each command needs a label and a program")
		}
		p.argv = rest
		progs = append(progs, p)
		if i < 0 {
			break
		}
		args = args[i+1:]
	}
	if len(progs) < 2 {
		return nil, errors.New("want two or more commands separated by --")
	}
	return progs, nil
}

// isAssignment reports whether arg is VAR=value, VAR being a shell variable name.
func isAssignment(arg string) bool {
	name, _, ok := strings.Cut(arg, "=")
	if !ok || name == "" {
		return false
	}
	for i, c := range name {
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// order returns the commands for round i, rotated to start with command i mod n, so that over
// the rounds each command runs equally often in each position.
func order(i int, progs []*program) []*program {
	k := i % len(progs)
	return append(slices.Clone(progs[k:]), progs[:k]...)
}

// ratio is the ratio of the medians of p and q, rounded to two places as it is printed.
func ratio(p, q *program) float64 {
	r := float64(median(p.times)) / float64(median(q.times))
	return math.Round(r*100) / 100
}

func run(p *program) (time.Duration, error) {
	cmd := exec.Command(p.argv[0], p.argv[1:]...) // nil Stdin, Stdout, Stderr: /dev/null
	cmd.Env = p.env
	start := time.Now()
	err := cmd.Run()
	return time.Since(start), err
}

// fail reports a failed run with the stderr of one more run, which the timed runs discard.
func fail(p *program, what string, n int, err error) {
	fmt.Fprintf(os.Stderr, "benchrun: %s %d of %s failed: %v\n", what, n, p.label, err)
	var stderr bytes.Buffer
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = p.env
	cmd.Stderr = &stderr
	if cmd.Run() != nil && stderr.Len() > 0 {
		fmt.Fprintf(os.Stderr, "benchrun: its stderr on a re-run:\n%s\n", strings.TrimRight(stderr.String(), "\n"))
	}
	os.Exit(1)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Command benchrun is the timer behind bin/bench.sh. It runs two commands alternately, run by
// run, so that machine noise hits both alike, times each run with the monotonic clock (bash and
// date(1) would add a fork of their own to every figure), and prints the median and mean of
// each and the ratio of the medians against a budget.
//
//	benchrun [-runs N] [-warmup W] [-budget B] LABEL_A PROG_A [ARG...] -- LABEL_B PROG_B [ARG...]
//
// Both commands get the caller's environment, no stdin, and /dev/null for stdout and stderr.
// It exits 1 when a run fails and 2 on bad usage; a ratio over budget is not a failure.
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
	argv  []string
	times []time.Duration
}

func main() {
	runs := flag.Int("runs", 300, "timed runs of each command")
	warmup := flag.Int("warmup", 20, "untimed runs of each command first")
	budget := flag.Float64("budget", 2, "largest acceptable ratio of the medians, A over B")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchrun [-runs N] [-warmup W] [-budget B] LABEL_A PROG_A [ARG...] -- LABEL_B PROG_B [ARG...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	a, b, err := parseCommands(flag.Args())
	if err != nil || *runs < 1 || *warmup < 0 || *budget <= 0 {
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchrun:", err)
		}
		flag.Usage()
		os.Exit(2)
	}

	for i := range *warmup {
		for _, p := range order(i, a, b) {
			if _, err := run(p); err != nil {
				fail(p, "warm-up", i+1, err)
			}
		}
	}
	for i := range *runs {
		// Swap which goes first on every other run, so neither always follows the other.
		for _, p := range order(i, a, b) {
			d, err := run(p)
			if err != nil {
				fail(p, "run", i+1, err)
			}
			p.times = append(p.times, d)
		}
	}

	width := max(len(a.label), len(b.label))
	fmt.Printf("runs: %d each, interleaved, after %d warm-up runs each\n", *runs, *warmup)
	for _, p := range []*program{a, b} {
		fmt.Printf("%-*s  median %7.3f ms  mean %7.3f ms\n", width+1, p.label+":", ms(median(p.times)), ms(mean(p.times)))
	}
	ratio := float64(median(a.times)) / float64(median(b.times))
	// Judge the ratio as printed, so that "2.00x" is never reported over a 2.00x budget.
	rounded := math.Round(ratio*100) / 100
	fmt.Printf("ratio of medians (%s / %s): %.2fx\n", a.label, b.label, rounded)
	fmt.Printf("budget: %.2fx\n", *budget)
	if rounded <= *budget {
		fmt.Println("within budget: yes")
	} else {
		fmt.Println("within budget: no")
	}
}

// parseCommands splits LABEL_A PROG_A ARG... -- LABEL_B PROG_B ARG... in two.
func parseCommands(args []string) (a, b *program, err error) {
	i := slices.Index(args, "--")
	if i < 0 {
		return nil, nil, errors.New("want two commands separated by --")
	}
	first, second := args[:i], args[i+1:]
	if len(first) < 2 || len(second) < 2 {
		return nil, nil, errors.New("each command needs a label and a program")
	}
	return &program{label: first[0], argv: first[1:]}, &program{label: second[0], argv: second[1:]}, nil
}

func order(i int, a, b *program) []*program {
	if i%2 == 0 {
		return []*program{a, b}
	}
	return []*program{b, a}
}

func run(p *program) (time.Duration, error) {
	cmd := exec.Command(p.argv[0], p.argv[1:]...) // nil Stdin, Stdout, Stderr: /dev/null
	start := time.Now()
	err := cmd.Run()
	return time.Since(start), err
}

// fail reports a failed run with the stderr of one more run, which the timed runs discard.
func fail(p *program, what string, n int, err error) {
	fmt.Fprintf(os.Stderr, "benchrun: %s %d of %s failed: %v\n", what, n, p.label, err)
	var stderr bytes.Buffer
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
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

package commands

import (
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"golang.org/x/text/width"

	"github.com/kp-token/kp-token/i18n"
)

// A style is the SGR parameters of one of the CLI's colours (IBM plug-in guide: FAILED in bold
// red, warnings in bold magenta). They are written as escape sequences here rather than taken
// from the SDK's terminal package or a colour library, whose initialisation would run at every
// shell start.
type style string

const (
	failureStyle style = "1;31" // bold red
	warningStyle style = "1;35" // bold magenta
	headerStyle  style = "1"    // bold
	entityStyle  style = "1;36" // bold cyan
)

// paint colours s for w as the CLI does: IBMCLOUD_COLOR=true forces colour, false turns it
// off, otherwise only a terminal gets it.
func paint(w io.Writer, st style, s string) string {
	on := false
	switch v := os.Getenv("IBMCLOUD_COLOR"); v {
	case "true":
		on = true
	case "false":
	default:
		if f, ok := w.(*os.File); ok {
			on = isatty.IsTerminal(f.Fd())
		}
	}
	if !on {
		return s
	}
	return "\x1b[" + string(st) + "m" + s + "\x1b[0m"
}

// Failed prints the CLI's failure block on w: FAILED, then the message.
func Failed(w io.Writer, message string) {
	_, _ = io.WriteString(w, paint(w, failureStyle, i18n.T("FAILED"))+"\n"+message+"\n")
}

// warn prints a non-fatal problem on w in the CLI's warning colour.
func warn(w io.Writer, message string) {
	_, _ = io.WriteString(w, paint(w, warningStyle, message)+"\n")
}

// oneLine prints message on one line, marked as kp-token's: how the shell hook's runs report.
func oneLine(w io.Writer, message string) {
	_, _ = io.WriteString(w, Namespace+": "+strings.Join(strings.Fields(message), " ")+"\n")
}

// displayWidth is how many columns s takes on a terminal: East Asian wide and fullwidth
// characters take two, as golang.org/x/text/width classifies them (its tables are static: the
// go-runewidth package built its own at start-up, and cost every shell start more than all of
// kp-token's own work).
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

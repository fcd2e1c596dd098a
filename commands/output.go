package commands

import (
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"github.com/kp-token/kp-token/i18n"
)

// The CLI's colours (IBM plug-in guide): FAILED in bold red, warnings in bold magenta. They
// are written here rather than taken from the SDK's terminal package, whose imports cost
// start-up time on every shell start.
var (
	failureStyle = color.New(color.FgRed, color.Bold)
	warningStyle = color.New(color.FgMagenta, color.Bold)
)

// paint colours s for w as the CLI does: IBMCLOUD_COLOR=true forces colour, false turns it
// off, otherwise only a terminal gets it.
func paint(w io.Writer, style *color.Color, s string) string {
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
	c := *style
	c.EnableColor()
	return c.Sprint(s)
}

// Failed prints the CLI's failure block on w: FAILED, then the message.
func Failed(w io.Writer, message string) {
	_, _ = io.WriteString(w, paint(w, failureStyle, i18n.T("FAILED"))+"\n"+message+"\n")
}

// warn prints a non-fatal problem on w in the CLI's warning colour.
func warn(w io.Writer, message string) {
	_, _ = io.WriteString(w, paint(w, warningStyle, message)+"\n")
}

package commands

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/i18n"
)

// valueName is the flag annotation that names a flag's value in usage text (NAME, DURATION).
const valueName = "kp-token/value-name"

func setValueName(fs *pflag.FlagSet, flag, name string) {
	_ = fs.SetAnnotation(flag, valueName, []string{name})
}

// flagSyntax is "--name NAME" for a flag with a value, "--refresh" for a switch.
func flagSyntax(f *pflag.Flag) string {
	s := "--" + f.Name
	if f.Shorthand != "" {
		s = "-" + f.Shorthand + ", " + s
	}
	if f.Value.Type() == "bool" {
		return s
	}
	name := strings.ToUpper(f.Value.Type())
	if v := f.Annotations[valueName]; len(v) == 1 {
		name = v[0]
	}
	return s + " " + name
}

// Usage is the command's usage line, built from its flags: `ibmcloud kp-token env [--no-bearer] …`.
func Usage(c *cobra.Command) string {
	parts := []string{"ibmcloud", Namespace}
	if c.HasParent() {
		parts = append(parts, c.Name())
	} else {
		parts = append(parts, "COMMAND")
	}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" {
			parts = append(parts, "["+flagSyntax(f)+"]")
		}
	})
	if c.Annotations["args"] != "" {
		parts = append(parts, c.Annotations["args"])
	}
	return strings.Join(parts, " ")
}

// writeHelp prints help in the IBM Cloud CLI's layout: NAME, USAGE, OPTIONS, EXAMPLES.
func writeHelp(w io.Writer, c *cobra.Command) {
	// Descriptions are message IDs (i18n.N), translated here, when shown.
	fmt.Fprintf(w, "%s\n  %s - %s\n\n", i18n.T("NAME:"), c.Name(), i18n.Marked(c.Short))
	fmt.Fprintf(w, "%s\n  %s\n", i18n.T("USAGE:"), Usage(c))
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n%s\n", i18n.T("COMMANDS:"))
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				fmt.Fprintf(w, "  %-10s %s\n", sub.Name(), i18n.Marked(sub.Short))
			}
		}
	}
	var rows [][2]string
	width := 0
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		rows = append(rows, [2]string{flagSyntax(f), i18n.Marked(f.Usage)})
		width = max(width, len(flagSyntax(f)))
	})
	if len(rows) > 0 {
		fmt.Fprintf(w, "\n%s\n", i18n.T("OPTIONS:"))
		for _, r := range rows {
			fmt.Fprintf(w, "  %-*s  %s\n", width, r[0], r[1])
		}
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\n%s\n%s\n", i18n.T("EXAMPLES:"), examples(c.Example))
	}
}

// examples is a command's examples as shown: a line "  # ID" is a comment whose text is a
// message ID (marked with i18n.N where the example is written), translated here, when shown.
func examples(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if id, ok := strings.CutPrefix(line, "  # "); ok {
			lines[i] = "  # " + i18n.Marked(id)
		}
	}
	return strings.Join(lines, "\n")
}

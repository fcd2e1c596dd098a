// Package hooks writes the profile code of `kp-token hook`: a script per shell that exports
// the token when the shell starts and again whenever it is about to fall due, so that a shell
// that stays open for days always holds a live token.
//
// What the scripts do, and why (the scripts themselves carry one comment line, since they are
// printed into every user's shell):
//
//   - Each refresh runs this very binary, not `ibmcloud`, so it skips the CLI's start-up, as
//     `env --with-expiry --hook`: the shell learns when to refresh next, messages are one line
//     each, and `--timeout` keeps a dead IAM from holding a prompt for long.
//   - While the token is fresh no process is started: the shell compares its own clock with
//     NAME_EXPIRES_AT minus the minimum validity. bash >= 4.2 reads the clock from
//     $EPOCHSECONDS or printf '%(%s)T' (bash 3.2 runs one `date` per prompt); zsh from
//     zsh/datetime's EPOCHSECONDS; fish has no clock builtin, so the age of the shell's stamp
//     file (`path mtime`, fish >= 3.5) tells the time (older fish runs one `date` per prompt).
//   - Each shell writes its own stamp file (in the user's private directory, named for the
//     shell's PID) at each refresh, with a redirection rather than a process. config.json newer
//     than the stamp means a login or logout since: the next prompt or command picks the new
//     session up at once (bash and zsh `[[ -nt ]]`; fish `path mtime`, which counts whole
//     seconds, so a login in the second of a refresh waits for the next). `kp-token hook` removes
//     the stamps of shells that have ended; zsh and fish remove their own on exit.
//   - Checks run before each prompt and before each command: bash through PROMPT_COMMAND (kept
//     as a string or an array, as the user has it) and a DEBUG trap composed with one the user
//     already has, or through bash-preexec's precmd_functions and preexec_functions when it is
//     loaded (starship and atuin use it); zsh through precmd and preexec hooks; fish through
//     fish_prompt and fish_preexec events. bash keeps $? and PIPESTATUS around a DEBUG trap; the
//     trap passes "$_" as its last argument, which keeps $_.
//   - A token that is handed out although its refresh failed (env warns, and exits 0 while the
//     token lives) is kept, and the refresh is tried again in a minute or when it expires,
//     quietly. A failure without a valid token unsets the variables: never a stale token. Each
//     failure is shown once, on one line, until a refresh works again; with --quiet never.
//   - The hook's own variables all start with __kp_token, a prefix --name may not use.
package hooks

import (
	"embed"
	"strconv"
	"strings"
	"time"

	"github.com/kp-token/kp-token/commands/shell"
)

//go:embed bash.sh zsh.zsh fish.fish
var scripts embed.FS

var files = map[string]string{"bash": "bash.sh", "zsh": "zsh.zsh", "fish": "fish.fish"}

// Timeout bounds each refresh a hook starts: a prompt must not freeze for the CLI's whole bound
// while IAM is down.
const Timeout = 5 * time.Second

// Supported reports whether there is a hook for the shell.
func Supported(sh string) bool {
	_, ok := files[sh]
	return ok
}

// Dialect is the syntax the shell's hook is written in.
func Dialect(sh string) shell.Dialect {
	if sh == "fish" {
		return shell.Fish
	}
	return shell.POSIX
}

// Script are the values a hook is written with. Name must be a valid variable name; Bin,
// KeyFile and Stamp are quoted here for the shell.
type Script struct {
	Shell       string
	Bin         string // the kp-token binary the hook runs
	Name        string // the variable it sets
	MinValidity time.Duration
	NoBearer    bool
	KeyFile     string   // --apikey @KeyFile: an absolute path, or "" for the session or $IBMCLOUD_API_KEY
	CRFile      string   // --cr-token @CRFile: an absolute path
	Profile     string   // --profile
	Assume      []string // --assume and --account, as env takes them
	Instance    []string // --instance and its endpoint's flags, as env takes them
	Config      string   // the config.json whose change means a new login; "" with an API key
	Stamp       string   // the stamp file's path, without the per-shell suffix
	Quiet       bool     // no messages at all
}

// Prefix starts every variable and function of the hooks' own.
const Prefix = "__kp_token"

// reserved are, per shell, variables the shell keeps for itself, which a hook could not keep a
// token in (read-only, recomputed at each read, such as bash's SRANDOM, or holding what the
// shell runs on, such as PATH): every one each shell sets at a clean start (the test lists them
// from the shells), and those it sets later or reads (bash's PIPESTATUS, PS1).
var reserved = map[string][]string{
	"bash": {
		"BASH", "BASHOPTS", "BASHPID", "BASH_ALIASES", "BASH_ARGC", "BASH_ARGV", "BASH_ARGV0",
		"BASH_CMDS", "BASH_COMMAND", "BASH_COMPAT", "BASH_ENV", "BASH_EXECUTION_STRING", "BASH_LINENO",
		"BASH_LOADABLES_PATH", "BASH_REMATCH", "BASH_SOURCE", "BASH_SUBSHELL", "BASH_VERSINFO",
		"BASH_VERSION", "BASH_XTRACEFD", "CDPATH", "COMPREPLY", "COMP_CWORD", "COMP_KEY", "COMP_LINE",
		"COMP_POINT", "COMP_TYPE", "COMP_WORDBREAKS", "COMP_WORDS", "COPROC", "DIRSTACK", "ENV",
		"EPOCHREALTIME", "EPOCHSECONDS", "EUID", "FCEDIT", "FUNCNAME", "GLOBIGNORE", "GROUPS", "HISTCMD",
		"HISTCONTROL", "HISTFILE", "HISTFILESIZE", "HISTIGNORE", "HISTSIZE", "HISTTIMEFORMAT", "HOME",
		"HOSTNAME", "HOSTTYPE", "IFS", "IGNOREEOF", "INPUTRC", "LINENO", "MACHTYPE", "MAIL", "MAILCHECK",
		"MAILPATH", "MAPFILE", "OLDPWD", "OPTARG", "OPTERR", "OPTIND", "OSTYPE", "PATH", "PIPESTATUS",
		"PPID", "PROMPT_COMMAND", "PS0", "PS1", "PS2", "PS3", "PS4", "PWD", "RANDOM",
		"READLINE_ARGUMENT", "READLINE_LINE", "READLINE_MARK", "READLINE_POINT", "REPLY", "SECONDS",
		"SHELL", "SHELLOPTS", "SHLVL", "SRANDOM", "TERM", "TIMEFORMAT", "TMOUT", "UID", "_",
	},
	"zsh": {
		"ARGC", "CDPATH", "COLUMNS", "CPUTYPE", "EGID", "EUID", "FIGNORE", "FPATH", "FUNCNEST", "GID",
		"HISTCHARS", "HISTCMD", "HISTSIZE", "HOME", "HOST", "IFS", "KEYBOARD_HACK", "KEYTIMEOUT",
		"LINENO", "LINES", "LISTMAX", "LOGNAME", "MACHTYPE", "MAILCHECK", "MAILPATH", "MANPATH",
		"MODULE_PATH", "NULLCMD", "OLDPWD", "OPTARG", "OPTIND", "OSTYPE", "PATH", "PPID", "PROMPT",
		"PROMPT2", "PROMPT3", "PROMPT4", "PS1", "PS2", "PS3", "PS4", "PSVAR", "PWD", "RANDOM",
		"READNULLCMD", "SAVEHIST", "SECONDS", "SHLVL", "SPROMPT", "TIMEFMT", "TMPPREFIX",
		"TRY_BLOCK_ERROR", "TRY_BLOCK_INTERRUPT", "TTY", "TTYIDLE", "UID", "USERNAME", "VENDOR", "WATCH",
		"WORDCHARS", "ZSH_ARGZERO", "ZSH_EVAL_CONTEXT", "ZSH_EXECUTION_STRING", "ZSH_NAME",
		"ZSH_PATCHLEVEL", "ZSH_SUBSHELL", "ZSH_VERSION", "_", "aliases", "argv", "builtins", "cdpath",
		"commands", "dirstack", "dis_aliases", "dis_builtins", "dis_functions", "dis_functions_source",
		"dis_galiases", "dis_patchars", "dis_reswords", "dis_saliases", "fignore", "fpath",
		"funcfiletrace", "funcsourcetrace", "funcstack", "functions", "functions_source", "functrace",
		"galiases", "histchars", "history", "historywords", "jobdirs", "jobstates", "jobtexts",
		"keymaps", "mailpath", "manpath", "module_path", "modules", "nameddirs", "options", "parameters",
		"patchars", "path", "pipestatus", "prompt", "psvar", "reswords", "saliases", "signals", "status",
		"termcap", "terminfo", "userdirs", "usergroups", "watch", "widgets", "zsh_eval_context",
		"zsh_scheduled_events",
	},
	"fish": {
		"CMD_DURATION", "COLUMNS", "EUID", "FISH_VERSION", "HOME", "IFS", "LINES", "PATH", "PWD",
		"SHLVL", "USER", "_", "__fish_bin_dir", "__fish_config_dir", "__fish_data_dir",
		"__fish_help_dir", "__fish_sysconf_dir", "__fish_user_data_dir", "argv", "fish_bind_mode",
		"fish_function_path", "fish_history", "fish_kill_signal", "fish_killring", "fish_pid",
		"fish_private_mode", "history", "hostname", "last_pid", "pipestatus", "status",
		"status_generation", "umask", "version",
	},
}

// Settable reports whether the hook for sh can set name (and NAME_EXPIRES_AT): not one of the
// hook's own variables, and not one the shell keeps for itself.
func Settable(sh, name string) bool {
	if strings.HasPrefix(name, Prefix) {
		return false
	}
	for _, r := range reserved[sh] {
		if r == name || r == name+"_EXPIRES_AT" {
			return false
		}
	}
	return true
}

// Render writes the hook.
func (s Script) Render() (string, error) {
	b, err := scripts.ReadFile(files[s.Shell])
	if err != nil {
		return "", err
	}
	d := Dialect(s.Shell)
	quote := func(v string) string {
		if err != nil {
			return ""
		}
		var q string
		q, err = d.Quote(v)
		return q
	}
	var flags []string
	if s.NoBearer {
		flags = append(flags, "--no-bearer")
	}
	if s.KeyFile != "" {
		flags = append(flags, "--apikey", quote("@"+s.KeyFile))
	}
	if s.CRFile != "" {
		flags = append(flags, "--cr-token", quote("@"+s.CRFile))
	}
	if s.Profile != "" {
		flags = append(flags, "--profile", quote(s.Profile))
	}
	for _, f := range append(s.Assume, s.Instance...) {
		flags = append(flags, quote(f))
	}
	bin, stamp, config := quote(s.Bin), quote(s.Stamp), quote(s.Config)
	if err != nil {
		return "", err
	}
	quiet := "0"
	if s.Quiet {
		quiet = "1"
	}
	return strings.NewReplacer(
		"__BIN__", bin,
		"__NAME__", s.Name,
		"__MIN__", strconv.Itoa(int(s.MinValidity.Seconds())),
		"__FLAGS__", strings.Join(flags, " "),
		"__TIMEOUT__", strconv.Itoa(int(Timeout.Seconds())),
		"__STAMP__", stamp,
		"__CONFIG__", config,
		"__QUIET__", quiet,
	).Replace(string(b)), nil
}

# kp-token hook for fish: keeps __NAME__ fresh (ibmcloud kp-token hook --help).
function __kp_token_run
    __BIN__ env --shell fish --with-expiry --name __NAME__ --min-validity __MIN__s --timeout __TIMEOUT__s --hook __FLAGS__ $argv
end
set -g __kp_token_config __CONFIG__
set -g __kp_token_stamp __STAMP__.$fish_pid
set -g __kp_token_quiet __QUIET__
function __kp_token_cleanup --on-event fish_exit
    command rm -f -- $__kp_token_stamp
end
function __kp_token_update
    set -l __kp_token_out
    if test "$__kp_token_quiet" = 1
        set __kp_token_out (__kp_token_run 2>/dev/null)
    else
        set __kp_token_out (__kp_token_run)
    end
    set -l __kp_token_st $status
    set -l __kp_token_now (date +%s)
    if builtin -q path
        printf '' >$__kp_token_stamp
        set __kp_token_now (path mtime $__kp_token_stamp)
    end
    if test $__kp_token_st -eq 0
        for __kp_token_line in $__kp_token_out
            eval $__kp_token_line
        end
        set -g __kp_token_next (math $__NAME___EXPIRES_AT - __MIN__)
        set -g __kp_token_quiet __QUIET__
        if test $__kp_token_next -le $__kp_token_now
            set -g __kp_token_next (math "min($__kp_token_now + 60, $__NAME___EXPIRES_AT)")
            set -g __kp_token_quiet 1
        end
    else
        set -e __NAME__ __NAME___EXPIRES_AT
        set -g __kp_token_next (math $__kp_token_now + 60)
        set -g __kp_token_quiet 1
    end
    set -g __kp_token_ttl (math $__kp_token_next - $__kp_token_now)
end
function __kp_token_check --on-event fish_prompt --on-event fish_preexec
    if builtin -q path
        set -l __kp_token_age (path mtime --relative $__kp_token_stamp 2>/dev/null)
        or set __kp_token_age 999999
        if test $__kp_token_age -ge $__kp_token_ttl
            __kp_token_update
        else if test -n "$__kp_token_config"; and test (path mtime $__kp_token_config 2>/dev/null; or echo 0) -gt (path mtime $__kp_token_stamp)
            __kp_token_update
        end
    else
        test (date +%s) -ge $__kp_token_next; and __kp_token_update
    end
end
__kp_token_update

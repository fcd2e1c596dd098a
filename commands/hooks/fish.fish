# kp-token hook for fish: keeps __NAME__ fresh (ibmcloud kp-token hook --help).
function __kp_token_run
    __BIN__ env --shell fish --with-expiry --name __NAME__ --min-validity __MIN__s --timeout __TIMEOUT__s __FLAGS__ $argv
end
set -g __kp_token_stamp __STAMP__.$fish_pid
function __kp_token_cleanup --on-event fish_exit
    command rm -f $__kp_token_stamp
end
function __kp_token_update
    set -l out
    if test "$__kp_token_warned" = 1
        set out (__kp_token_run 2>/dev/null)
    else
        set out (__kp_token_run)
    end
    if test $status -eq 0
        for line in $out
            eval $line
        end
        set -g __kp_token_warned 0
        if builtin -q path
            printf '' >$__kp_token_stamp
            set -g __kp_token_ttl (math $__NAME___EXPIRES_AT - __MIN__ - (path mtime $__kp_token_stamp))
        else
            set -g __kp_token_next (math $__NAME___EXPIRES_AT - __MIN__)
        end
    else
        set -e __NAME__ __NAME___EXPIRES_AT
        set -g __kp_token_warned 1
        set -g __kp_token_ttl 60
        set -g __kp_token_next 0
        builtin -q path; and printf '' >$__kp_token_stamp
    end
end
function __kp_token_check --on-event fish_prompt --on-event fish_preexec
    if builtin -q path
        set -l age (path mtime --relative $__kp_token_stamp 2>/dev/null)
        or set age 999999
        test $age -ge $__kp_token_ttl; and __kp_token_update
    else
        test (date +%s) -ge $__kp_token_next; and __kp_token_update
    end
end
__kp_token_update

# kp-token hook for zsh: keeps __NAME__ fresh (ibmcloud kp-token hook --help).
zmodload zsh/datetime
autoload -Uz add-zsh-hook
__kp_token_run() { __BIN__ env --shell zsh --with-expiry --name __NAME__ --min-validity __MIN__s --timeout __TIMEOUT__s --hook __FLAGS__; }
typeset -g __kp_token_config=__CONFIG__ __kp_token_stamp=__STAMP__.$$ __kp_token_quiet=__QUIET__
__kp_token_update() {
  local __kp_token_out __kp_token_st
  if [[ $__kp_token_quiet == 1 ]]; then
    __kp_token_out=$(__kp_token_run 2>/dev/null) && __kp_token_st=0 || __kp_token_st=$?
  else
    __kp_token_out=$(__kp_token_run) && __kp_token_st=0 || __kp_token_st=$?
  fi
  { : >| $__kp_token_stamp } 2>/dev/null || typeset -g __kp_token_stamp=
  if (( __kp_token_st == 0 )) && eval "$__kp_token_out"; then
    typeset -g __kp_token_next=$(( __NAME___EXPIRES_AT - __MIN__ ))
    if (( __kp_token_next > EPOCHSECONDS )); then
      typeset -g __kp_token_quiet=__QUIET__
      return
    fi
    typeset -g __kp_token_next=$(( EPOCHSECONDS + 60 < __NAME___EXPIRES_AT ? EPOCHSECONDS + 60 : __NAME___EXPIRES_AT ))
  else
    unset __NAME__ __NAME___EXPIRES_AT
    typeset -g __kp_token_next=$(( EPOCHSECONDS + 60 ))
  fi
  typeset -g __kp_token_quiet=1
}
__kp_token_check() {
  local __kp_token_s=$?
  if (( EPOCHSECONDS >= ${__kp_token_next:-0} )) ||
    [[ -n $__kp_token_config && -n $__kp_token_stamp && $__kp_token_config -nt $__kp_token_stamp ]]; then
    __kp_token_update
  fi
  return __kp_token_s
}
__kp_token_cleanup() { [[ -n $__kp_token_stamp ]] && command rm -f -- $__kp_token_stamp }
__kp_token_update
add-zsh-hook precmd __kp_token_check
add-zsh-hook preexec __kp_token_check
add-zsh-hook zshexit __kp_token_cleanup

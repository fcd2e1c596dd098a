# kp-token hook for zsh: keeps __NAME__ fresh (ibmcloud kp-token hook --help).
zmodload zsh/datetime
autoload -Uz add-zsh-hook
__kp_token_run() { __BIN__ env --shell zsh --with-expiry --name __NAME__ --min-validity __MIN__s --timeout __TIMEOUT__s __FLAGS__; }
__kp_token_update() {
  local out st
  if [[ ${__kp_token_warned:-0} == 1 ]]; then
    out=$(__kp_token_run 2>/dev/null); st=$?
  else
    out=$(__kp_token_run); st=$?
  fi
  if (( st == 0 )) && eval "$out"; then
    typeset -g __kp_token_warned=0
    typeset -g __kp_token_next=$(( __NAME___EXPIRES_AT - __MIN__ ))
  else
    unset __NAME__ __NAME___EXPIRES_AT
    typeset -g __kp_token_warned=1
    typeset -g __kp_token_next=$(( EPOCHSECONDS + 60 ))
  fi
}
__kp_token_check() {
  local st=$?
  (( EPOCHSECONDS >= ${__kp_token_next:-0} )) && __kp_token_update
  return st
}
__kp_token_update
add-zsh-hook precmd __kp_token_check
add-zsh-hook preexec __kp_token_check

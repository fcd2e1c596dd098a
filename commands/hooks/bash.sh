# kp-token hook for bash: keeps __NAME__ fresh (ibmcloud kp-token hook --help).
__kp_token_run() { __BIN__ env --shell bash --with-expiry --name __NAME__ --min-validity __MIN__s --timeout __TIMEOUT__s --hook __FLAGS__; }
__kp_token_config=__CONFIG__
__kp_token_stamp=__STAMP__.$$
__kp_token_quiet=__QUIET__
__kp_token_now() {
  if [ -n "${EPOCHSECONDS-}" ]; then __kp_token_t=$EPOCHSECONDS
  elif ! printf -v __kp_token_t '%(%s)T' -1 2>/dev/null; then __kp_token_t=$(date +%s); fi
}
__kp_token_update() {
  local __kp_token_out __kp_token_st
  if [ "$__kp_token_quiet" = 1 ]; then
    __kp_token_out=$(__kp_token_run 2>/dev/null) && __kp_token_st=0 || __kp_token_st=$?
  else
    __kp_token_out=$(__kp_token_run) && __kp_token_st=0 || __kp_token_st=$?
  fi
  __kp_token_now
  { : >| "$__kp_token_stamp"; } 2>/dev/null || __kp_token_stamp=
  if [ "$__kp_token_st" -eq 0 ] && eval "$__kp_token_out"; then
    __kp_token_next=$(( __NAME___EXPIRES_AT - __MIN__ ))
    if [ "$__kp_token_next" -gt "$__kp_token_t" ]; then
      __kp_token_quiet=__QUIET__
      return
    fi
    __kp_token_next=$(( __kp_token_t + 60 < __NAME___EXPIRES_AT ? __kp_token_t + 60 : __NAME___EXPIRES_AT ))
  else
    unset __NAME__ __NAME___EXPIRES_AT
    __kp_token_next=$(( __kp_token_t + 60 ))
  fi
  __kp_token_quiet=1
}
__kp_token_check() {
  __kp_token_now
  if [ "$__kp_token_t" -ge "${__kp_token_next:-0}" ] ||
    { [ -n "$__kp_token_config" ] && [ -n "$__kp_token_stamp" ] && [[ $__kp_token_config -nt $__kp_token_stamp ]]; }; then
    __kp_token_update
  fi
}
__kp_token_precmd() {
  local __kp_token_s=$?
  __kp_token_check
  return $__kp_token_s
}
__kp_token_preexec() {
  [ -n "${__kp_token_busy-}" ] && return
  __kp_token_busy=1
  __kp_token_check
  __kp_token_busy=
}
__kp_token_debug() {
  local __kp_token_s=$?
  __kp_token_preexec
  return $__kp_token_s
}
__kp_token_debug0() {
  __kp_token_preexec
  return 0
}
__kp_token_trap_install() {
  local __kp_token_prev=
  eval "__kp_token_prev=( ${__kp_token_trap-} )"
  case "${__kp_token_prev[2]-}" in
    *__kp_token_debug*) ;;
    "") trap '__kp_token_debug0 "$_"' DEBUG ;;
    *) trap '__kp_token_debug "$_"; '"${__kp_token_prev[2]}" DEBUG ;;
  esac
  unset __kp_token_trap
  if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
    local __kp_token_i
    for __kp_token_i in "${!PROMPT_COMMAND[@]}"; do
      [ "${PROMPT_COMMAND[__kp_token_i]}" = "$__kp_token_install" ] && unset 'PROMPT_COMMAND[__kp_token_i]'
    done
  else
    PROMPT_COMMAND=${PROMPT_COMMAND/$'\n'"$__kp_token_install"/}
  fi
}
__kp_token_update
if [ -n "${bash_preexec_imported-}${__bp_imported-}" ]; then
  [[ " ${precmd_functions[*]} " == *" __kp_token_precmd "* ]] || precmd_functions+=(__kp_token_precmd)
  [[ " ${preexec_functions[*]} " == *" __kp_token_preexec "* ]] || preexec_functions+=(__kp_token_preexec)
elif [[ " ${PROMPT_COMMAND[*]-} " != *__kp_token_precmd* ]]; then
  __kp_token_install='__kp_token_trap=$(trap -p DEBUG); __kp_token_trap_install'
  if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(__kp_token_precmd "${PROMPT_COMMAND[@]}" "$__kp_token_install")
  elif [ -n "${PROMPT_COMMAND-}" ]; then
    PROMPT_COMMAND="__kp_token_precmd;${PROMPT_COMMAND}"$'\n'"$__kp_token_install"
  else
    PROMPT_COMMAND="__kp_token_precmd"$'\n'"$__kp_token_install"
  fi
fi

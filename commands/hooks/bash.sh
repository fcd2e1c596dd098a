# kp-token hook for bash: keeps __NAME__ fresh (ibmcloud kp-token hook --help).
__kp_token_run() { __BIN__ env --shell bash --with-expiry --name __NAME__ --min-validity __MIN__s --timeout __TIMEOUT__s __FLAGS__; }
__kp_token_now() {
  if [ -n "${EPOCHSECONDS-}" ]; then __kp_token_t=$EPOCHSECONDS
  elif ! printf -v __kp_token_t '%(%s)T' -1 2>/dev/null; then __kp_token_t=$(date +%s); fi
}
__kp_token_update() {
  local out status
  if [ "${__kp_token_warned-0}" = 1 ]; then
    out=$(__kp_token_run 2>/dev/null); status=$?
  else
    out=$(__kp_token_run); status=$?
  fi
  __kp_token_now
  if [ "$status" -eq 0 ] && eval "$out"; then
    __kp_token_warned=0
    __kp_token_next=$(( __NAME___EXPIRES_AT - __MIN__ ))
  else
    unset __NAME__ __NAME___EXPIRES_AT
    __kp_token_warned=1
    __kp_token_next=$(( __kp_token_t + 60 ))
  fi
}
__kp_token_precmd() {
  local status=$?
  __kp_token_now
  if [ "$__kp_token_t" -ge "${__kp_token_next:-0}" ]; then __kp_token_update; fi
  return $status
}
__kp_token_update
if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
  [[ " ${PROMPT_COMMAND[*]} " == *" __kp_token_precmd "* ]] || PROMPT_COMMAND=(__kp_token_precmd "${PROMPT_COMMAND[@]}")
else
  case ";${PROMPT_COMMAND-};" in
    *";__kp_token_precmd;"*) ;;
    ";;") PROMPT_COMMAND="__kp_token_precmd" ;;
    *) PROMPT_COMMAND="__kp_token_precmd;${PROMPT_COMMAND}" ;;
  esac
fi

# bash completion for nmexpert: commands, options, option values, expert
# names (from `nmexpert list --names`) and capture files.
# Installed as share/bash-completion/completions/nmexpert; or source it.

_nmexpert_experts()
{
    "${COMP_WORDS[0]}" list --names 2>/dev/null
}

_nmexpert()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands="run list help configure info dissect properties convert sample selftest-memory version"
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]} opts="" i dashdash=0
    for ((i = 2; i < COMP_CWORD; i++)); do
        [ "${COMP_WORDS[i]}" = "--" ] && dashdash=1
    done
    case $prev in
        --isolation) COMPREPLY=($(compgen -W "process thread" -- "$cur")); return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        =)  # --color=WHEN: bash splits the word at '='
            if [ "${COMP_WORDS[COMP_CWORD - 2]}" = --color ]; then
                COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
                return
            fi ;;
        --format)
            if [ "${COMP_WORDS[1]}" = dissect ]; then
                COMPREPLY=($(compgen -W "text json" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "pcap pcap-ns pcapng netmon" -- "$cur"))
            fi
            return ;;
        -o|--output)
            COMPREPLY=($(compgen -W "table jsonl jsonl: csv csv: html:" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return ;;
        -e|--expert) COMPREPLY=($(compgen -W "$(_nmexpert_experts)" -- "$cur")); return ;;
        --config|--capture) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --set|--timeout|--memory-limit|--cpu-limit|--result-limit|--misuse-limit|--frame|--property|-j|--jobs|--frames|--seed|--filter)
            return ;;
    esac
    case $cmd in
        run) opts="-e --expert -o --output --progress --filter --set --config --isolation --timeout
                   --memory-limit --cpu-limit --result-limit --misuse-limit --frame --property -j --jobs -q --quiet --color -h --help --" ;;
        list) opts="-l --long --names -h --help" ;;
        configure) opts="--set --capture --show --reset -h --help" ;;
        convert) opts="--format --filter -f --force -h --help --" ;;
        sample) opts="--frames --seed --format -f --force -h --help --" ;;
        info) opts="--json -h --help --" ;;
        dissect) opts="--frame --frames --format -h --help --" ;;
        properties) opts="--markdown -h --help" ;;
        help) COMPREPLY=($(compgen -W "$commands $(_nmexpert_experts)" -- "$cur")); return ;;
        *) opts="-h --help" ;;
    esac
    if [[ $cur == -* && $dashdash -eq 0 ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $cmd in
        run)
            if [ $dashdash -eq 1 ]; then
                COMPREPLY=($(compgen -f -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$(_nmexpert_experts)" -- "$cur") $(compgen -f -- "$cur"))
            fi ;;
        configure) COMPREPLY=($(compgen -W "$(_nmexpert_experts)" -- "$cur")) ;;
        info|convert|sample|dissect) COMPREPLY=($(compgen -f -- "$cur")) ;;
        properties) COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" properties 2>/dev/null | awk '/^[^ ]/ {print $1}')" -- "$cur")) ;;
    esac
}
complete -o filenames -F _nmexpert nmexpert

# The fields of nmexpert's JSON Lines records (docs/records.md) that do not
# change from one run to the next: the events without the run id and the
# capture's path (the capture is named by its content, capture_id), and the
# outcome and event count of each session. run_start, run_end, every
# wall-clock time or duration and the reading progress (frames_read,
# last_frame: they differ between --isolation process and thread) are left
# out. With `--arg only event`, events alone.
#   usage: jq -c [--arg only event] -f stable-records.jq FILE.jsonl
if .record == "event" then del(.run, .capture)
elif .record == "session_end" and ($ARGS.named.only // "") != "event" then
  {record, expert, "label": .label, outcome, exit_status, run_returned, run_value,
   events, message}
else empty end

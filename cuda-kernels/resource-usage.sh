#!/usr/bin/env bash
# nvcc compiler launcher (CMAKE_CUDA_COMPILER_LAUNCHER, see ../CMakeLists.txt): compiles with --resource-usage,
# writes ptxas's per-kernel report to <report dir>/<object>.txt, and fails the compile when a kernel spills registers
# to local memory on some architecture more than the baseline file allows (a kernel absent from it: no spill at all).
#   resource-usage.sh <report dir> <baseline file> <nvcc> <arguments...>
set -uo pipefail
report_dir="$1"
baseline="$2"
shift 2
object=unknown
previous=""
for argument in "$@"; do
  if [[ "$previous" == "-o" ]]; then object="$argument"; fi
  previous="$argument"
done
mkdir -p "$report_dir"
report="$report_dir/$(basename "$object").txt"
"$@" --resource-usage 2> "$report.log"
status=$?
# Everything that is not ptxas's report goes back to the build output (warnings, errors).
grep -v -e '^ptxas info' -e 'bytes stack frame' "$report.log" >&2
if [[ $status -ne 0 ]]; then exit $status; fi
# One line per kernel and architecture: registers, stack, spills, shared memory (bash regexes: no gawk needed).
kernel="" arch="" stack=0 stores=0 loads=0 spilled=0
: > "$report"
while IFS= read -r line; do
  if [[ "$line" =~ Compiling\ entry\ function\ \'([^\']+)\'\ for\ \'([^\']+)\' ]]; then
    kernel="${BASH_REMATCH[1]}" arch="${BASH_REMATCH[2]}" stack=0 stores=0 loads=0
  elif [[ "$line" =~ ([0-9]+)\ bytes\ stack\ frame,\ ([0-9]+)\ bytes\ spill\ stores,\ ([0-9]+)\ bytes\ spill\ loads ]]; then
    stack="${BASH_REMATCH[1]}" stores="${BASH_REMATCH[2]}" loads="${BASH_REMATCH[3]}"
  elif [[ -n "$kernel" && "$line" =~ Used\ ([0-9]+)\ registers ]]; then
    registers="${BASH_REMATCH[1]}" smem=0
    if [[ "$line" =~ ([0-9]+)\ bytes\ smem ]]; then smem="${BASH_REMATCH[1]}"; fi
    printf '%s\t%s\tregisters %s\tstack %s\tspill_stores %s\tspill_loads %s\tsmem %s\n' "$arch" "$kernel" \
      "$registers" "$stack" "$stores" "$loads" "$smem" >> "$report"
    allowed_stores=0 allowed_loads=0
    while IFS=$'\t' read -r b_arch b_kernel b_stores b_loads; do
      if [[ "$b_arch" == "$arch" && "$b_kernel" == "$kernel" ]]; then allowed_stores=$b_stores allowed_loads=$b_loads; fi
    done < <(grep -v '^#' "$baseline")
    if (( stores > allowed_stores || loads > allowed_loads )); then
      echo "error: $kernel ($arch) spills registers: $stores bytes stored, $loads bytes loaded; the baseline" \
           "($baseline) allows $allowed_stores and $allowed_loads (report: $report)" >&2
      spilled=1
    fi
    kernel=""
  fi
done < "$report.log"
rm -f "$report.log"
exit $spilled

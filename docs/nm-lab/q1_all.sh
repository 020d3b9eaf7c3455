#!/bin/bash
# Q1: run every approach once and print a one-line verdict for each.
cd /tmp/nm-lab
for m in plain rosys fakedb udevd; do
  out=$(timeout 90 ./q1_probe.sh $m 2>&1)
  st0=$(echo "$out" | awk '/GENERAL.DEVICE: +eth0/{f=1} f&&/NM-MANAGED/{print $2; exit}')
  st1=$(echo "$out" | awk '/GENERAL.DEVICE: +eth1/{f=1} f&&/NM-MANAGED/{print $2; exit}')
  plat=$(echo "$out" | grep -o 'platform-linux: create ([^)]*)' | head -1)
  printf '%-7s eth0(present at NM start) managed=%-4s eth1(hot-plugged later) managed=%-4s  %s\n' "$m" "$st0" "$st1" "$plat"
  [ "${VERBOSE:-0}" = 1 ] && echo "$out"
done

# Shared by the device rig's host scripts.

# The Debian mirror apt already uses on this machine (deb822 or one-line sources), so that the
# repository never names a host.
debian_mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if($i ~ /^(https?|file):/){print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || { echo "cannot read the Debian mirror from apt's sources; set MIRROR" >&2; return 1; }
  echo "${MIRROR:-$m}"
}

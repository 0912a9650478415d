#!/usr/bin/env bash
# Installs NVRTC (the NVIDIA runtime compiler, a plain shared library) from Debian 12's non-free
# component, so that the CUDA kernel-compile tests can run on a machine without a GPU or CUDA.
# Idempotent: does nothing when some libnvrtc.so* is already loadable.
#
# Debian 12 ships CUDA 11.8's NVRTC as `libnvrtc11.2` (soname libnvrtc.so.11.2, version 11.8.89);
# it needs `libnvrtc-builtins11.8`, pulled in as a dependency. It knows sm_35 ... sm_90.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

have_nvrtc() {
  local cache
  cache="$(ldconfig -p 2>/dev/null || true)"
  grep -q 'libnvrtc\.so' <<<"$cache" && return 0
  compgen -G '/usr/lib/x86_64-linux-gnu/libnvrtc.so*' >/dev/null && return 0
  compgen -G '/usr/local/cuda*/lib64/libnvrtc.so*' >/dev/null && return 0
  return 1
}

if have_nvrtc; then
  echo "install-nvrtc: NVRTC already present, nothing to do"
  exit 0
fi

# 1. Enable contrib, non-free and non-free-firmware on the Debian sources (deb822 or one-line form).
changed=0
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  if grep -qE '^Components:' "$f" && grep -E '^Components:' "$f" | grep -qv 'non-free\b'; then
    $SUDO sed -i -E '/^Components:/{/non-free( |$)/!s/$/ contrib non-free non-free-firmware/}' "$f"
    # A line that already had contrib now names it twice; harmless for apt, but keep it tidy.
    $SUDO sed -i -E '/^Components:/s/ contrib(.*) contrib / contrib\1 /' "$f"
    changed=1
  fi
done
if [ -f /etc/apt/sources.list ]; then
  if grep -qE '^deb .*debian' /etc/apt/sources.list && grep -E '^deb .*debian' /etc/apt/sources.list | grep -qv 'non-free\b'; then
    $SUDO sed -i -E '/^deb .*debian/{/non-free( |$)/!s/$/ contrib non-free non-free-firmware/}' /etc/apt/sources.list
    changed=1
  fi
fi
echo "install-nvrtc: apt components updated: $changed"

# 2. Install the library package (its real name in Debian 12 is libnvrtc11.2).
$SUDO apt-get update -qq
pkg=""
for candidate in libnvrtc11.2 libnvrtc12 libnvrtc11; do
  # Captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
  policy="$(apt-cache policy "$candidate" 2>/dev/null || true)"
  if grep -qE 'Candidate: [0-9]' <<<"$policy"; then
    pkg="$candidate"; break
  fi
done
if [ -z "$pkg" ]; then
  echo "install-nvrtc: no libnvrtc package found in the apt sources" >&2
  exit 1
fi
apt-cache policy "$pkg" 2>/dev/null | sed -n '1,3p' || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
have_nvrtc || { echo "install-nvrtc: $pkg installed but no libnvrtc.so* found" >&2; exit 1; }
echo "install-nvrtc: installed $pkg: $(ls /usr/lib/x86_64-linux-gnu/libnvrtc.so* 2>/dev/null | tr '\n' ' ')"

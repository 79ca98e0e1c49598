#!/usr/bin/env bash
# Prints the path of the desktop .deb of the last release that was one package (0.1.0,
# /usr/bin/patvault inside the app's package), built once from its own commit with its
# own scripts/package.sh and kept under the target folder. The upgrade test starts
# from it (tests/package/desktop.sh).
#   tests/package/baseline.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
commit=6116eae0255f17ec1660c66be825317362e66503
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
kept="$target_dir/package-baseline/$commit/pat-vault_0.1.0_amd64.deb"
if [ ! -f "$kept" ]; then
  # A shallow clone lacks it: it is fetched then, alone.
  git cat-file -e "$commit^{commit}" 2>/dev/null || git fetch -q --depth=1 origin "$commit" || {
    echo "package test: commit $commit, the release to upgrade from, is not in this clone and could not be fetched (git fetch --unshallow)" >&2
    exit 1
  }
  echo "-- building the 0.1.0 package from $commit (once)" >&2
  source_dir=$(mktemp -d)
  kept_aside=$(mktemp -d)
  bundle="$target_dir/release/bundle"
  restore() {
    rm -rf "$source_dir"
    if [ -d "$kept_aside/bundle" ]; then rm -rf "$bundle"; mv "$kept_aside/bundle" "$bundle"; fi
    rmdir "$kept_aside"
  }
  trap restore EXIT
  # Its build empties the bundle folder: this commit's packages are set aside meanwhile.
  [ ! -d "$bundle" ] || mv "$bundle" "$kept_aside/bundle"
  git archive "$commit" | tar -x -C "$source_dir"
  (cd "$source_dir" && CARGO_TARGET_DIR="$target_dir" scripts/package.sh) >&2
  mkdir -p "$(dirname "$kept")"
  cp "$bundle/deb/PAT Vault_0.1.0_amd64.deb" "$kept"
fi
echo "$kept"

#!/usr/bin/env bash
# Packs the command line alone as `patvault`, a .deb (dpkg-deb) and an .rpm (rpmbuild),
# for machines with no desktop: no GTK, no WebKit, no D-Bus library among its needs.
#   scripts/package-cli.sh STAGED VERSION BUNDLE_DIR
# STAGED holds bin/patvault, man/*.1.gz and completions/ (scripts/package.sh makes it);
# the packages land in BUNDLE_DIR/deb and BUNDLE_DIR/rpm.
#
# Until 0.2.0 the desktop package `pat-vault` carried /usr/bin/patvault itself; this
# package replaces those files, so an upgrade of a machine with the old package in place
# installs both without a file conflict.
set -euo pipefail
staged=$(realpath "$1")
version=$2
bundle=$(realpath -m "$3")
split=0.2.0
summary="PAT Vault's command line: Airtable access tokens for scripts and servers"
description="The patvault command keeps Airtable personal access tokens in the OS keychain or
in age-encrypted files, records what each token is meant to do, checks live what it can
do, and hands a token to a command without it touching a file. It needs no desktop:
servers, cron, containers and CI use it alone; the PAT Vault app uses the same vault."
umask 022
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Where each file goes, the same for both kinds but for zsh's folder.
place() { # ROOT ZSH_DIR
  install -D -m 755 "$staged/bin/patvault" "$1/usr/bin/patvault"
  install -d "$1/usr/share/man/man1"
  install -m 644 "$staged"/man/*.1.gz "$1/usr/share/man/man1/"
  install -D -m 644 "$staged/completions/patvault.bash" "$1/usr/share/bash-completion/completions/patvault"
  install -D -m 644 "$staged/completions/_patvault" "$1$2/_patvault"
  install -D -m 644 "$staged/completions/patvault.fish" "$1/usr/share/fish/vendor_completions.d/patvault.fish"
}

echo "package-cli: the .deb"
# Staged where dpkg-shlibdeps expects a package's files: debian/PACKAGE in its source.
root="$work/debian/patvault"
place "$root" /usr/share/zsh/vendor-completions
install -d "$root/usr/share/doc/patvault"
printf 'PAT Vault\nLicense: MIT OR Apache-2.0\n' >"$root/usr/share/doc/patvault/copyright"
# Its dependencies are read from the binary's own needs, as Debian's own packages do.
install -d "$root/DEBIAN"
printf 'Source: patvault\n\nPackage: patvault\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -edebian/patvault/usr/bin/patvault | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package-cli: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# What no library names: the CA certificates HTTPS to Airtable is verified against.
depends="$depends, ca-certificates"
{
  echo "Package: patvault"
  echo "Version: $version"
  echo "Architecture: $(dpkg --print-architecture)"
  echo "Maintainer: PAT Vault"
  echo "Installed-Size: $(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)"
  echo "Depends: $depends"
  echo "Suggests: gnome-keyring, age"
  echo "Replaces: pat-vault (<< $split)"
  echo "Breaks: pat-vault (<< $split)"
  echo "Section: utils"
  echo "Priority: optional"
  echo "Description: $summary"
  sed 's/^/ /' <<<"$description"
} >"$root/DEBIAN/control"
(cd "$root" && find usr -type f -exec md5sum {} + | sort -k2) >"$root/DEBIAN/md5sums"
mkdir -p "$bundle/deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$bundle/deb/patvault_${version}_$(dpkg --print-architecture).deb" >/dev/null

echo "package-cli: the .rpm"
# rpmbuild reads the binary's libraries itself (its ELF dependency generator); the
# certificates are named as for the .deb.
cat >"$work/patvault.spec" <<EOF
Name: patvault
Version: $version
Release: 1
Summary: $summary
License: MIT OR Apache-2.0
Requires: ca-certificates
Conflicts: pat-vault < $split

%description
$description

%install
mkdir -p %{buildroot}
cp -a "$work/rpm-root/." %{buildroot}/

%files
/usr/bin/patvault
/usr/share/man/man1/*.1.gz
/usr/share/bash-completion/completions/patvault
/usr/share/zsh/site-functions/_patvault
/usr/share/fish/vendor_completions.d/patvault.fish
EOF
place "$work/rpm-root" /usr/share/zsh/site-functions
mkdir -p "$bundle/rpm"
rpmbuild -bb --quiet --define "_topdir $work/rpmbuild" --define "_rpmdir $work/rpms" \
  --define "_build_id_links none" --define "__os_install_post %{nil}" "$work/patvault.spec" >/dev/null
mv "$work"/rpms/*/patvault-*.rpm "$bundle/rpm/"

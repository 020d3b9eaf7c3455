SUMMARY = "Countertop customer-facing payment terminal display"
DESCRIPTION = "Full-screen customer display of a docked POS handheld, written in Rust with \
               Slint (linuxkms backend, software renderer), started by systemd as an \
               unprivileged, sandboxed service."
SECTION = "graphics"
# The licence of what the image ships: the countertop binary links Slint, whose open-source
# licence is GPL-3.0-only (its other licences are the Royalty-free licence, which covers desktop,
# mobile and web applications and so excludes an embedded payment terminal, and a commercial
# one). Our own code stays MIT OR Apache-2.0; the linked whole is distributed under GPL-3.0-only
# terms, so a device maker either complies with GPL-3.0 for the binary (corresponding source,
# installation information for the device) or holds a Slint commercial licence (see README.md,
# "Licence"). The other linked crates are under permissive licences, all compatible with
# GPL-3.0; deny.toml lists the allowed ones and scripts/check-yocto fails on any other.
LICENSE = "(MIT | Apache-2.0) & GPL-3.0-only"
# Ours from the work tree (scripts/check-yocto checks these md5s), Slint's GPL-3.0 text from the
# slint crate as bitbake fetched it (checked by the bitbake stage's do_populate_lic). A Slint
# upgrade changes the path: update it together with Cargo.toml's slint version.
LIC_FILES_CHKSUM = "file://LICENSE-MIT;md5=179af177ceeb515ca8502e3bc39a202f \
                    file://LICENSE-APACHE;md5=3b83ef96387f14655fc854ddc3c6bd57 \
                    file://${CARGO_VENDORING_DIRECTORY}/slint-1.18.1/LICENSES/GPL-3.0-only.txt;md5=8da5784ab1c72e63ac74971f88658166"

# libinput (which brings udev) and libxkbcommon: Slint's linuxkms backend; fontconfig: Slint's
# text stack (fontique links libfontconfig). DRM is reached through the pure-Rust drm crate; no
# GL, no Skia. No seatd: the device build uses slint/backend-linuxkms-noseat and slint's
# compat-1-18 (not compat-1-2, which turned libseat on), so no libseat-sys is linked
# (`cargo tree -e features --no-default-features --features device -i libseat-sys` finds
# nothing; scripts/check-yocto's bitbake stage fails if seatd comes back into DEPENDS).
DEPENDS += "fontconfig libinput libxkbcommon udev"

PV = "0.1.0+git"

# The layer lives in the application's repository (yocto/meta-countertop/recipes-countertop/
# countertop/ is this recipe's directory): by default the recipe clones the tip of
# COUNTERTOP_GIT_BRANCH of that very repository. Commit first: uncommitted edits are not built
# (use `devtool modify countertop` for those). Release builds pin SRCREV:pn-countertop in
# local.conf / kas. COUNTERTOP_GIT_NOBRANCH = "1" fetches SRCREV without looking for the
# branch (nobranch=1): needed for a commit that is on no local branch (a detached checkout), and
# what scripts/check-yocto's bitbake stage does, with SRCREV:pn-countertop set to the
# checked-out commit, so parsing never depends on a branch existing.
# To build from a git server instead: COUNTERTOP_GIT_REPO = "git.example.com/countertop.git"
# and COUNTERTOP_GIT_PROTOCOL = "ssh" (or "https").
COUNTERTOP_GIT_REPO ?= "${@os.path.normpath(os.path.join(d.getVar('FILE_DIRNAME'), '..', '..', '..', '..'))}"
COUNTERTOP_GIT_PROTOCOL ?= "file"
COUNTERTOP_GIT_BRANCH ?= "main"
COUNTERTOP_GIT_NOBRANCH ?= "0"
SRC_URI = "git://${COUNTERTOP_GIT_REPO};protocol=${COUNTERTOP_GIT_PROTOCOL};branch=${COUNTERTOP_GIT_BRANCH};nobranch=${COUNTERTOP_GIT_NOBRANCH} \
           file://countertop.service \
           file://70-countertop-dock.rules \
           file://71-countertop-backlight.rules \
           "
SRCREV ?= "${AUTOREV}"

require ${BPN}-crates.inc

inherit cargo cargo-update-recipe-crates pkgconfig systemd useradd

# The device build: only the terminal binary (not countertop-pos), Slint's linuxkms backend
# without the desktop one (no winit: --no-default-features drops the `desktop` feature), and
# Cargo.toml's `device` profile (release + fat LTO, one codegen unit, panic=abort). cargo refuses
# --release next to --profile, so the class's BUILD_MODE is replaced, and BUILD_DIR (where the
# class looks for the binary) follows. The profile's own strip is switched off here: oe-core
# strips when packaging and keeps the symbols in countertop-dbg (an already-stripped binary is
# a QA error).
BUILD_MODE = "${@['--profile device', ''][d.getVar('DEBUG_BUILD') == '1']}"
BUILD_DIR = "${@['device', 'debug'][d.getVar('DEBUG_BUILD') == '1']}"
CARGO_BUILD_FLAGS += "--no-default-features --features device --bin countertop"
export CARGO_PROFILE_DEVICE_STRIP = "false"

# Kernel input name of the dock switch (see files/70-countertop-dock.rules): the udev rule
# links the matching event node to /dev/input/countertop-dock.
COUNTERTOP_DOCK_INPUT_NAME ?= "dock-switch"

# oe-core's cargo_do_install installs every executable it finds in the target directory; the
# device gets exactly one.
do_install() {
    install -d ${D}${bindir}
    install -m 0755 ${B}/target/${CARGO_TARGET_SUBDIR}/countertop ${D}${bindir}/countertop

    install -d ${D}${systemd_system_unitdir}
    sed -e 's,/usr/bin/countertop,${bindir}/countertop,' \
        ${UNPACKDIR}/countertop.service > ${D}${systemd_system_unitdir}/countertop.service
    chmod 0644 ${D}${systemd_system_unitdir}/countertop.service

    install -d ${D}${nonarch_base_libdir}/udev/rules.d
    sed -e 's,@DOCK_INPUT_NAME@,${COUNTERTOP_DOCK_INPUT_NAME},' \
        ${UNPACKDIR}/70-countertop-dock.rules > ${D}${nonarch_base_libdir}/udev/rules.d/70-countertop-dock.rules
    chmod 0644 ${D}${nonarch_base_libdir}/udev/rules.d/70-countertop-dock.rules
    # The backlight's brightness, writable by the countertop group (the panel's slider).
    install -m 0644 ${UNPACKDIR}/71-countertop-backlight.rules ${D}${nonarch_base_libdir}/udev/rules.d/71-countertop-backlight.rules

    # The default configuration is the repository's documented example.
    install -d ${D}${sysconfdir}/countertop
    install -m 0644 ${S}/docs/countertop.example.toml ${D}${sysconfdir}/countertop/countertop.toml
}

SYSTEMD_SERVICE:${PN} = "countertop.service"

# The service user: video (DRM card nodes, KMS scan-out with the software renderer) and input
# (evdev); both come with base-passwd. No render group: the software renderer never opens a
# render node.
USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --home-dir ${localstatedir}/lib/countertop --no-create-home \
                       --shell ${base_sbindir}/nologin --user-group --groups video,input countertop"

FILES:${PN} += "${nonarch_base_libdir}/udev/rules.d/70-countertop-dock.rules \
                ${nonarch_base_libdir}/udev/rules.d/71-countertop-backlight.rules"
CONFFILES:${PN} += "${sysconfdir}/countertop/countertop.toml"

# xkeyboard-config: the keymap data libxkbcommon loads at start-up.
RDEPENDS:${PN} += "xkeyboard-config"
# Latin text in Liberation Sans (Regular and Bold only, see recipes-graphics/); the image adds
# the Chinese faces.
RRECOMMENDS:${PN} += "liberation-fonts"

SUMMARY = "Countertop customer-facing payment terminal display"
DESCRIPTION = "Full-screen customer display of a docked POS handheld, written in Rust with \
               Slint (linuxkms backend, software renderer), started by systemd as an \
               unprivileged, sandboxed service."
SECTION = "graphics"
LICENSE = "MIT | Apache-2.0"
# scripts/check-yocto checks these checksums against the work tree.
LIC_FILES_CHKSUM = "file://LICENSE-MIT;md5=179af177ceeb515ca8502e3bc39a202f \
                    file://LICENSE-APACHE;md5=3b83ef96387f14655fc854ddc3c6bd57"

# libinput (which brings udev) and libxkbcommon: Slint's linuxkms backend; fontconfig: Slint's
# text stack. DRM is reached through the pure-Rust drm crate; no GL, no Skia.
# seatd: Slint's compat-1-2 feature turns on linuxkms' libseat support, so libseat must link
# (checked with `cargo check --features device` against Debian's libseat-dev).
DEPENDS += "fontconfig libinput libxkbcommon seatd udev"

PV = "0.1.0+git"

# The layer lives in the application's repository (yocto/meta-countertop/recipes-countertop/
# countertop/ is this recipe's directory): by default the recipe clones the tip of
# COUNTERTOP_GIT_BRANCH of that very repository. Commit first: uncommitted edits are not built
# (use `devtool modify countertop` for those). Release builds pin SRCREV in local.conf / kas.
# To build from a git server instead: COUNTERTOP_GIT_REPO = "git.example.com/countertop.git"
# and COUNTERTOP_GIT_PROTOCOL = "ssh" (or "https").
COUNTERTOP_GIT_REPO ?= "${@os.path.normpath(os.path.join(d.getVar('FILE_DIRNAME'), '..', '..', '..', '..'))}"
COUNTERTOP_GIT_PROTOCOL ?= "file"
COUNTERTOP_GIT_BRANCH ?= "main"
SRC_URI = "git://${COUNTERTOP_GIT_REPO};protocol=${COUNTERTOP_GIT_PROTOCOL};branch=${COUNTERTOP_GIT_BRANCH} \
           file://countertop.service \
           file://70-countertop-dock.rules \
           "
SRCREV ?= "${AUTOREV}"

require ${BPN}-crates.inc

inherit cargo cargo-update-recipe-crates pkgconfig systemd useradd

# The `device` cargo feature turns on slint/backend-linuxkms-noseat for the image.
CARGO_BUILD_FLAGS += "--features device"

# Kernel input name of the dock switch (see files/70-countertop-dock.rules): the udev rule
# links the matching event node to /dev/input/countertop-dock.
COUNTERTOP_DOCK_INPUT_NAME ?= "dock-switch"

do_install:append() {
    install -d ${D}${systemd_system_unitdir}
    sed -e 's,/usr/bin/countertop,${bindir}/countertop,' \
        ${UNPACKDIR}/countertop.service > ${D}${systemd_system_unitdir}/countertop.service
    chmod 0644 ${D}${systemd_system_unitdir}/countertop.service

    install -d ${D}${nonarch_base_libdir}/udev/rules.d
    sed -e 's,@DOCK_INPUT_NAME@,${COUNTERTOP_DOCK_INPUT_NAME},' \
        ${UNPACKDIR}/70-countertop-dock.rules > ${D}${nonarch_base_libdir}/udev/rules.d/70-countertop-dock.rules
    chmod 0644 ${D}${nonarch_base_libdir}/udev/rules.d/70-countertop-dock.rules

    # The default configuration is the repository's documented example.
    install -d ${D}${sysconfdir}/countertop
    install -m 0644 ${S}/docs/countertop.example.toml ${D}${sysconfdir}/countertop/countertop.toml
}

SYSTEMD_SERVICE:${PN} = "countertop.service"

# The service user: video (DRM), input (evdev), render (DRM render nodes; the group is made by
# systemd's udev package, hence USERADD_DEPENDS).
USERADD_PACKAGES = "${PN}"
USERADD_DEPENDS = "systemd"
USERADD_PARAM:${PN} = "--system --home-dir ${localstatedir}/lib/countertop --no-create-home \
                       --shell ${base_sbindir}/nologin --user-group --groups video,input,render countertop"

FILES:${PN} += "${nonarch_base_libdir}/udev/rules.d/70-countertop-dock.rules"
CONFFILES:${PN} += "${sysconfdir}/countertop/countertop.toml"

# xkeyboard-config: the keymap data libxkbcommon loads at start-up.
RDEPENDS:${PN} += "xkeyboard-config"
RRECOMMENDS:${PN} += "liberation-fonts"

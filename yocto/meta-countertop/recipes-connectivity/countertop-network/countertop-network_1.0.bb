SUMMARY = "NetworkManager defaults for Countertop: Ethernet preferred over Wi-Fi"
DESCRIPTION = "A NetworkManager configuration fragment (route metrics per device type) and a \
               DHCP Ethernet connection profile with a high autoconnect priority."
SECTION = "network"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"

SRC_URI = "file://90-countertop.conf \
           file://countertop-ethernet.nmconnection \
           "

S = "${UNPACKDIR}"

inherit allarch

# Shipped in NetworkManager's vendor directories under /usr/lib, so that files of the same
# name in /etc/NetworkManager/ override them on a device.
do_install() {
    install -d ${D}${nonarch_libdir}/NetworkManager/conf.d
    install -m 0644 ${S}/90-countertop.conf ${D}${nonarch_libdir}/NetworkManager/conf.d/90-countertop.conf
    install -d -m 0700 ${D}${nonarch_libdir}/NetworkManager/system-connections
    install -m 0600 ${S}/countertop-ethernet.nmconnection \
        ${D}${nonarch_libdir}/NetworkManager/system-connections/countertop-ethernet.nmconnection
}

FILES:${PN} += "${nonarch_libdir}/NetworkManager/conf.d/90-countertop.conf \
                ${nonarch_libdir}/NetworkManager/system-connections/countertop-ethernet.nmconnection \
                "

RDEPENDS:${PN} = "networkmanager-daemon"

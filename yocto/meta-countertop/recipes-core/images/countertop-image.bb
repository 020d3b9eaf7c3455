SUMMARY = "Countertop kiosk image"
DESCRIPTION = "Boots with systemd straight into the Countertop customer display on the KMS \
               console (no X11 or Wayland), networked by NetworkManager."
SECTION = "images"
LICENSE = "MIT"

inherit core-image features_check

REQUIRED_DISTRO_FEATURES = "systemd"

IMAGE_INSTALL = "packagegroup-core-boot \
                 countertop \
                 countertop-network \
                 networkmanager \
                 networkmanager-nmcli \
                 ca-certificates \
                 tzdata \
                 fontconfig-utils \
                 liberation-fonts \
                 source-han-sans-tw-fonts \
                 source-han-sans-cn-fonts \
                 ${CORE_IMAGE_EXTRA_INSTALL} \
                 "

IMAGE_LINGUAS = ""

# Room for the idle picture and logs on top of the packages.
IMAGE_ROOTFS_EXTRA_SPACE = "65536"

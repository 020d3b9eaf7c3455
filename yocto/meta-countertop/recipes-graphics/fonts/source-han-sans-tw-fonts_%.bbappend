# Countertop OS only (the layer changes nothing for other distros): the weights the UI draws
# with, and the family name the UI asks for.
# ui/ uses font-weight 400, 500, 600, 700 and 800; Regular (400), Medium (500, which meta-oe's
# 44-source-han-sans-tw-fonts.conf rates demibold, so it serves 600) and Bold (700, also the
# nearest to 800) cover them. ExtraLight, Light, Normal and Heavy stay out of the image.
FILESEXTRAPATHS:prepend:countertop-os := "${THISDIR}/files:"
SRC_URI:append:countertop-os = " file://46-countertop-noto-sans-cjk-tc.conf"

do_install:append:countertop-os() {
    for font in ${D}${datadir}/fonts/truetype/*.otf; do
        case "$(basename "$font" .otf)" in
        SourceHanSansTW-Regular|SourceHanSansTW-Medium|SourceHanSansTW-Bold) ;;
        *) rm "$font" ;;
        esac
    done
    for weight in Regular Medium Bold; do
        [ -e ${D}${datadir}/fonts/truetype/SourceHanSansTW-$weight.otf ] ||
            bbfatal "SourceHanSansTW-$weight.otf is not in the download"
    done
    install -m 0644 ${UNPACKDIR}/46-countertop-noto-sans-cjk-tc.conf ${D}${sysconfdir}/fonts/conf.d/
}

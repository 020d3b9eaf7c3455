# Countertop OS only (the layer changes nothing for other distros), target packages only:
# Latin text is Liberation Sans Regular and Bold (the UI's weights 400-800 map to these two);
# the Mono and Serif families and the italics stay out of the image.
do_install:append:countertop-os() {
    if [ "${CLASSOVERRIDE}" = "class-target" ]; then
        for font in ${D}${datadir}/fonts/ttf/*.ttf; do
            case "$(basename "$font")" in
            LiberationSans-Regular.ttf|LiberationSans-Bold.ttf) ;;
            *) rm "$font" ;;
            esac
        done
        for font in LiberationSans-Regular.ttf LiberationSans-Bold.ttf; do
            [ -e ${D}${datadir}/fonts/ttf/$font ] || bbfatal "$font is no longer in liberation-fonts"
        done
    fi
}

fn main() {
    // Debug info lets the headless UI tests find elements by accessible label. It costs a few
    // kilobytes of element names in the binary; the one build serves tests and the kiosk alike,
    // so Slint is compiled once.
    // Translations: translations/<gettext code>/LC_MESSAGES/countertop.po (the domain is the
    // crate name), bundled into the binary. No default context: a sentence is translated once,
    // whichever component shows it. slint-build reruns this when anything under translations/
    // changes.
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_bundled_translations("translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint must compile");
}

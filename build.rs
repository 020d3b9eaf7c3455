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

    // Packed relative relocations (DT_RELR, glibc 2.36 and later): a position-independent
    // program's relocation table shrinks from 24 bytes per pointer to a few bits, and the
    // loader, which reads all of it at every start, no longer pages in ~0.4 MB (device build)
    // to 1 MB (bench build) of it. Measured as peak RSS in the kiosk bench. Only the programs
    // (the kiosk, its tools and the bench), which are what is loaded.
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os == "linux" && target_env == "gnu" {
        for kind in ["bins", "benches"] {
            println!("cargo:rustc-link-arg-{kind}=-Wl,-z,pack-relative-relocs");
        }
    }
}

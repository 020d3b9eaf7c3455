fn main() {
    // Debug info lets the headless UI tests find elements by accessible label. It costs a few
    // kilobytes of element names in the binary; the one build serves tests and the kiosk alike,
    // so Slint is compiled once.
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint must compile");
}

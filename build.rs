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
    code_order();
}

/// Start-up code first: the functions the kiosk runs from start to a 1,000-line cart on screen
/// (`link/code-order.txt`, written by `scripts/code-order`) are laid out next to each other, so
/// the pages the kernel maps when they run (64 KiB around each first touch) hold mostly code that
/// runs, not its never-called neighbours. Resident code at the bench's peak ~7.3 -> ~2 MiB;
/// peak RSS with the 1,000-line cart 19.6-19.9 -> 14.1-14.3 MiB (bench build) and 18.3 -> 14.3
/// MiB (device build).
///
/// The list names symbols exactly as rustc mangles them for this toolchain, Cargo.lock and
/// build configuration; a symbol it does not find is skipped, so a stale list or another build
/// (the Yocto cross build, another rustc) links as before, only without the benefit. Given to
/// rust-lld, the linker of x86_64-unknown-linux-gnu since Rust 1.90, and not when a linker of
/// one's own is configured (RUSTC_LINKER, or linker flags in RUSTFLAGS: GNU ld has no
/// `--symbol-ordering-file`).
fn code_order() {
    println!("cargo:rerun-if-env-changed=COUNTERTOP_LINK_MAP");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let lld = std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu")
        && rustc_minor().is_some_and(|minor| minor >= 90)
        && std::env::var_os("RUSTC_LINKER").is_none()
        && !["linker", "fuse-ld", "self-contained"]
            .iter()
            .any(|flag| flags.contains(flag));
    if !lld {
        return;
    }
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let order = std::path::Path::new(&manifest_dir).join("link/code-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    if order.is_file() {
        for kind in ["bins", "benches"] {
            println!(
                "cargo:rustc-link-arg-{kind}=-Wl,--symbol-ordering-file={}",
                order.display()
            );
            println!("cargo:rustc-link-arg-{kind}=-Wl,--no-warn-symbol-ordering");
        }
    }
    // scripts/code-order: a link map of each program it runs (into the directory given), to
    // name the functions of a stripped (device profile) build by address.
    if let Some(dir) = std::env::var_os("COUNTERTOP_LINK_MAP") {
        let dir = std::path::PathBuf::from(dir);
        for bin in ["countertop", "countertop-device-frames"] {
            let map = dir.join(format!("{bin}.map"));
            println!("cargo:rustc-link-arg-bin={bin}=-Wl,-Map={}", map.display());
        }
    }
}

/// The minor version of the rustc building this (1.x), from `rustc -vV`.
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let output = std::process::Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let release = text.lines().find_map(|l| l.strip_prefix("release: "))?;
    release.split('.').nth(1)?.parse().ok()
}

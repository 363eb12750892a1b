//! `uniffi-bindgen` at the exact uniffi version the ffi crate links: generated Kotlin and Swift
//! must match the scaffolding's checksums.

fn main() {
    uniffi::uniffi_bindgen_main()
}

//! The shells build on the public API only: the CLI, the uniffi layer and the testbed harness
//! the CLI's demo links never reach under it through `ringside_core::testing`, and never turn
//! on the `testing` feature. (A workspace build unifies features, so the compiler alone would
//! not notice a shell using `testing` while the end-to-end tests are built with it.)

mod sources;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_cli_the_ffi_and_the_harness_use_only_the_public_api() {
    let files: Vec<PathBuf> = ["cli/src", "rust-core/ffi/src", "tests/src"].iter().flat_map(|d| sources::rust_files(&root().join(d))).collect();
    assert!(files.len() > 20, "found the shells' sources: {files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("ringside_core::testing") {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "under the public API:\n{}", found.join("\n"));
}

#[test]
fn no_shell_turns_on_the_testing_feature() {
    for manifest in ["cli/Cargo.toml", "rust-core/ffi/Cargo.toml"] {
        let text = std::fs::read_to_string(root().join(manifest)).unwrap();
        assert!(!text.contains("\"testing\""), "{manifest} turns on ringside-core's `testing`");
    }
    // The testbed's harness is linked by the CLI: only its dev-dependency (the end-to-end tests
    // and the benchmarks) may turn it on.
    let testbed = std::fs::read_to_string(root().join("tests/Cargo.toml")).unwrap();
    let normal = testbed.split("[dev-dependencies]").next().unwrap();
    assert!(!normal.contains("\"testing\""), "the testbed's harness turns on `testing`");
}

//! The README's library example is `examples/incluster.rs`, whole: the
//! file compiles with the crate (and runs in the busybox root), so the
//! README cannot show code that does not.

#[test]
fn the_readme_library_example_is_examples_incluster_rs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/incluster.rs")).unwrap();
    let readme = std::fs::read_to_string(root.join("../../README.md")).unwrap();
    let section = readme
        .split_once("\n## The library\n")
        .expect("README.md has a '## The library' section")
        .1;
    let block = section
        .split_once("\n```rust\n")
        .and_then(|(_, rest)| rest.split_once("\n```\n"))
        .map(|(code, _)| format!("{code}\n"))
        .expect("a ```rust block in README.md's '## The library'");
    assert!(
        block == example,
        "README.md's library example differs from crates/kapi/examples/incluster.rs: \
         copy the file into the README's ```rust block\n--- README\n{block}--- file\n{example}"
    );
}

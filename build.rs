//! Embeds every `rules/*.yaml` file into the binary, so the built-in rules are data that ships
//! with the executable and a new rules file needs no code change.
//!
//! Each file is embedded twice: as written (for `rules` messages and the test that proves the
//! two agree) and converted to JSON here, at build time. Parsing ~650 rules of YAML took ~25 ms
//! of every start-up; JSON parses in a fraction of that, and the pre-commit hook must feel
//! instant. A rules file that is not valid YAML fails the build.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the rules/ directory exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let json_dir = Path::new(&out_dir).join("rules-json");
    std::fs::create_dir_all(&json_dir).expect("OUT_DIR is writable");
    let mut out = String::from("pub const FILES: &[(&str, &str, &str)] = &[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=rules/{name}");
        let text = std::fs::read_to_string(dir.join(name)).expect("rules files are readable");
        let value: serde_json::Value = serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("rules/{name} is not valid YAML: {e}"));
        let json_name = format!("{name}.json");
        std::fs::write(
            json_dir.join(&json_name),
            serde_json::to_string(&value).expect("a YAML value serialises as JSON"),
        )
        .expect("OUT_DIR is writable");
        writeln!(
            out,
            "    (\"rules/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/{name}\")), include_str!(concat!(env!(\"OUT_DIR\"), \"/rules-json/{json_name}\"))),"
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    std::fs::write(Path::new(&out_dir).join("builtin_rules.rs"), out).expect("OUT_DIR is writable");
}

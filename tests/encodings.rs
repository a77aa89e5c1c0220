//! Secrets written inside encodings, through the real binary: a Kubernetes Secret's base64
//! `data:`, a `.dockerconfigjson` (base64 of JSON whose `auth` is base64 again), a Basic auth
//! header, a percent-encoded URL, JSON string escapes, HTML entities, a UTF-16LE `.env` with a
//! byte-order mark, nesting past the depth limit, and a base64 blob over the decoding budget.
//! Each is found at the line of its encoded span, with the encodings in its message, and
//! neither the token nor its encoded form is ever printed. Tokens are generated here from
//! GitHub's documented format (never a real secret).

#[path = "common/mod.rs"]
mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Tokens, leakgate, write};
use serde_json::Value;
use tempfile::TempDir;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// The hostile files, each with the token hidden in it, the line it must be reported on, and
/// the message it must carry.
struct Case {
    path: &'static str,
    contents: Vec<u8>,
    token: String,
    /// What must never be printed besides the token: its encoded form.
    encoded: String,
    line: u64,
    message: &'static str,
}

fn cases(tokens: &mut Tokens) -> Vec<Case> {
    let mut cases = Vec::new();

    let t = tokens.github_pat();
    let encoded = b64(&t);
    cases.push(Case {
        path: "k8s/secret.yaml",
        contents: format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ntype: Opaque\ndata:\n  \
             GITHUB_TOKEN: {encoded}\n"
        )
        .into_bytes(),
        token: t,
        encoded,
        line: 7,
        message: "decoded from base64",
    });

    let t = tokens.github_pat();
    let auth = b64(format!("octocat:{t}"));
    let config = b64(format!(r#"{{"auths":{{"ghcr.io":{{"auth":"{auth}"}}}}}}"#));
    cases.push(Case {
        path: "k8s/pull-secret.yaml",
        contents: format!(
            "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  \
             .dockerconfigjson: {config}\n"
        )
        .into_bytes(),
        token: t,
        encoded: auth,
        line: 5,
        message: "decoded from base64 inside base64",
    });

    let t = tokens.github_pat();
    let encoded = b64(format!("deploy:{t}"));
    cases.push(Case {
        path: "scripts/fetch.sh",
        contents: format!(
            "#!/bin/sh\nset -e\ncurl -fsS \\\n  -H 'Authorization: Basic {encoded}' \\\n  \
             https://api.github.com/user\n"
        )
        .into_bytes(),
        token: t,
        encoded,
        line: 4,
        message: "decoded from base64",
    });

    let t = tokens.stripe_live();
    let encoded = t.replacen('_', "%5F", 2);
    cases.push(Case {
        path: "ops/webhook.txt",
        contents: format!("Callback:\n\nhttps://hooks.example.test/cb?token={encoded}&retry=1\n")
            .into_bytes(),
        token: t,
        encoded,
        line: 3,
        message: "decoded from percent-encoding",
    });

    let t = tokens.github_pat();
    let encoded = t.replacen('_', "\\u005f", 1);
    cases.push(Case {
        path: "config/settings.json",
        contents: format!("{{\n  \"name\": \"ci\",\n  \"token\": \"{encoded}\"\n}}\n").into_bytes(),
        token: t,
        encoded,
        line: 3,
        message: "decoded from string escapes",
    });

    let t = tokens.github_pat();
    let encoded = t.replacen('_', "&#95;", 1);
    cases.push(Case {
        path: "public/index.html",
        contents: format!(
            "<!doctype html>\n<body>\n<meta name=\"gh\" content=\"{encoded}\">\n</body>\n"
        )
        .into_bytes(),
        token: t,
        encoded,
        line: 3,
        message: "decoded from HTML entities",
    });

    let t = tokens.github_pat();
    let text = format!("# saved by a Windows tool\r\nAPP_ENV=production\r\nGITHUB_TOKEN={t}\r\n");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    cases.push(Case {
        path: "deploy/prod.ps1",
        contents: utf16,
        token: t.clone(),
        encoded: t,
        line: 3,
        message: "decoded from UTF-16LE text",
    });

    // Three encodings deep: found; the depth limit is three.
    let t = tokens.github_pat();
    let inner = b64(format!("password: {t}"));
    let middle = b64(format!("{{\"secret\": \"{inner}\"}}"));
    let encoded = middle
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect::<String>();
    cases.push(Case {
        path: "logs/request.log",
        contents: format!("GET /callback?state={encoded} 200\n").into_bytes(),
        token: t,
        encoded: middle,
        line: 1,
        message: "decoded from base64 inside base64 inside percent-encoding",
    });
    cases
}

fn scan(root: &std::path::Path, format: &str) -> (i32, String, String) {
    let out = leakgate()
        .args(["scan", "--no-git", "--no-env", "--format", format])
        .arg(root)
        .output()
        .expect("leakgate runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn encoded_tokens_are_found_where_they_are_written_and_never_printed() {
    let dir = TempDir::new().expect("temp dir");
    let cases = cases(&mut Tokens::new(11));
    for case in &cases {
        write(dir.path(), case.path, &case.contents);
    }
    let (code, stdout, stderr) = scan(dir.path(), "json");
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    let findings = report["findings"].as_array().expect("findings");
    for case in &cases {
        let here: Vec<&Value> = findings.iter().filter(|f| f["path"] == case.path).collect();
        assert_eq!(here.len(), 1, "{}: {here:?}", case.path);
        let f = here[0];
        let rule = if case.token.starts_with("sk_live_") {
            "stripe-secret-key-live"
        } else {
            "github-pat-classic"
        };
        assert_eq!(f["rule"], rule, "{}", case.path);
        assert_eq!(f["line"], case.line, "{}", case.path);
        assert_eq!(f["message"], case.message, "{}", case.path);
    }
    let (code, human, _) = scan(dir.path(), "human");
    assert_eq!(code, 1);
    for case in &cases {
        for output in [&stdout, &human, &stderr] {
            assert!(
                !output.contains(&case.token),
                "{} printed in full",
                case.path
            );
            assert!(
                !output.contains(&case.encoded),
                "{} printed encoded",
                case.path
            );
        }
    }
    assert!(
        human.contains("decoded from base64 inside base64"),
        "{human}"
    );
}

#[test]
fn the_same_token_in_plain_and_in_base64_has_one_fingerprint() {
    let dir = TempDir::new().expect("temp dir");
    let t = Tokens::new(12).github_pat();
    write(dir.path(), "plain.env", format!("GITHUB_TOKEN={t}\n"));
    write(
        dir.path(),
        "secret.yaml",
        format!("data:\n  token: {}\n", b64(&t)),
    );
    let (code, stdout, _) = scan(dir.path(), "json");
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    let prints: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| &f["fingerprint"])
        .collect();
    assert_eq!(prints.len(), 2, "{report}");
    assert_eq!(prints[0], prints[1]);
}

#[test]
fn deeper_than_the_limit_and_random_base64_stay_quiet() {
    let dir = TempDir::new().expect("temp dir");
    let mut tokens = Tokens::new(13);
    let mut deep = format!("token: {}", tokens.github_pat());
    for _ in 0..4 {
        deep = b64(deep);
    }
    write(dir.path(), "deep.txt", format!("blob = {deep}\n"));
    // Random bytes, an image-like data: URI and a source map: not text once decoded.
    let random: Vec<u8> = (0..3000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(
        dir.path(),
        "assets/app.css",
        format!(
            ".logo {{ background: url(data:image/png;base64,{}); }}\n",
            b64(&random)
        ),
    );
    write(
        dir.path(),
        "dist/app.js.map",
        format!(
            "{{\"version\":3,\"mappings\":\"AAAA,SAASA,IAAI;AACpB,OAAO,KAAK;ACDZ,MAAMC,QAAQ\",\"x\":\"{}\"}}\n",
            b64(&random[..600])
        ),
    );
    let (code, stdout, stderr) = scan(dir.path(), "json");
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn a_base64_blob_over_the_budget_is_cut_and_said() {
    let dir = TempDir::new().expect("temp dir");
    let t = Tokens::new(14).github_pat();
    let filler = "lorem ipsum dolor sit amet, ".repeat(200_000);
    write(
        dir.path(),
        "huge.yaml",
        format!("data:\n  blob: {}\n", b64(format!("{filler} {t}\n"))),
    );
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = scan(dir.path(), "json");
    assert!(started.elapsed().as_secs() < 60);
    // Nothing found, the file's plain text read in full: a warning, not a failure.
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    let warnings = report["summary"]["warnings"].to_string();
    assert!(
        warnings.contains("huge.yaml") && warnings.contains("decoding budget"),
        "{warnings}"
    );
}

//! Long and odd tokens, end to end through the binary: JWTs of any length judged by their
//! claims, keys judged by what their bodies say (encrypted or not), checksummed formats
//! validated, and the confidence of every finding in each format. Every token is generated here
//! from its documented format; no output may hold one in full.

mod common;

use common::{Tokens, leakgate};
use serde_json::Value;
use std::path::Path;

fn b64(bytes: &[u8], url: bool) -> String {
    leakgate::rules::base64_encode(bytes, url)
}
const URL: bool = true;
const STD: bool = false;
const URL_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STD_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A JWT with these claims, padded with a random `pad` claim to about `size` bytes.
fn jwt(claims: &str, size: usize, seed: u64) -> String {
    let mut tokens = Tokens::new(seed);
    let pad = tokens.base62(size * 3 / 4);
    let claims = format!("{{{claims},\"pad\":\"{pad}\"}}");
    format!(
        "{}.{}.{}",
        b64(br#"{"alg":"HS256","typ":"JWT"}"#, URL),
        b64(claims.as_bytes(), URL),
        tokens.pick(URL_ALPHABET, 43)
    )
}

fn scan_json(dir: &Path) -> Vec<Value> {
    let out = leakgate()
        .current_dir(dir)
        .args(["scan", ".", "--format", "json"])
        .output()
        .expect("runs");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    doc["findings"].as_array().cloned().unwrap_or_default()
}

fn only<'a>(findings: &'a [Value], rule: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

/// Every output format of a scan of `dir`, as text: none may hold any of `secrets` whole.
fn assert_never_printed(dir: &Path, secrets: &[&str]) {
    for format in ["human", "json", "sarif"] {
        let out = leakgate()
            .current_dir(dir)
            .args(["scan", ".", "--format", format])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        for secret in secrets {
            assert!(!text.contains(secret), "{format} prints a token in full");
        }
    }
}

#[test]
fn long_jwts_are_found_whole_and_judged_by_their_claims() {
    let dir = tempfile::tempdir().unwrap();
    let far = 2_000_000_000;
    let six_kb = jwt(
        &format!(r#""iss":"supabase","role":"service_role","exp":{far}"#),
        6 * 1024,
        1,
    );
    let sixty_kb = jwt(r#""sub":"svc-reports""#, 60 * 1024, 2);
    assert!(six_kb.len() > 6 * 1024 && sixty_kb.len() > 60 * 1024);
    let anon = jwt(r#""iss":"supabase","role":"anon","exp":2000000000"#, 300, 3);
    let expired = jwt(
        r#""iss":"https://auth.acme.io","role":"admin","exp":1704067200"#,
        300,
        4,
    );
    std::fs::write(
        dir.path().join("tokens.env"),
        format!("SERVICE={six_kb}\nREPORTS={sixty_kb}\nANON={anon}\nOLD={expired}\n"),
    )
    .unwrap();
    let findings = scan_json(dir.path());
    let jwts = only(&findings, "jwt");
    assert_eq!(jwts.len(), 4, "{findings:#?}");
    let at = |line: u64| {
        jwts.iter()
            .find(|f| f["line"] == line)
            .unwrap_or_else(|| panic!("no JWT on line {line}: {findings:#?}"))
    };
    // Whole: the finding ends where the token ends (columns count from 1).
    let service = at(1);
    assert_eq!(service["end_column"], (9 + six_kb.len()) as u64);
    assert_eq!(at(2)["end_column"], (9 + sixty_kb.len()) as u64);
    assert_eq!(service["severity"], "critical");
    assert_eq!(service["confidence"], "validated");
    let message = service["message"].as_str().unwrap();
    assert!(
        message.contains("issued by supabase") && message.contains("role service_role"),
        "{message}"
    );
    assert_eq!(at(2)["severity"], "medium");
    assert_eq!(at(3)["severity"], "info");
    assert_eq!(at(3)["publishable"], true);
    let old = at(4);
    assert_eq!(
        old["severity"], "high",
        "admin is critical, one level lower once expired"
    );
    let message = old["message"].as_str().unwrap();
    assert!(
        message.contains("expired on 2024-01-01") && message.contains("https://auth.acme.io"),
        "{message}"
    );
    assert_never_printed(dir.path(), &[&six_kb, &sixty_kb, &anon, &expired]);
}

#[test]
fn a_supabase_key_is_judged_by_its_role_not_by_the_name_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let service = jwt(r#""iss":"supabase","role":"service_role""#, 300, 31);
    let anon = jwt(r#""iss":"supabase","role":"anon""#, 300, 32);
    std::fs::write(
        dir.path().join(".env.production"),
        format!(
            "SUPABASE_SERVICE_ROLE_KEY={service}
SUPABASE_SERVICE_KEY={anon}
"
        ),
    )
    .unwrap();
    let findings = scan_json(dir.path());
    let found = only(&findings, "supabase-service-role-key");
    assert_eq!(found.len(), 2, "{findings:#?}");
    assert_eq!(found[0]["severity"], "critical");
    assert_eq!(found[0]["confidence"], "validated");
    assert_eq!(
        found[1]["severity"], "info",
        "an anon key under a service-role name"
    );
    assert_eq!(found[1]["publishable"], true);
    assert_never_printed(dir.path(), &[&service, &anon]);
}

/// An OpenSSH key block whose body names `cipher`.
fn openssh_key(cipher: &str, seed: u64) -> String {
    let mut body = b"openssh-key-v1\0".to_vec();
    for name in [cipher, if cipher == "none" { "none" } else { "bcrypt" }] {
        body.extend((name.len() as u32).to_be_bytes());
        body.extend(name.as_bytes());
    }
    body.extend(Tokens::new(seed).base62(300).bytes());
    let text = b64(&body, STD);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// A PEM block of `label` with a random body that starts like DER (`MII`).
fn pem(label: &str, headers: &str, seed: u64) -> String {
    let body = format!("MII{}", Tokens::new(seed).pick(STD_ALPHABET, 317));
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{headers}{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[test]
fn private_keys_of_every_kind_and_encrypted_ones_lower() {
    let dir = tempfile::tempdir().unwrap();
    let plain_ssh = openssh_key("none", 5);
    let locked_ssh = openssh_key("aes256-ctr", 6);
    let files = [
        ("id_plain", plain_ssh.clone()),
        ("id_locked", locked_ssh.clone()),
        ("rsa.pem", pem("RSA PRIVATE KEY", "", 7)),
        ("pkcs8.pem", pem("PRIVATE KEY", "", 8)),
        ("enc8.pem", pem("ENCRYPTED PRIVATE KEY", "", 9)),
        (
            "legacy.pem",
            pem(
                "RSA PRIVATE KEY",
                "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,DB73C9A8618740C9D1A3B37807268609\n\n",
                10,
            ),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let findings = scan_json(dir.path());
    let at = |path: &str| -> &Value {
        findings
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("nothing in {path}: {findings:#?}"))
    };
    assert_eq!(at("id_plain")["severity"], "critical");
    assert_eq!(at("id_plain")["confidence"], "validated");
    assert_eq!(at("id_locked")["severity"], "medium");
    assert!(
        at("id_locked")["message"]
            .as_str()
            .unwrap()
            .contains("Encrypted with aes256-ctr")
    );
    assert_eq!(at("rsa.pem")["severity"], "critical");
    assert_eq!(at("pkcs8.pem")["severity"], "critical");
    assert_eq!(at("enc8.pem")["severity"], "medium");
    assert_eq!(at("legacy.pem")["severity"], "medium");
    assert_eq!(findings.len(), files.len(), "{findings:#?}");
    assert_never_printed(
        dir.path(),
        &[
            plain_ssh.lines().nth(2).unwrap(),
            locked_ssh.lines().nth(2).unwrap(),
        ],
    );
}

/// An age secret key: bech32 of 32 random bytes with the part `age-secret-key-`, upper case.
fn age_key(seed: u64) -> String {
    let mut tokens = Tokens::new(seed);
    let data: Vec<u8> = (0..52)
        .map(|_| tokens.pick(b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f", 1).as_bytes()[0])
        .collect();
    leakgate::rules::bech32_encode("age-secret-key-", &data).to_ascii_uppercase()
}

#[test]
fn checksummed_formats_are_validated_and_a_broken_checksum_is_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut tokens = Tokens::new(12);
    let github = tokens.github_pat();
    let random = tokens.base62(30);
    let npm = format!(
        "npm_{random}{}",
        leakgate::rules::base62_checksum(random.as_bytes())
    );
    let age = age_key(13);
    let mut broken_age = age.clone().into_bytes();
    let last = broken_age.len() - 1;
    broken_age[last] = if broken_age[last] == b'Q' { b'P' } else { b'Q' };
    let broken_age = String::from_utf8(broken_age).unwrap();
    let mut broken_npm = npm.clone().into_bytes();
    broken_npm[6] = if broken_npm[6] == b'a' { b'b' } else { b'a' };
    let broken_npm = String::from_utf8(broken_npm).unwrap();
    std::fs::write(
        dir.path().join("keys.txt"),
        format!(
            "GITHUB_TOKEN={github}\nNPM_TOKEN={npm}\n# key\n{age}\nNPM_OLD={broken_npm}\n{broken_age}\n"
        ),
    )
    .unwrap();
    let findings = scan_json(dir.path());
    for (rule, line) in [
        ("github-pat-classic", 1),
        ("npm-access-token", 2),
        ("age-secret-key", 4),
    ] {
        let found = only(&findings, rule);
        assert_eq!(found.len(), 1, "{rule}: {findings:#?}");
        assert_eq!(found[0]["line"], line);
        assert_eq!(found[0]["confidence"], "validated", "{rule}");
    }
    assert!(
        !findings.iter().any(|f| f["line"] == 5 || f["line"] == 6),
        "{findings:#?}"
    );
    assert_never_printed(dir.path(), &[&github, &npm, &age]);
}

#[test]
fn every_format_shows_the_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut tokens = Tokens::new(21);
    let github = tokens.github_pat();
    let aws = format!(
        "AKIAY{}",
        tokens.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 15)
    );
    let password = tokens.base62(20);
    std::fs::write(
        dir.path().join("app.cfg"),
        format!(
            "token = {github}\naws_access_key_id = {aws}\nmirror = https://ci-reader:{password}@pypi.acme-corp.io/simple/\n"
        ),
    )
    .unwrap();
    let findings = scan_json(dir.path());
    let confidence = |rule: &str| only(&findings, rule)[0]["confidence"].clone();
    assert_eq!(confidence("github-pat-classic"), "validated");
    assert_eq!(confidence("aws-access-key-id"), "likely");
    assert_eq!(confidence("url-basic-auth-credentials"), "possible");
    let aws_message = only(&findings, "aws-access-key-id")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(aws_message.starts_with("AWS account "), "{aws_message}");

    let sarif = leakgate()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "sarif"])
        .output()
        .expect("runs");
    let doc: Value = serde_json::from_slice(&sarif.stdout).expect("SARIF");
    let mut by_rule: Vec<(String, String)> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["properties"]["confidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    by_rule.sort();
    assert_eq!(
        by_rule,
        [
            ("aws-access-key-id".to_string(), "likely".to_string()),
            ("github-pat-classic".into(), "validated".into()),
            ("url-basic-auth-credentials".into(), "possible".into()),
        ]
    );

    let human = leakgate()
        .current_dir(dir.path())
        .args(["scan", "."])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("validated") && text.contains("possible"),
        "{text}"
    );
    assert!(
        !text.contains("likely"),
        "likely is the default, not shown: {text}"
    );
    assert_never_printed(dir.path(), &[&github, &aws, &password]);
}

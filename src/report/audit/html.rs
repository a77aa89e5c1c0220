//! `leakgate-audit.html`: one self-contained page. Inline CSS (print and dark-mode aware),
//! inline SVG, no external resource of any kind (the Content-Security-Policy meta forbids
//! them), and one optional line of JavaScript (open every `<details>` before printing): with
//! scripts off, the page is complete.
//!
//! Every text from the repository or a rule goes through [`escape`], the one escape of the
//! page, in element text and attribute values alike. The section ids, `data-*` attributes and
//! headings are a contract with the browser test and with readers' own tooling: see the brief
//! of issue 15 and `tests/audit_browser.rs`.

use super::{Audit, Exposure, Place, Risk, timestamp, unread};
use crate::finding::{CommitInfo, Severity};
use crate::inventory::{EnvMatrix, Inventory};
use crate::report::{Report, human_bytes, short_id};

/// Places listed in a risk's row before "and N more".
const ROW_PLACES: usize = 3;
/// Places listed in a risk's details before the rest fold into a `<details>`.
const DETAIL_PLACES: usize = 8;

const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/// Escapes text for HTML element content and quoted attribute values: `& < > " '`. Also shows
/// what a reader could not see or a parser would reject as a visible `\u{..}` escape: control
/// characters (but tab and line feed), bidirectional overrides and isolates (which could
/// reorder what a line appears to say), and Unicode noncharacters.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if hidden(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Characters [`escape`] shows as `\u{..}`.
fn hidden(c: char) -> bool {
    let n = c as u32;
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || (0xfdd0..=0xfdef).contains(&n)
        || n & 0xfffe == 0xfffe
}

/// Escaped text with `code` spans for text between backticks (rule descriptions and next steps
/// name commands that way).
fn prose(text: &str) -> String {
    let escaped = escape(text);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len() < 3 {
        return escaped;
    }
    let mut out = String::new();
    let paired = parts.len() - usize::from(parts.len().is_multiple_of(2));
    for (i, part) in parts.iter().enumerate() {
        if i > 0 && i < paired {
            out.push_str(if i % 2 == 1 { "<code>" } else { "</code>" });
        } else if i > 0 {
            out.push('`');
        }
        out.push_str(part);
    }
    out
}

/// The whole page.
pub fn html(audit: &Audit, report: &Report<'_>, inventory: &Inventory) -> String {
    let verdict = audit.verdict();
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
    ));
    out.push_str(
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n",
    );
    out.push_str(&format!(
        "<title>leakgate audit: {} ({})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        verdict.word(),
        super::counted(audit.risks().len(), "risk", "risks")
    ));
    out.push_str("<main>\n<h1>Release audit</h1>\n");
    out.push_str(&format!("<p class=\"meta\">{}</p>\n", meta(report)));
    out.push_str(NAV);
    verdict_section(&mut out, audit, report);
    risks_section(&mut out, audit);
    env_section(&mut out, inventory);
    timeline_section(&mut out, audit);
    bundles_section(&mut out, audit, inventory);
    coverage_section(&mut out, audit, report);
    handover_section(&mut out, audit);
    out.push_str(&format!(
        "</main>\n<footer><p>Written by leakgate {}. Secrets are never shown: a preview keeps a \
         provider's documented public prefix or at most a quarter of a value, and the key type \
         of a private key.</p></footer>\n",
        env!("CARGO_PKG_VERSION")
    ));
    // Optional: folded lists print in full. Without scripts the page is complete on screen.
    out.push_str(
        "<script>addEventListener(\"beforeprint\",function(){document.querySelectorAll(\
         \"details\").forEach(function(d){d.open=true})});</script>\n</body>\n</html>\n",
    );
    out
}

/// What was audited: leakgate's version and the repository, when history named it.
fn meta(report: &Report<'_>) -> String {
    let mut parts = vec![format!("leakgate {}", env!("CARGO_PKG_VERSION"))];
    if let Some(vcs) = report.stats.vcs.first() {
        let mut repo = format!("repository <code>{}</code>", escape(&vcs.repository_uri));
        if let Some(branch) = &vcs.branch {
            repo.push_str(&format!(" on <code>{}</code>", escape(branch)));
        }
        if let Some(rev) = &vcs.revision_id {
            repo.push_str(&format!(" at <code>{}</code>", escape(short_id(rev))));
        }
        parts.push(repo);
    }
    parts.push(format!(
        "gate at {} severity",
        escape(report.options.fail_on.as_str())
    ));
    parts.join(" · ")
}

const NAV: &str = "<nav aria-label=\"Sections\"><ul>\
<li><a href=\"#verdict\">Verdict</a></li>\
<li><a href=\"#risks\">Risks</a></li>\
<li><a href=\"#env\">Environments</a></li>\
<li><a href=\"#timeline\">Timeline</a></li>\
<li><a href=\"#bundles\">Client bundles</a></li>\
<li><a href=\"#coverage\">Coverage</a></li>\
<li><a href=\"#handover\">Handover</a></li>\
</ul></nav>\n";

fn open_section(out: &mut String, id: &str, heading: &str, attrs: &str) {
    out.push_str(&format!(
        "<section id=\"{id}\" aria-labelledby=\"{id}-h\"{attrs}>\n<h2 id=\"{id}-h\">{heading}</h2>\n"
    ));
}

fn verdict_section(out: &mut String, audit: &Audit, report: &Report<'_>) {
    let verdict = audit.verdict();
    open_section(
        out,
        "verdict",
        "Verdict",
        &format!(
            " data-verdict=\"{}\" class=\"verdict {}\"",
            verdict.as_str(),
            verdict.as_str()
        ),
    );
    out.push_str(&format!(
        "<p id=\"verdict-word\" class=\"word\">{}</p>\n<p id=\"verdict-reason\" class=\"reason\">{}</p>\n",
        verdict.word(),
        escape(audit.reason())
    ));
    let risks = audit.risks();
    let count = |e: Exposure| risks.iter().filter(|r| r.exposure == e).count();
    let stats = report.stats;
    let mut tiles = vec![
        (risks.len().to_string(), "distinct risks"),
        (
            audit.credentials().count().to_string(),
            "credentials among them",
        ),
        (
            count(Exposure::Bundle).to_string(),
            "reached a client bundle",
        ),
        (count(Exposure::Head).to_string(), "in the current files"),
        (count(Exposure::History).to_string(), "only in git history"),
        (stats.files_scanned.to_string(), "files read"),
    ];
    if let Some(h) = &stats.history {
        tiles.push((h.commits.to_string(), "commits read"));
    }
    out.push_str("<ul class=\"tiles\">");
    for (n, label) in tiles {
        out.push_str(&format!(
            "<li><span class=\"n\">{n}</span> <span class=\"l\">{label}</span></li>"
        ));
    }
    out.push_str("</ul>\n</section>\n");
}

fn severity_badge(severity: Severity) -> String {
    format!(
        "<span class=\"sev sev-{0}\">{0}</span>",
        escape(severity.as_str())
    )
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "<span class=\"flag yes\">Yes</span>"
    } else {
        "<span class=\"flag no\">No</span>"
    }
}

/// How the page marks text up (see [`super::Markup`]).
const MARKUP: super::Markup = super::Markup {
    text: escape,
    code,
    br: "<br>",
};

fn code(text: &str) -> String {
    format!("<code>{}</code>", escape(text))
}

fn place_text(p: &Place) -> String {
    p.render(&MARKUP)
}

fn commit_brief(c: &CommitInfo) -> String {
    super::commit_brief(c, &MARKUP)
}

fn commit_full(c: &CommitInfo) -> String {
    super::commit_full(c, &MARKUP)
}

/// A risk's name, severity and redacted secret; the name links to its details when `link`.
fn risk_name(r: &Risk, link: bool) -> String {
    let name = escape(&r.rule.name);
    let mut text = if link {
        format!("<a href=\"#risk-{}\">{name}</a>", r.rank)
    } else {
        name
    };
    text.push_str(&format!(" {}", severity_badge(r.severity)));
    if r.confidence != crate::finding::Confidence::Likely {
        text.push_str(&format!(
            " <span class=\"confidence\">{}</span>",
            escape(r.confidence.as_str())
        ));
    }
    if !r.preview.is_empty() {
        text.push_str(&format!(
            " <code class=\"preview\">{}</code>",
            escape(&r.preview)
        ));
    }
    text
}

fn risks_section(out: &mut String, audit: &Audit) {
    open_section(out, "risks", "Risks, most urgent first", "");
    let risks = audit.risks();
    if risks.is_empty() {
        out.push_str(
            "<p id=\"no-risks\">No risk was found: no secret and no configuration problem in \
             what was read (see <a href=\"#coverage\">what was read</a>).</p>\n</section>\n",
        );
        return;
    }
    out.push_str(
        "<p class=\"lead\">Each distinct secret once, however many places hold it. Ranked by \
         business impact: what reached a client bundle (public to every visitor) first, then \
         what is still in the current files, then what is only in git history; within each, by severity, \
         then the number of places, then the oldest first commit.</p>\n",
    );
    out.push_str(
        "<div class=\"scroll\"><table id=\"risk-table\">\n<caption>Risks by rank</caption>\n\
         <thead><tr><th scope=\"col\">#</th><th scope=\"col\">Risk</th>\
         <th scope=\"col\">Where</th><th scope=\"col\">Entered history</th>\
         <th scope=\"col\">In current files</th><th scope=\"col\">Client bundle</th>\
         <th scope=\"col\">Next step</th></tr></thead>\n<tbody>\n",
    );
    for r in risks {
        out.push_str(&format!(
            "<tr data-rank=\"{}\" data-rule=\"{}\" data-fingerprint=\"{}\" data-severity=\"{}\" \
             data-in-head=\"{}\" data-in-bundle=\"{}\" class=\"exp-{}\">",
            r.rank,
            escape(&r.rule.id),
            escape(r.short_fingerprint()),
            escape(r.severity.as_str()),
            r.in_head,
            r.in_bundle,
            r.exposure.as_str()
        ));
        out.push_str(&format!("<td class=\"num\">{}</td>", r.rank));
        out.push_str(&format!(
            "<th scope=\"row\">{}<br><span class=\"fp\">{}</span></th>",
            risk_name(r, true),
            escape(r.short_fingerprint())
        ));
        out.push_str("<td><ul class=\"places\">");
        for p in r.places.iter().take(ROW_PLACES) {
            out.push_str(&format!("<li>{}</li>", place_text(p)));
        }
        if r.places.len() > ROW_PLACES {
            out.push_str(&format!(
                "<li class=\"more\"><a href=\"#risk-{}\">and {} more</a></li>",
                r.rank,
                r.places.len() - ROW_PLACES
            ));
        }
        out.push_str("</ul></td>");
        out.push_str(&format!(
            "<td>{}</td>",
            r.first_commit.as_ref().map_or(
                "<span class=\"muted\">never committed</span>".to_string(),
                commit_brief
            )
        ));
        out.push_str(&format!(
            "<td>{}</td><td>{}</td>",
            yes_no(r.in_head),
            yes_no(r.in_bundle)
        ));
        out.push_str(&format!("<td>{}</td></tr>\n", escape(r.next_step_short())));
    }
    out.push_str("</tbody>\n</table></div>\n<div class=\"details\">\n");
    for r in risks {
        risk_details(out, r);
    }
    out.push_str("</div>\n</section>\n");
}

fn risk_details(out: &mut String, r: &Risk) {
    out.push_str(&format!(
        "<article class=\"risk exp-{}\" id=\"risk-{}\" aria-labelledby=\"risk-{}-h\">\n\
         <h3 id=\"risk-{}-h\"><span class=\"rank\">{}.</span> {}</h3>\n",
        r.exposure.as_str(),
        r.rank,
        r.rank,
        r.rank,
        r.rank,
        risk_name(r, false)
    ));
    let mut status = vec![escape(r.exposure.label())];
    status.push(format!(
        "fingerprint <code>{}</code>",
        escape(r.short_fingerprint())
    ));
    status.push(
        if r.fails {
            "fails the gate"
        } else {
            "below the gate's threshold or not counted"
        }
        .to_string(),
    );
    out.push_str(&format!(
        "<p class=\"status\">{}</p>\n<dl>\n",
        status.join(" · ")
    ));
    out.push_str(&format!(
        "<dt>{}</dt><dd>{}</dd>\n",
        r.description_label(),
        prose(&r.rule.description)
    ));
    if !r.also.is_empty() {
        let also: Vec<String> = r
            .also
            .iter()
            .map(|a| format!("{} (<code>{}</code>)", escape(&a.name), escape(&a.id)))
            .collect();
        out.push_str(&format!("<dt>Also</dt><dd>{}</dd>\n", also.join(", ")));
    }
    if !r.messages.is_empty() {
        out.push_str("<dt>Found</dt><dd><ul>");
        for m in &r.messages {
            out.push_str(&format!("<li>{}</li>", escape(m)));
        }
        out.push_str("</ul></dd>\n");
    }
    out.push_str(&format!(
        "<dt>Places ({})</dt><dd><ul class=\"places\">",
        r.places.len()
    ));
    for p in r.places.iter().take(DETAIL_PLACES) {
        out.push_str(&format!("<li>{}</li>", place_text(p)));
    }
    out.push_str("</ul>");
    if r.places.len() > DETAIL_PLACES {
        out.push_str(&format!(
            "<details><summary>{} more places</summary><ul class=\"places\">",
            r.places.len() - DETAIL_PLACES
        ));
        for p in &r.places[DETAIL_PLACES..] {
            out.push_str(&format!("<li>{}</li>", place_text(p)));
        }
        out.push_str("</ul></details>");
    }
    out.push_str("</dd>\n");
    out.push_str(&format!(
        "<dt>Entered history</dt><dd>{}</dd>\n",
        r.first_commit.as_ref().map_or(
            "Never committed: found in the files only.".to_string(),
            commit_full
        )
    ));
    out.push_str(&format!(
        "<dt>In the current files</dt><dd>{}</dd>\n",
        if r.in_head {
            "Yes".to_string()
        } else if let Some(left) = &r.departure {
            format!("No: it left in {}", commit_full(left))
        } else {
            "No".to_string()
        }
    ));
    out.push_str(&format!(
        "<dt>Reached a client bundle</dt><dd>{}</dd>\n",
        if r.in_bundle { "Yes" } else { "No" }
    ));
    if let Some(home) = r.home_text() {
        out.push_str(&format!(
            "<dt>Must live in</dt><dd>{}</dd>\n",
            escape(&home)
        ));
    }
    out.push_str("<dt>Next steps</dt><dd><ol>");
    for step in r.next_steps() {
        out.push_str(&format!("<li>{}</li>", prose(&step)));
    }
    out.push_str("</ol></dd>\n</dl>\n</article>\n");
}

/// A matrix cell's state in words (`shared-value` -> `shared value`).
fn state_words(state: &str) -> String {
    state.replace('-', " ")
}

fn env_section(out: &mut String, inventory: &Inventory) {
    open_section(out, "env", "Environment separation", "");
    if inventory.env.is_empty() {
        out.push_str(
            "<p id=\"no-env\">No env files were found in what was read.</p>\n</section>\n",
        );
        return;
    }
    out.push_str(
        "<p class=\"lead\">Each folder's env files as variables by environment. A cell says \
         what that environment's files do with the variable: <strong>set</strong>, \
         <strong>missing</strong>, <strong>empty</strong>, a <strong>shared value</strong> \
         (the same secret as another environment), a <strong>test key</strong> where a live \
         one belongs, or a <strong>dev endpoint</strong> where a deployed host belongs; the \
         checks that fired are named under it. Values are never shown.</p>\n",
    );
    for matrix in &inventory.env {
        env_matrix(out, matrix);
    }
    out.push_str("</section>\n");
}

fn folder_name(dir: &str) -> String {
    if dir.is_empty() {
        "the scanned root".to_string()
    } else {
        format!("<code>{}</code>", escape(dir))
    }
}

fn env_matrix(out: &mut String, matrix: &EnvMatrix) {
    out.push_str(&format!(
        "<h3>Env files in {}</h3>\n",
        folder_name(&matrix.dir)
    ));
    out.push_str(&format!(
        "<div class=\"scroll\"><table class=\"env-matrix\" data-dir=\"{}\">\n\
         <caption>Variables by environment in {}</caption>\n<thead><tr><th scope=\"col\">Variable</th>",
        escape(&matrix.dir),
        folder_name(&matrix.dir)
    ));
    for column in &matrix.environments {
        let files: Vec<String> = column.files.iter().map(|f| escape(f)).collect();
        out.push_str(&format!(
            "<th scope=\"col\" data-env=\"{}\">{}<span class=\"files\">{}</span></th>",
            escape(&column.environment),
            escape(&column.environment),
            files.join(", ")
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &matrix.variables {
        out.push_str(&format!(
            "<tr data-var=\"{}\"><th scope=\"row\"><code>{}</code></th>",
            escape(&row.name),
            escape(&row.name)
        ));
        for (column, cell) in matrix.environments.iter().zip(&row.cells) {
            let state = cell.state.as_str();
            let checks: Vec<String> = cell.checks.iter().map(|c| escape(c)).collect();
            out.push_str(&format!(
                "<td data-env=\"{}\" data-state=\"{state}\" data-checks=\"{}\" class=\"st st-{state}\">{}",
                escape(&column.environment),
                checks.join(" "),
                state_words(state)
            ));
            if !checks.is_empty() {
                out.push_str(&format!(
                    "<span class=\"checks\">{}</span>",
                    checks.join(", ")
                ));
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// One secret on the timeline: entered, and left (`None`: still present).
struct Span<'a> {
    risk: &'a Risk,
    entered: i64,
    left: Option<i64>,
}

/// The secrets with a known first commit date, in rank order.
fn spans(audit: &Audit) -> Vec<Span<'_>> {
    audit
        .credentials()
        .filter_map(|risk| {
            let entered = timestamp(&risk.first_commit.as_ref()?.date)?;
            let left = risk.departure.as_ref().and_then(|d| timestamp(&d.date));
            Some(Span {
                risk,
                entered,
                left,
            })
        })
        .collect()
}

fn day(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn timeline_section(out: &mut String, audit: &Audit) {
    open_section(out, "timeline", "When secrets entered and left history", "");
    let spans = spans(audit);
    let secrets = audit.credentials().count();
    if spans.is_empty() {
        out.push_str(&format!(
            "<p id=\"no-timeline\">{}</p>\n</section>\n",
            if secrets == 0 {
                "No secret was found, so there is nothing to place on a timeline."
            } else {
                "No secret found has a known first commit (none was found in git history)."
            }
        ));
        return;
    }
    timeline_svg(out, &spans);
    out.push_str(
        "<p class=\"legend\"><span class=\"key exp-bundle\"></span> reached a client bundle \
         <span class=\"key exp-head\"></span> in the current files <span class=\"key exp-history\">\
         </span> only in history. A bar starts at the commit that added the secret and ends \
         at the commit that removed it from HEAD; an open arrow means it is still there.</p>\n",
    );
    if spans.len() < secrets {
        out.push_str(&format!(
            "<p class=\"muted\">{} not shown: never committed, or the commit's date is \
             unknown.</p>\n",
            super::counted(secrets - spans.len(), "secret is", "secrets are")
        ));
    }
    out.push_str(
        "<div class=\"scroll\"><table id=\"timeline-table\">\n<caption>The timeline as a \
         table</caption>\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Secret</th>\
         <th scope=\"col\">Entered history</th><th scope=\"col\">Left HEAD</th></tr></thead>\n<tbody>\n",
    );
    for s in &spans {
        let r = s.risk;
        let left = super::left_head(r, &MARKUP);
        out.push_str(&format!(
            "<tr data-fingerprint=\"{}\"><td class=\"num\">{}</td><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>\n",
            escape(r.short_fingerprint()),
            r.rank,
            risk_name(r, true),
            r.first_commit.as_ref().map(commit_brief).unwrap_or_default(),
            left
        ));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn timeline_svg(out: &mut String, spans: &[Span<'_>]) {
    const WIDTH: i64 = 960;
    const LABEL: i64 = 270;
    const RIGHT: i64 = 40;
    const ROW: i64 = 26;
    const TOP: i64 = 12;
    const DAY: i64 = 86_400;
    let mut start = spans.iter().map(|s| s.entered).min().unwrap_or_default();
    let mut end = spans
        .iter()
        .flat_map(|s| [Some(s.entered), s.left])
        .flatten()
        .max()
        .unwrap_or(start);
    // Room on both sides so a single day is still a span, and the ends are not on the edge.
    let pad = ((end - start) / 20).max(7 * DAY);
    start -= pad;
    end += pad;
    let plot = (WIDTH - LABEL - RIGHT) as f64;
    let x = |t: i64| LABEL as f64 + plot * (t - start) as f64 / (end - start) as f64;
    let axis = TOP + ROW * spans.len() as i64 + 8;
    let height = axis + 34;
    out.push_str(&format!(
        "<figure class=\"timeline\"><svg id=\"timeline-svg\" role=\"img\" \
         aria-labelledby=\"timeline-title\" viewBox=\"0 0 {WIDTH} {height}\" \
         xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"timeline-title\">When {} entered \
         git history and, for those removed from HEAD, when they left, from {} to {}</title>\n",
        super::counted(spans.len(), "secret", "secrets"),
        day(start + pad),
        day(end - pad)
    ));
    for (i, s) in spans.iter().enumerate() {
        let r = s.risk;
        let y = TOP + ROW * i as i64;
        let x0 = x(s.entered);
        let x1 = s.left.map_or(x(end), x);
        let label: String = format!("{}. {}", r.rank, r.rule.name);
        let label = if label.chars().count() > 38 {
            format!("{}…", label.chars().take(37).collect::<String>())
        } else {
            label
        };
        let tip = format!(
            "{}. {} ({}): entered {}, {}",
            r.rank,
            r.rule.name,
            r.short_fingerprint(),
            day(s.entered),
            match s.left {
                Some(left) => format!("left {}", day(left)),
                None if r.in_head => "still present".to_string(),
                None => "left at an unknown date".to_string(),
            }
        );
        out.push_str(&format!(
            "<g class=\"secret exp-{}\" data-fingerprint=\"{}\"><title>{}</title>\
             <text x=\"4\" y=\"{}\" class=\"label\">{}</text>\
             <rect class=\"bar\" x=\"{x0:.1}\" y=\"{}\" width=\"{:.1}\" height=\"10\" rx=\"3\"/>\
             <circle class=\"dot\" cx=\"{x0:.1}\" cy=\"{}\" r=\"5\"/>",
            r.exposure.as_str(),
            escape(r.short_fingerprint()),
            escape(&tip),
            y + 15,
            escape(&label),
            y + 6,
            (x1 - x0).max(2.0),
            y + 11
        ));
        if s.left.is_none() && r.in_head {
            out.push_str(&format!(
                "<path class=\"arrow\" d=\"M{:.1} {} l10 6 l-10 6 z\"/>",
                x1,
                y + 5
            ));
        } else if s.left.is_some() {
            out.push_str(&format!(
                "<rect class=\"end\" x=\"{:.1}\" y=\"{}\" width=\"3\" height=\"18\"/>",
                x1 - 1.5,
                y + 2
            ));
        }
        out.push_str("</g>\n");
    }
    out.push_str(&format!(
        "<g class=\"axis\"><line x1=\"{LABEL}\" y1=\"{axis}\" x2=\"{}\" y2=\"{axis}\"/>",
        WIDTH - RIGHT
    ));
    const TICKS: i64 = 4;
    for k in 0..=TICKS {
        let t = start + (end - start) * k / TICKS;
        let anchor = match k {
            0 => "start",
            TICKS => "end",
            _ => "middle",
        };
        out.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{axis}\" x2=\"{0:.1}\" y2=\"{1}\"/>\
             <text x=\"{0:.1}\" y=\"{2}\" text-anchor=\"{anchor}\">{3}</text>",
            x(t),
            axis + 5,
            axis + 20,
            day(t)
        ));
    }
    out.push_str("</g>\n</svg></figure>\n");
}

fn bundles_section(out: &mut String, audit: &Audit, inventory: &Inventory) {
    open_section(out, "bundles", "Client bundles: what ships to browsers", "");
    if inventory.bundles.is_empty() {
        out.push_str(
            "<p id=\"no-bundles\">No build output folder was found in what was read. If the \
             client is built in CI, audit the build output there too.</p>\n",
        );
    } else {
        out.push_str(
            "<div class=\"scroll\"><table id=\"bundle-table\">\n<caption>Build output \
             folders</caption>\n<thead><tr><th scope=\"col\">Folder</th><th scope=\"col\">Ships \
             to</th><th scope=\"col\">Files read</th><th scope=\"col\">Size</th>\
             <th scope=\"col\">Source maps</th></tr></thead>\n<tbody>\n",
        );
        for b in &inventory.bundles {
            out.push_str(&format!(
                "<tr data-path=\"{}\" data-client=\"{}\"><th scope=\"row\">{}</th><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                escape(&b.path),
                b.client,
                folder_name(&b.path),
                super::ships_to(b.client),
                b.files,
                human_bytes(b.bytes),
                b.source_maps
            ));
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    let shipped: Vec<&Risk> = audit.risks().iter().filter(|r| r.in_bundle).collect();
    if shipped.is_empty() {
        out.push_str("<p id=\"no-bundle-risks\">No finding is in a client bundle.</p>\n");
    } else {
        out.push_str("<h3>What reached browsers</h3>\n<ul id=\"bundle-risks\">\n");
        for r in shipped {
            let places: Vec<String> = r
                .places
                .iter()
                .filter(|p| p.bundle)
                .map(place_text)
                .collect();
            out.push_str(&format!(
                "<li data-fingerprint=\"{}\">{}. {}: {}</li>\n",
                escape(r.short_fingerprint()),
                r.rank,
                risk_name(r, true),
                places.join(", ")
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn coverage_section(out: &mut String, audit: &Audit, report: &Report<'_>) {
    open_section(out, "coverage", "What was read, and what was not", "");
    let stats = report.stats;
    if audit.complete() {
        out.push_str(
            "<p id=\"coverage-state\" class=\"complete yes\" data-complete=\"true\">Everything \
             the audit was asked to read was read.</p>\n",
        );
    } else {
        let unread = unread(stats);
        out.push_str(&format!(
            "<p id=\"coverage-state\" class=\"complete no\" data-complete=\"false\">Not \
             everything was read{}, so the verdict cannot be SHIP.</p>\n",
            if unread.is_empty() {
                String::new()
            } else {
                format!(": {}", escape(&super::list(&unread)))
            }
        ));
    }
    let rows = super::file_counts(stats);
    out.push_str(
        "<div class=\"scroll\"><table id=\"coverage-table\">\n<caption>Files</caption>\n\
         <thead><tr><th scope=\"col\">What</th><th scope=\"col\">Count</th><th scope=\"col\">\
         Why it matters</th></tr></thead>\n<tbody>\n",
    );
    for (what, count, why) in rows {
        out.push_str(&format!(
            "<tr><th scope=\"row\">{what}</th><td class=\"num\">{count}</td><td>{why}</td></tr>\n"
        ));
    }
    out.push_str("</tbody>\n</table></div>\n");
    match &stats.history {
        Some(h) => out.push_str(&format!(
            "<p id=\"history-coverage\" data-truncated=\"{}\">Git history ({} mode): {} commits, \
             {} unique blobs ({}) and {} commit and tag messages read. {}</p>\n",
            h.truncated,
            escape(h.mode),
            h.commits,
            h.blobs_scanned,
            human_bytes(h.bytes_scanned),
            h.messages_scanned,
            if h.truncated {
                "<strong>History is truncated</strong>: the clone is shallow, and the commits \
                 before its boundary were not there to read."
            } else {
                "History is complete."
            }
        )),
        None => out.push_str(
            "<p id=\"history-coverage\" data-truncated=\"false\">Git history was not read (not \
             a git repository, or history was not asked for).</p>\n",
        ),
    }
    let accepted: usize = audit.suppressed().values().sum();
    if accepted > 0 {
        let kinds: Vec<String> = audit
            .suppressed()
            .iter()
            .map(|(kind, n)| format!("{n} by {}", escape(kind)))
            .collect();
        out.push_str(&format!(
            "<p id=\"accepted\">{} not counted and not listed above ({}).</p>\n",
            super::counted(accepted, "accepted finding is", "accepted findings are"),
            kinds.join(", ")
        ));
    }
    if stats.warnings.is_empty() {
        out.push_str("<p id=\"no-warnings\">No warnings.</p>\n");
    } else {
        out.push_str("<h3>Warnings</h3>\n<ul id=\"warnings\">\n");
        for w in &stats.warnings {
            out.push_str(&format!("<li>{}</li>\n", escape(w)));
        }
        if stats.warnings_dropped > 0 {
            out.push_str(&format!(
                "<li class=\"muted\">and {} more not kept</li>\n",
                stats.warnings_dropped
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn handover_section(out: &mut String, audit: &Audit) {
    open_section(out, "handover", "Handover checklist", "");
    if audit.credentials().next().is_none() {
        out.push_str(
            "<p id=\"no-credentials\">No credential was found in what was read: nothing to \
             hand over or rotate.</p>\n",
        );
        launch_handover(out, audit);
        out.push_str("</section>\n");
        return;
    }
    out.push_str(
        "<p class=\"lead\">Every credential found, where it must live once the repository \
         changes hands, and whether to rotate it.</p>\n<ol id=\"handover-list\">\n",
    );
    for r in audit.credentials() {
        let (rotate, why) = r.rotate();
        out.push_str(&format!(
            "<li data-fingerprint=\"{}\" data-rotate=\"{rotate}\"><span class=\"box\" \
             aria-hidden=\"true\"></span>{} <span class=\"fp\">{}</span>\
             <br>Must live in: {}.<br>Rotate: <strong>{}</strong>, {}.</li>\n",
            escape(r.short_fingerprint()),
            risk_name(r, true),
            escape(r.short_fingerprint()),
            escape(&r.home_text().unwrap_or_default()),
            if rotate { "yes" } else { "no" },
            escape(why)
        ));
    }
    out.push_str("</ol>\n");
    launch_handover(out, audit);
    out.push_str("</section>\n");
}

/// The launch configuration to fix before launch, when a launch check fails the gate
/// (`leakgate checklist` lists every item of the launch checklist).
fn launch_handover(out: &mut String, audit: &Audit) {
    if audit.launch_problems().next().is_none() {
        return;
    }
    out.push_str(
        "<p class=\"lead\">Launch configuration to fix before launch (<code>leakgate \
         checklist</code> lists every item):</p>\n<ol id=\"launch-list\">\n",
    );
    for r in audit.launch_problems() {
        let at = r
            .places
            .first()
            .map(|p| format!("{}:{}", p.path, p.line))
            .unwrap_or_default();
        out.push_str(&format!(
            "<li data-fingerprint=\"{}\"><span class=\"box\" aria-hidden=\"true\"></span>{} \
             (<code>{}</code>) at {} <span class=\"fp\">{}</span></li>\n",
            escape(r.short_fingerprint()),
            escape(&r.rule.name),
            escape(&r.rule.id),
            escape(&at),
            escape(r.short_fingerprint())
        ));
    }
    out.push_str("</ol>\n");
}

/// The page's style: system fonts only, light and dark palettes (contrast at least 4.5:1 for
/// text), and a print layout without navigation or backgrounds that waste ink.
const STYLE: &str = r#"
:root{--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa;--accent:#0b57d0;
--red:#b42318;--red-bg:#fef3f2;--red-line:#f5b7b1;--amber:#8a4b00;--amber-bg:#fff6e0;--green:#0a6b3b;
--green-bg:#ebf8f0;--blue:#1d4ed8;--blue-bg:#eef4ff;--grey-bg:#eef0f2;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--fg:#e6edf3;--muted:#9ea7b3;--line:#30363d;
--panel:#161b22;--accent:#7cb1ff;--red:#ff938a;--red-bg:#3b1412;--red-line:#7a2a24;--amber:#f2c46d;
--amber-bg:#33260b;--green:#6fdc9a;--green-bg:#0f2d1c;--blue:#9cbcff;--blue-bg:#14233f;--grey-bg:#22272e}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 32px 24px}
footer{max-width:1180px;margin:0 auto;padding:0 32px 32px;color:var(--muted);font-size:.85rem}
a{color:var(--accent)}
h1{font-size:1.75rem;margin:0 0 .2rem;letter-spacing:-.01em}
h2{font-size:1.3rem;margin:0 0 .8rem;padding-bottom:.35rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.4rem 0 .5rem}
.meta,.muted,.note,.fp,.files,.checks{color:var(--muted)}
.meta{margin:0 0 1rem}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.4rem 1.1rem;padding:0;margin:0 0 1.6rem;font-size:.92rem}
section{margin:0 0 2.6rem}
.lead{max-width:80ch}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.86em;background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:0 .25em;overflow-wrap:anywhere}
.verdict{border:2px solid var(--line);border-radius:10px;padding:1.1rem 1.4rem 1.2rem;background:var(--panel)}
.verdict h2{border:0;padding:0;margin:0;font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted)}
.verdict.ship{border-color:var(--green);background:var(--green-bg)}
.verdict.fix-first{border-color:var(--red);background:var(--red-bg)}
.verdict .word{font-size:2.4rem;font-weight:800;margin:.1rem 0 .2rem;letter-spacing:.02em}
.verdict.ship .word{color:var(--green)}.verdict.fix-first .word{color:var(--red)}
.verdict .reason{font-size:1.08rem;margin:0 0 1rem;max-width:90ch}
.tiles{list-style:none;display:flex;flex-wrap:wrap;gap:.6rem;padding:0;margin:0}
.tiles li{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:.35rem .75rem}
.tiles .n{font-weight:700;font-size:1.1rem}.tiles .l{color:var(--muted);font-size:.88rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.3rem 0 .8rem}
caption{text-align:left;font-weight:600;padding:.2rem 0 .4rem;color:var(--muted);font-size:.85rem}
th,td{text-align:left;vertical-align:top;padding:.5rem .6rem;border-bottom:1px solid var(--line)}
thead th{background:var(--panel);font-size:.82rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-bottom:2px solid var(--line)}
tbody th{font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
#risk-table td.num{text-align:center;font-weight:700}
#risk-table tr.exp-bundle td.num{box-shadow:inset 4px 0 var(--red)}
#risk-table tr.exp-head td.num{box-shadow:inset 4px 0 var(--amber)}
#risk-table tr.exp-history td.num{box-shadow:inset 4px 0 var(--blue)}
.places{margin:0;padding-left:1.1rem}.places li{margin:.1rem 0}
.sev{display:inline-block;font-size:.72rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em;padding:.05rem .45rem;border-radius:999px;border:1px solid;vertical-align:.1em}
.sev-critical{color:var(--red);background:var(--red-bg);border-color:var(--red)}
.sev-high{color:var(--amber);background:var(--amber-bg);border-color:var(--amber)}
.sev-medium{color:var(--blue);background:var(--blue-bg);border-color:var(--blue)}
.sev-low,.sev-info{color:var(--muted);background:var(--grey-bg);border-color:var(--line)}
.flag{font-weight:700}.flag.yes{color:var(--red)}.flag.no{color:var(--muted);font-weight:400}
.fp{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.78rem;font-weight:400}
.details{display:grid;gap:1rem;margin-top:1.2rem}
.risk{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:8px;padding:.2rem 1.1rem .6rem}
.risk.exp-bundle{border-left-color:var(--red)}.risk.exp-head{border-left-color:var(--amber)}.risk.exp-history{border-left-color:var(--blue)}
.risk h3{margin:.8rem 0 .2rem}.risk .rank{color:var(--muted)}
.risk .status{color:var(--muted);margin:0 0 .5rem;font-size:.9rem}
.risk dl{display:grid;grid-template-columns:11rem 1fr;gap:.35rem 1rem;margin:0}
.risk dt{font-weight:600;color:var(--muted)}.risk dd{margin:0;max-width:95ch}
.risk dd ol,.risk dd ul{margin:0;padding-left:1.2rem}
.files,.checks{display:block;font-size:.78rem;font-weight:400;text-transform:none;letter-spacing:0}
table.env-matrix td{white-space:nowrap}
.st{font-weight:600}
.st-set{color:var(--green)}.st-missing,.st-empty{color:var(--muted);font-weight:400;font-style:italic}
.st-shared-value,.st-test-key{color:var(--red);background:var(--red-bg)}
.st-dev-endpoint{color:var(--amber);background:var(--amber-bg)}
.timeline{margin:0 0 .6rem}
#timeline-svg{width:100%;height:auto;max-width:960px;display:block;font-family:inherit}
#timeline-svg text{fill:var(--fg);font-size:12px}
#timeline-svg .axis line{stroke:var(--muted);stroke-width:1}
#timeline-svg .axis text{fill:var(--muted);font-size:11px}
#timeline-svg .bar,#timeline-svg .dot,#timeline-svg .arrow,#timeline-svg .end{fill:var(--blue)}
#timeline-svg .exp-bundle .bar,#timeline-svg .exp-bundle .dot,#timeline-svg .exp-bundle .arrow,#timeline-svg .exp-bundle .end{fill:var(--red)}
#timeline-svg .exp-head .bar,#timeline-svg .exp-head .dot,#timeline-svg .exp-head .arrow,#timeline-svg .exp-head .end{fill:var(--amber)}
.legend{font-size:.88rem;color:var(--muted)}
.key{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:-.1em;margin:0 .2em 0 .6em;background:var(--blue)}
.key.exp-bundle{background:var(--red)}.key.exp-head{background:var(--amber)}.key.exp-history{background:var(--blue)}
.complete{font-weight:600;padding:.5rem .8rem;border-radius:6px}
.complete.yes{background:var(--green-bg);color:var(--green)}.complete.no{background:var(--red-bg);color:var(--red)}
#warnings{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem;overflow-wrap:anywhere}
#handover-list li{margin:.2rem 0 .8rem;padding-left:.2rem}
.box{display:inline-block;width:.95em;height:.95em;border:2px solid var(--muted);border-radius:3px;vertical-align:-.12em;margin-right:.45em}
@media (max-width:720px){main{padding:18px 14px}.risk dl{grid-template-columns:1fr}}
@media print{
:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--panel:#fff}
body{font-size:10pt}main,footer{max-width:none;padding:0}
nav,.skip{display:none}
a{color:inherit;text-decoration:none}
.verdict,.sev,.complete,.st,#risk-table td.num{-webkit-print-color-adjust:exact;print-color-adjust:exact}
section{break-inside:auto}h2,h3{break-after:avoid}
tr,.risk,figure,li{break-inside:avoid}
thead{display:table-header-group}
.scroll{overflow:visible}
}
"#;

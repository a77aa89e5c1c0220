//! Webhook signatures: a module that receives a payment or platform provider's webhooks
//! (Stripe, GitHub, Svix/Clerk/Resend, Shopify, Slack, Twilio, PayPal, Paddle, Lemon Squeezy,
//! ...) must prove each request came from the provider before acting on it, or anyone who
//! finds the URL can mark orders paid or upgrade accounts for free.
//!
//! Decisions, each from what real applications do (docs/launch-precision/webhooks.md):
//! - The unit is the module. A route and its verification live in one file in the frameworks
//!   we read (a Next.js `route.ts`, an Express router, a FastAPI endpoints module), and a
//!   verifier kept in another file is still called from this one under a name that says so
//!   (`verifyIntercomWebhookSignature`, `construct_stripe_event`), so any call or identifier
//!   that says "verify", "construct event" or "signature" counts as verification. We would
//!   rather miss a handler than accuse a verified one: the unverified check is `high`.
//! - A webhook handler is recognised by strong evidence only: the provider's signature header
//!   read (a string literal, Django's `HTTP_STRIPE_SIGNATURE` spelling too), or the provider's
//!   event names handled inside a route whose path (or file path, or handler name) says
//!   webhook. Event names alone (a helper that receives an already verified event) are not.
//! - A hand-written check (an HMAC computed in the module) is verification; it is then judged
//!   on its comparison (`==`/`===`/`!=` leaks timing: medium) and, when the provider signs a
//!   timestamp, on whether any clock is read at all (no replay window: low).

use super::syntax::{Code, descendants, short};
use super::triggers::Subject;
use super::{Example, Examples, Sink};
use crate::checks::Check;
use crate::finding::Severity;
use tree_sitter::Node;

pub const CHECKS: [Check; 3] = [
    Check {
        id: "webhook-unverified",
        name: "Webhook handler never verifies the provider's signature",
        severity: Severity::High,
        description: "This module receives a provider's webhooks (it reads the signature header or \
                      handles the provider's events in a webhook route) but never verifies the \
                      signature, so anyone who finds the URL can send a forged event: mark an \
                      order paid, upgrade an account, delete a user. Add the provider's own check \
                      before acting on the body, using the raw request body: \
                      `stripe.webhooks.constructEvent(rawBody, sig, secret)` (Python \
                      `stripe.Webhook.construct_event`), svix `new Webhook(secret).verify(body, \
                      headers)`, `@octokit/webhooks` `verify`, `shopify.webhooks.validate`, \
                      `twilio.validateRequest`, or an HMAC of the raw body compared with \
                      `crypto.timingSafeEqual` / `hmac.compare_digest`.",
        tags: &["launch", "webhooks"],
    },
    Check {
        id: "webhook-signature-plain-compare",
        name: "Webhook signature compared with == instead of a constant-time comparison",
        severity: Severity::Medium,
        description: "An HMAC signature is compared with `==`, `===` or `!=`, which stops at the \
                      first differing character: the response time tells an attacker how much \
                      of a forged signature is right, one character at a time. Replace the \
                      comparison with `crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b))` \
                      (check the lengths first) in Node, or `hmac.compare_digest(a, b)` in \
                      Python.",
        tags: &["launch", "webhooks"],
    },
    Check {
        id: "webhook-no-replay-window",
        name: "Hand-written webhook verification without a timestamp tolerance",
        severity: Severity::Low,
        description: "The module verifies a provider's signature by hand, the provider signs a \
                      timestamp (Stripe `t=`, Slack `x-slack-request-timestamp`, Svix \
                      `svix-timestamp`), but the code never reads the clock, so a captured \
                      request can be replayed forever. Add a check that the signed timestamp is \
                      within five minutes of now before accepting the request, or replace the \
                      hand-written check with the provider's library call, which does it.",
        tags: &["launch", "webhooks"],
    },
];

const UNVERIFIED: &Check = &CHECKS[0];
const PLAIN_COMPARE: &Check = &CHECKS[1];
const NO_REPLAY: &Check = &CHECKS[2];

pub const EXAMPLES: &[Examples] = &[
    Examples {
        rule: "webhook-unverified",
        fires: &[
            Example {
                path: "src/routes/billing.js",
                text: "router.post('/webhooks/stripe', express.json(), async (req, res) => {\n  \
                       const event = req.body;\n  if (event.type === 'checkout.session.completed') \
                       {\n    await markPaid(event.data.object.id);\n  }\n  res.sendStatus(200);\n});\n",
            },
            Example {
                path: "app/api/webhooks/clerk/route.ts",
                text: "export async function POST(req: Request) {\n  const sig = \
                       req.headers.get('svix-signature');\n  if (!sig) return new Response('no', { \
                       status: 400 });\n  const evt = await req.json();\n  if (evt.type === \
                       'user.created') await createUser(evt.data);\n  return new Response('ok');\n}\n",
            },
            Example {
                path: "app/payments/views.py",
                text: "@csrf_exempt\ndef stripe_webhook(request):\n    event = \
                       json.loads(request.body)\n    if event['type'] == \
                       'invoice.paid':\n        activate(event['data'])\n    return \
                       HttpResponse(status=200)\n",
            },
        ],
        quiet: &[
            Example {
                path: "app/api/webhooks/stripe/route.ts",
                text: "export async function POST(req: Request) {\n  const body = await \
                       req.text();\n  const sig = req.headers.get('Stripe-Signature') as \
                       string;\n  const event = stripe.webhooks.constructEvent(body, sig, \
                       secret);\n  if (event.type === 'checkout.session.completed') await \
                       markPaid(event);\n  return new Response('ok');\n}\n",
            },
            Example {
                path: "server/stripe.py",
                text: "@router.post('/webhook')\nasync def webhook(request: Request):\n    \
                       payload = await request.body()\n    sig = \
                       request.headers.get('stripe-signature')\n    event = \
                       stripe.Webhook.construct_event(payload, sig, SECRET)\n    if event.type \
                       == 'invoice.paid':\n        await activate(event)\n",
            },
            Example {
                path: "src/billing/handlers.ts",
                text: "// called with an event the route already verified\nexport async \
                       function handle(event: Stripe.Event) {\n  if (event.type === \
                       'customer.subscription.deleted') await cancel(event.data.object);\n}\n",
            },
            Example {
                path: "app/api/webhooks/resend/route.ts",
                text: "export const POST = async (req: Request) => {\n  const raw = await \
                       req.text();\n  await verifyResendWebhook(raw, req.headers);\n  const { \
                       type } = JSON.parse(raw);\n  if (type === 'user.created') await \
                       welcome();\n};\n",
            },
        ],
    },
    Examples {
        rule: "webhook-signature-plain-compare",
        fires: &[
            Example {
                path: "src/webhooks/shopify.ts",
                text: "const hmac = req.headers['x-shopify-hmac-sha256'];\nconst digest = \
                       crypto.createHmac('sha256', secret).update(raw).digest('base64');\nif \
                       (digest !== hmac) return res.status(401).end();\n",
            },
            Example {
                path: "app/webhooks.py",
                text: "def check(body, header):\n    expected = hmac.new(KEY, body, \
                       hashlib.sha256).hexdigest()\n    return expected == header\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/webhooks/shopify.ts",
                text: "const hmac = req.headers['x-shopify-hmac-sha256'];\nconst digest = \
                       crypto.createHmac('sha256', secret).update(raw).digest('base64');\nif \
                       (digest.length !== hmac.length || !crypto.timingSafeEqual(Buffer.from(digest), \
                       Buffer.from(hmac))) return res.status(401).end();\n",
            },
            Example {
                path: "app/webhooks.py",
                text: "def check(body, header):\n    version, sig = header.split('=')\n    if \
                       version != 'v1':\n        return False\n    expected = hmac.new(KEY, \
                       body, hashlib.sha256).hexdigest()\n    return \
                       hmac.compare_digest(expected, sig)\n",
            },
        ],
    },
    Examples {
        rule: "webhook-no-replay-window",
        fires: &[Example {
            path: "src/slack/verify.ts",
            text: "export function verify(req, body) {\n  const ts = \
                   req.headers['x-slack-request-timestamp'];\n  const sig = \
                   req.headers['x-slack-signature'];\n  const mine = 'v0=' + \
                   crypto.createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');\n  \
                   return crypto.timingSafeEqual(Buffer.from(mine), Buffer.from(sig));\n}\n",
        }],
        quiet: &[Example {
            path: "src/slack/verify.ts",
            text: "export function verify(req, body) {\n  const ts = \
                   Number(req.headers['x-slack-request-timestamp']);\n  if (Math.abs(Date.now() / \
                   1000 - ts) > 300) return false;\n  const sig = \
                   req.headers['x-slack-signature'];\n  const mine = 'v0=' + \
                   crypto.createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');\n  \
                   return crypto.timingSafeEqual(Buffer.from(mine), Buffer.from(sig));\n}\n",
        }],
    },
];

/// A provider's signature header, lower case, and whether the provider signs a timestamp.
const SIGNATURE_HEADERS: &[(&str, &str, bool)] = &[
    ("stripe-signature", "Stripe", true),
    ("x-hub-signature-256", "GitHub", false),
    ("x-hub-signature", "GitHub", false),
    ("svix-signature", "Svix", true),
    ("webhook-signature", "Standard Webhooks", true),
    ("x-shopify-hmac-sha256", "Shopify", false),
    ("x-slack-signature", "Slack", true),
    ("x-twilio-signature", "Twilio", false),
    ("paypal-transmission-sig", "PayPal", false),
    ("paddle-signature", "Paddle", true),
    ("x-signature", "Lemon Squeezy", false),
    ("x-razorpay-signature", "Razorpay", false),
    ("x-cal-signature-256", "Cal.com", false),
    ("linear-signature", "Linear", false),
    ("typeform-signature", "Typeform", false),
    ("x-zm-signature", "Zoom", true),
    ("x-line-signature", "LINE", false),
    ("x-hubspot-signature", "HubSpot", false),
    ("x-hubspot-signature-v3", "HubSpot", true),
];

/// Headers that carry the signed timestamp of providers that sign one.
const TIMESTAMP_HEADERS: &[&str] = &[
    "x-slack-request-timestamp",
    "svix-timestamp",
    "webhook-timestamp",
    "x-zm-request-timestamp",
];

/// Event names (or event-type headers) only one provider's webhooks carry, by prefix.
const EVENT_PREFIXES: &[(&str, &str)] = &[
    ("checkout.session.", "Stripe"),
    ("customer.subscription.", "Stripe"),
    ("invoice.paid", "Stripe"),
    ("invoice.payment_", "Stripe"),
    ("payment_intent.", "Stripe"),
    ("charge.succeeded", "Stripe"),
    ("charge.refunded", "Stripe"),
    ("x-github-event", "GitHub"),
    ("x-shopify-topic", "Shopify"),
    ("orders/paid", "Shopify"),
    ("orders/create", "Shopify"),
    ("user.created", "Clerk"),
    ("user.deleted", "Clerk"),
    ("organizationmembership.created", "Clerk"),
    ("transaction.completed", "Paddle"),
    ("subscription.activated", "Paddle"),
    ("order_created", "Lemon Squeezy"),
    ("subscription_payment_success", "Lemon Squeezy"),
    ("billing.subscription.", "PayPal"),
    ("payment.capture.completed", "PayPal"),
];

/// Route registrations whose first argument is the path: Express/Fastify/Hono/Koa routers,
/// NestJS decorators, Flask/FastAPI decorators, Django `path`.
const ROUTE_METHODS: &[&str] = &[
    "post",
    "put",
    "all",
    "route",
    "use",
    "api_route",
    "add_api_route",
    "add_url_rule",
    "path",
    "re_path",
    "url",
    "on",
];

/// What one module says about webhooks.
#[derive(Default)]
struct Facts {
    /// The first signature header literal: its span and provider.
    header: Option<(std::ops::Range<usize>, &'static str)>,
    /// The first provider event literal.
    event: Option<(std::ops::Range<usize>, &'static str)>,
    /// Whether the provider of `header` signs a timestamp, or a timestamp header is read.
    signs_timestamp: bool,
    /// A route, file path or handler name that says webhook.
    route: bool,
    /// A provider verification call or a name that says verification.
    verified: bool,
    /// HMAC computations (calls).
    hmacs: Vec<std::ops::Range<usize>>,
    /// A clock is read (or a tolerance named).
    reads_clock: bool,
}

/// A header name as a literal may spell it (`stripe-signature`, Django's `STRIPE_SIGNATURE`):
/// what `header_name` turns back into the name.
fn spellings(header: &str) -> [String; 2] {
    [header.to_string(), header.replace('-', "_")]
}

/// Words [`concerns`] asks about.
pub(super) fn trigger_words() -> Vec<String> {
    let mut words: Vec<String> = SIGNATURE_HEADERS
        .iter()
        .map(|(h, _, _)| *h)
        .chain(TIMESTAMP_HEADERS.iter().copied())
        .flat_map(spellings)
        .collect();
    words.extend(EVENT_PREFIXES.iter().map(|(p, _)| p.to_string()));
    words.extend(
        [
            "webhook",
            "hmac",
            "createhash",
            "subtle",
            "signature",
            "secret",
            "signing",
            "endpoint",
        ]
        .map(String::from),
    );
    words
}

/// Whether this family could report on a file ([`super::triggers`]), from what each check needs:
/// - unverified: a signature header literal, or a provider event literal and a route (path,
///   route string or handler name) that says webhook;
/// - an HMAC compared with `==` (`plain_compares`): an HMAC call (`hmac`, `createHash`,
///   `crypto.subtle`) in something webhook-shaped (a signature header, an event, `webhook`);
/// - no replay window: an HMAC call and a provider that signs a timestamp (its signature
///   header, or a timestamp header);
/// - the signature compared with the secret: `signature`, `secret`, and `webhook`, `signing` or
///   `endpoint`.
pub(super) fn concerns(subject: &Subject<'_, '_>) -> bool {
    let words = subject.words;
    let spelt = |header: &str| spellings(header).iter().any(|s| words.has(s));
    let header = SIGNATURE_HEADERS.iter().any(|(h, _, _)| spelt(h));
    let timestamp = TIMESTAMP_HEADERS.iter().any(|h| spelt(h));
    let event = EVENT_PREFIXES.iter().any(|(p, _)| words.has(p));
    let webhook = words.has("webhook") || subject.relative.to_ascii_lowercase().contains("webhook");
    let hmac = words.any(&["hmac", "createhash", "subtle"]);
    let secret_compare = words.has("signature")
        && words.has("secret")
        && words.any(&["webhook", "signing", "endpoint"]);
    header || webhook && (event || hmac) || hmac && (event || timestamp) || secret_compare
}

pub fn code(code: &Code<'_>, sink: &mut Sink<'_>) {
    let facts = facts(code, sink.file().relative);
    if sink.is_on(UNVERIFIED) {
        unverified(&facts, sink);
    }
    // An HMAC compared with `==` outside anything webhook-shaped (an invite code, a session
    // hash) is another question than this family's: left to a future check.
    let webhook_shaped = facts.header.is_some()
        || facts.route
        || facts.event.is_some()
        || sink
            .file()
            .relative
            .to_ascii_lowercase()
            .contains("webhook");
    if sink.is_on(PLAIN_COMPARE) && !facts.hmacs.is_empty() && webhook_shaped {
        plain_compares(code, sink);
    }
    if sink.is_on(PLAIN_COMPARE) {
        signature_against_secret(code, sink);
    }
    if sink.is_on(NO_REPLAY) {
        no_replay(&facts, sink);
    }
}

fn facts(code: &Code<'_>, relative: &str) -> Facts {
    let mut facts = Facts {
        route: webhook_path(relative),
        ..Facts::default()
    };
    for literal in code.nodes(&["string", "template_string"]) {
        let Some(value) = code.string_value(literal) else {
            continue;
        };
        let header = header_name(&value);
        if let Some((_, provider, timestamp)) = SIGNATURE_HEADERS
            .iter()
            .find(|(name, _, _)| *name == header)
            .filter(|_| is_read(literal))
        {
            if facts.header.is_none() {
                facts.header = Some((literal.byte_range(), provider));
            }
            facts.signs_timestamp |= *timestamp;
        }
        if TIMESTAMP_HEADERS.contains(&header.as_str()) {
            facts.signs_timestamp = true;
        }
        let lower = value.to_ascii_lowercase();
        if facts.event.is_none()
            && let Some((_, provider)) = EVENT_PREFIXES
                .iter()
                .find(|(prefix, _)| lower.starts_with(prefix) && lower.len() < 64)
        {
            facts.event = Some((literal.byte_range(), provider));
        }
    }
    for call in code.calls() {
        let callee = code.callee(call);
        let last = last_segment(&callee);
        let lower = last.to_ascii_lowercase().replace('_', "");
        if is_hmac(&callee) {
            facts.hmacs.push(call.byte_range());
        }
        if is_clock(&callee) {
            facts.reads_clock = true;
        }
        if ROUTE_METHODS.contains(&lower.as_str())
            && code.arguments(call).first().is_some_and(|first| {
                code.string_value(*first)
                    .is_some_and(|p| p.to_ascii_lowercase().contains("webhook"))
            })
        {
            facts.route = true;
        }
        if lower.contains("events.retrieve") || callee.ends_with("events.retrieve") {
            // Fetching the event back from Stripe by id is a verification of its own.
            facts.verified = true;
        }
    }
    for identifier in code.nodes(&[
        "identifier",
        "property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "type_identifier",
    ]) {
        let name = code.text(identifier).to_ascii_lowercase().replace('_', "");
        if says_verified(&name) {
            facts.verified = true;
        }
        if name.contains("tolerance") || name.contains("stale") || name.contains("maxage") {
            facts.reads_clock = true;
        }
    }
    if !facts.route {
        facts.route = webhook_handler_named(code);
    }
    facts
}

/// A name that says the code verifies something: `verify`, `verifyAndReceive`,
/// `SignatureVerificationError`, `constructEvent`, `construct_stripe_event`, `parseThinEvent`,
/// `validateRequest`, `checkSignature`, `timingSafeEqual`, `compare_digest`.
fn says_verified(lower: &str) -> bool {
    lower.contains("verif")
        || (lower.contains("construct") && lower.contains("event"))
        || lower.contains("parsethinevent")
        || lower.contains("validaterequest")
        || lower.contains("validatewebhook")
        || lower.contains("validatesignature")
        || lower.contains("validateevent")
        || lower.contains("checksignature")
        || lower.contains("validsignature")
        || lower.contains("timingsafeequal")
        || lower.contains("comparedigest")
}

/// Whether a header-name literal is read from something: an index (`req.headers['x']`,
/// `request.META["HTTP_X"]`) or a call's argument (`headers.get('x')`, `req.header('x')`). A
/// key in an object or dict literal is a header being set on an outgoing request (a service
/// that sends webhooks), and a TypeScript property name is a type.
fn is_read(literal: Node<'_>) -> bool {
    literal.parent().is_some_and(|parent| {
        matches!(
            parent.kind(),
            "subscript_expression" | "subscript" | "arguments" | "argument_list"
        )
    })
}

/// `Stripe-Signature`, `HTTP_STRIPE_SIGNATURE` (Django's `META`) -> `stripe-signature`.
fn header_name(value: &str) -> String {
    let lower = value.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix("http_").unwrap_or(&lower).to_string();
    if lower.contains('_') && !lower.contains('-') && lower.len() < 40 {
        lower.replace('_', "-")
    } else {
        lower
    }
}

fn last_segment(callee: &str) -> &str {
    callee.rsplit('.').next().unwrap_or(callee)
}

/// `crypto.createHmac`, `createHmac`, `hmac.new`, `hmac.HMAC`, `crypto.subtle.sign`/`verify`,
/// and `createHash` (HubSpot's v1 scheme is a SHA-256 of the client secret and the body).
/// Only ever asked about modules that already look like webhook code.
fn is_hmac(callee: &str) -> bool {
    let lower = callee.to_ascii_lowercase();
    lower.ends_with("createhmac")
        || lower.ends_with("createhash")
        || lower == "hmac.new"
        || lower == "hmac.hmac"
        || lower == "hmac"
        || lower.ends_with("subtle.sign")
        || lower.ends_with("subtle.verify")
}

/// A call that reads the clock.
fn is_clock(callee: &str) -> bool {
    matches!(
        callee,
        "Date.now"
            | "Date"
            | "performance.now"
            | "time.time"
            | "time.monotonic"
            | "datetime.now"
            | "datetime.utcnow"
            | "datetime.datetime.now"
            | "datetime.datetime.utcnow"
            | "timezone.now"
            | "utc_now"
            | "utcnow"
            | "now"
    ) || callee.ends_with("Date.now")
}

/// A Next.js route file (`app/api/webhooks/stripe/route.ts`) or a pages API route in a
/// webhook path.
fn webhook_path(relative: &str) -> bool {
    let lower = relative.to_ascii_lowercase();
    if !lower.contains("webhook") {
        return false;
    }
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    name.starts_with("route.") || lower.contains("pages/api/") || lower.starts_with("api/")
}

/// A function named for webhooks that takes the request (`def stripe_webhook(request)`,
/// `async function handleWebhook(req, res)`, `webhook(c)`).
fn webhook_handler_named(code: &Code<'_>) -> bool {
    let functions = code.nodes(&[
        "function_declaration",
        "function_definition",
        "method_definition",
        "variable_declarator",
    ]);
    functions.into_iter().any(|function| {
        let Some(name) = function.child_by_field_name("name") else {
            return false;
        };
        if !code.text(name).to_ascii_lowercase().contains("webhook") {
            return false;
        }
        let function = if function.kind() == "variable_declarator" {
            match function.child_by_field_name("value") {
                Some(value) if super::syntax::is_function(value.kind()) => value,
                _ => return false,
            }
        } else {
            function
        };
        let Some(parameters) = function
            .child_by_field_name("parameters")
            .or_else(|| function.child_by_field_name("parameter"))
        else {
            return false;
        };
        descendants(parameters, &["identifier"])
            .into_iter()
            .any(|p| matches!(code.text(p), "req" | "request" | "ctx" | "c" | "context"))
    })
}

fn unverified(facts: &Facts, sink: &mut Sink<'_>) {
    if facts.verified || !facts.hmacs.is_empty() {
        return;
    }
    let (span, provider, what, severity) = match (&facts.header, &facts.event, facts.route) {
        (Some((span, provider)), _, true) => (
            span.clone(),
            *provider,
            "reads the signature header in a webhook route",
            Severity::High,
        ),
        (None, Some((span, provider)), true) => (
            span.clone(),
            *provider,
            "handles the provider's events in a webhook route",
            Severity::High,
        ),
        // The header is read outside anything that looks like a route: a helper that may hand
        // it to a verifier elsewhere.
        (Some((span, provider)), _, false) => (
            span.clone(),
            *provider,
            "reads the signature header",
            Severity::Medium,
        ),
        _ => return,
    };
    sink.report(
        UNVERIFIED,
        severity,
        span,
        &format!("unverified {provider} webhook"),
        format!(
            "This module {what} ({provider}) but never verifies the signature (no provider \
             verification call, no HMAC): a forged request would be accepted."
        ),
    );
}

/// `a == b`, `a === b`, `a != b`, `a !== b` where one side is an HMAC result.
fn plain_compares(code: &Code<'_>, sink: &mut Sink<'_>) {
    let derived = hmac_names(code);
    for comparison in code.nodes(&["binary_expression", "comparison_operator"]) {
        let Some((left, right, operator)) = operands(code, comparison) else {
            continue;
        };
        if !matches!(operator, "==" | "===" | "!=" | "!==") {
            continue;
        }
        if [left, right]
            .iter()
            .any(|side| not_a_signature(code, *side))
        {
            continue;
        }
        let from_hmac = |side: Node<'_>| {
            descendants(side, &["call_expression", "call"])
                .iter()
                .any(|c| is_hmac(&code.callee(*c)) || code.callee(*c).ends_with("digest"))
                || descendants(side, &["identifier"])
                    .iter()
                    .any(|i| derived.iter().any(|d| d == code.text(*i)))
        };
        if !(from_hmac(left) || from_hmac(right)) {
            continue;
        }
        let names = format!("{} {}", code.text(left), code.text(right)).to_ascii_lowercase();
        if !["sig", "hmac", "digest", "hash", "expected", "computed"]
            .iter()
            .any(|w| names.contains(w))
        {
            continue;
        }
        sink.report(
            PLAIN_COMPARE,
            Severity::Medium,
            comparison.byte_range(),
            &format!(
                "{} {operator} {}",
                short(code.text(left)),
                short(code.text(right))
            ),
            format!(
                "The computed HMAC is compared with `{operator}`, which is not constant-time: \
                 use crypto.timingSafeEqual or hmac.compare_digest."
            ),
        );
    }
}

/// `signature === process.env.STRIPE_WEBHOOK_SECRET`: the received signature compared with the
/// webhook secret itself, with no HMAC. Providers never send the secret, so real events fail,
/// and the comparison tells an attacker how much of a guessed secret is right. Both sides must
/// say so by name (a signature on one, a webhook or signing secret on the other), so a shared
/// token header (`x-gitlab-token`) compared with its secret is not this.
fn signature_against_secret(code: &Code<'_>, sink: &mut Sink<'_>) {
    for comparison in code.nodes(&["binary_expression", "comparison_operator"]) {
        let Some((left, right, operator)) = operands(code, comparison) else {
            continue;
        };
        if !matches!(operator, "==" | "===" | "!=" | "!==") {
            continue;
        }
        let is_signature = |side: Node<'_>| {
            code.string_value(side).is_none()
                && code.text(side).to_ascii_lowercase().contains("signature")
        };
        let is_secret = |side: Node<'_>| {
            let text = code.text(side).to_ascii_lowercase();
            code.string_value(side).is_none()
                && text.contains("secret")
                && ["webhook", "signing", "endpoint"]
                    .iter()
                    .any(|w| text.contains(w))
        };
        if !(is_signature(left) && is_secret(right) || is_signature(right) && is_secret(left)) {
            continue;
        }
        sink.report(
            PLAIN_COMPARE,
            Severity::Medium,
            comparison.byte_range(),
            &format!(
                "{} {operator} {} (secret)",
                short(code.text(left)),
                short(code.text(right))
            ),
            format!(
                "The received signature is compared with the webhook secret itself (`{operator}`): \
                 providers send an HMAC of the body, never the secret, and the comparison is not \
                 constant-time. Use the provider's verification call (for Stripe \
                 `stripe.webhooks.constructEvent`)."
            ),
        );
    }
}

/// The two operands and the operator of a binary comparison (a Python chain of more than two
/// operands is left alone).
fn operands<'t>(code: &Code<'_>, node: Node<'t>) -> Option<(Node<'t>, Node<'t>, &'static str)> {
    let operator = |text: &str| -> Option<&'static str> {
        ["===", "!==", "==", "!="].into_iter().find(|o| *o == text)
    };
    if node.kind() == "binary_expression" {
        let op = operator(code.text(node.child_by_field_name("operator")?))?;
        return Some((
            node.child_by_field_name("left")?,
            node.child_by_field_name("right")?,
            op,
        ));
    }
    let mut cursor = node.walk();
    let named: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
    if named.len() != 2 {
        return None;
    }
    let mut cursor = node.walk();
    let op = node
        .children(&mut cursor)
        .filter(|c| !c.is_named())
        .find_map(|c| operator(code.text(c)))?;
    Some((named[0], named[1], op))
}

/// A side that cannot be a signature: a literal, `null`/`None`, a length or a type.
fn not_a_signature(code: &Code<'_>, side: Node<'_>) -> bool {
    let text = code.text(side);
    matches!(
        side.kind(),
        "string"
            | "template_string"
            | "number"
            | "integer"
            | "float"
            | "null"
            | "undefined"
            | "none"
            | "true"
            | "false"
            | "unary_expression"
    ) || text == "undefined"
        || text == "None"
        || text.ends_with(".length")
        || text.starts_with("len(")
        || text.starts_with("typeof")
}

/// Names assigned (transitively) from an HMAC computation: `const digest =
/// crypto.createHmac(...)...`, `hmac = createHmac(...)` then `expected = hmac.digest('hex')`.
fn hmac_names(code: &Code<'_>) -> Vec<String> {
    let assignments: Vec<(String, Node<'_>)> = code
        .nodes(&["variable_declarator", "assignment_expression", "assignment"])
        .into_iter()
        .filter_map(|a| {
            let (name, value) = match a.kind() {
                "variable_declarator" => (
                    a.child_by_field_name("name")?,
                    a.child_by_field_name("value")?,
                ),
                _ => (
                    a.child_by_field_name("left")?,
                    a.child_by_field_name("right")?,
                ),
            };
            (name.kind() == "identifier").then(|| (code.text(name).to_string(), value))
        })
        .collect();
    let mut derived: Vec<String> = Vec::new();
    for _ in 0..3 {
        for (name, value) in &assignments {
            if derived.contains(name) {
                continue;
            }
            let hmac = descendants(*value, &["call_expression", "call"])
                .iter()
                .any(|c| is_hmac(&code.callee(*c)));
            let from = descendants(*value, &["identifier"])
                .iter()
                .any(|i| derived.iter().any(|d| d == code.text(*i)));
            if hmac || from {
                derived.push(name.clone());
            }
        }
    }
    derived
}

fn no_replay(facts: &Facts, sink: &mut Sink<'_>) {
    let Some(first) = facts.hmacs.first() else {
        return;
    };
    if !facts.signs_timestamp || facts.reads_clock {
        return;
    }
    let provider = facts.header.as_ref().map_or("provider", |(_, p)| *p);
    sink.report(
        NO_REPLAY,
        Severity::Low,
        first.clone(),
        &format!("no replay window {provider}"),
        format!(
            "The {provider} signature is checked by hand but the signed timestamp is never \
             compared with the clock, so a captured request can be replayed."
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::super::{check_text, family_findings};
    use crate::finding::{Finding, Severity};
    use proptest::prelude::*;

    fn run(path: &str, text: &str) -> Vec<Finding> {
        check_text(path, text)
            .into_iter()
            .filter(|f| f.rule.id.starts_with("webhook-"))
            .collect()
    }

    fn rules(path: &str, text: &str) -> Vec<(String, Severity)> {
        family_findings("webhook-", path, text)
    }

    #[test]
    fn unverified_handlers_by_evidence() {
        let high = vec![("webhook-unverified".to_string(), Severity::High)];
        let medium = vec![("webhook-unverified".to_string(), Severity::Medium)];
        type Case = (&'static str, &'static str, Vec<(String, Severity)>);
        let cases: &[Case] = &[
            // Header read in a route file, only checked for presence.
            (
                "app/api/webhook/route.ts",
                "export async function POST(req) { if (!req.headers.get('stripe-signature')) \
                 return; await handle(await req.json()); }",
                high.clone(),
            ),
            // Django's META spelling, in a view named for webhooks.
            (
                "billing/views.py",
                "def webhook(request):\n    sig = request.META['HTTP_STRIPE_SIGNATURE']\n    \
                 handle(json.loads(request.body))\n",
                high.clone(),
            ),
            // GitHub events in an Express route.
            (
                "src/github.js",
                "app.post('/github/webhook', (req, res) => { if (req.headers['x-github-event'] \
                 === 'push') deploy(); res.end(); });",
                high.clone(),
            ),
            // NestJS decorator.
            (
                "src/billing/billing.controller.ts",
                "@Controller() class B { @Post('webhook') handle(@Body() body) { if (body.type \
                 === 'invoice.payment_failed') this.s.fail(body); } }",
                high.clone(),
            ),
            // A header read outside any route.
            (
                "src/lib/headers.ts",
                "export const sigOf = (h) => h['x-hub-signature-256'];",
                medium,
            ),
            // Verified by the provider's call, by a local wrapper, by a middleware name.
            (
                "src/github.js",
                "app.post('/webhook', (req, res) => { webhooks.verifyAndReceive({ id, name: \
                 req.headers['x-github-event'], payload, signature }); });",
                vec![],
            ),
            (
                "saleor/stripe/webhooks.py",
                "def handle_webhook(request):\n    sig = request.headers['stripe-signature']\n    \
                 event = construct_stripe_event(payload=request.body, sig_header=sig)\n",
                vec![],
            ),
            (
                "src/routes.js",
                "router.post('/webhooks/stripe', verifyStripe, (req, res) => { if (req.body.type \
                 === 'checkout.session.completed') paid(); });",
                vec![],
            ),
            // Fetching the event back from Stripe.
            (
                "src/routes.js",
                "router.post('/webhooks/stripe', async (req, res) => { const event = await \
                 stripe.events.retrieve(req.body.id); if (event.type === \
                 'checkout.session.completed') paid(); });",
                vec![],
            ),
            // Events in a helper, no route.
            (
                "src/stripe/events.ts",
                "export function onEvent(e) { switch (e.type) { case \
                 'checkout.session.completed': return paid(e); } }",
                vec![],
            ),
            // A service that sends webhooks sets the header on its own request.
            (
                "server/webhook/tasks.py",
                "def send(url, body, signature):\n    return client.post(url, headers={\n        \
                 \"webhook-signature\": signature,\n    })\n",
                vec![],
            ),
            // A comment or a word in prose is not a header read.
            (
                "app/api/webhook/route.ts",
                "// we should check stripe-signature\nexport async function POST(req) { return \
                 new Response('see stripe-signature docs'); }",
                vec![],
            ),
        ];
        for (path, text, expected) in cases {
            assert_eq!(&rules(path, text), expected, "{path}: {text}");
        }
    }

    #[test]
    fn plain_comparisons_of_an_hmac() {
        let fires = [
            (
                "src/webhooks/slack.ts",
                "const hmac = createHmac('sha256', s);\nhmac.update(base);\nconst expected = \
                 hmac.digest('hex');\nif (!hash || hash !== expected) throw new Error('bad');",
            ),
            (
                "src/hook.js",
                "if (req.headers['x-hub-signature-256'] != 'sha256=' + \
                 crypto.createHmac('sha256', k).update(b).digest('hex')) return 401;",
            ),
            (
                "app/api/hubspot/webhook/route.ts",
                "const signature = req.headers.get('X-HubSpot-Signature');\nconst expectedHash = \
                 crypto.createHash('sha256').update(SECRET + raw).digest('hex');\nif (signature \
                 !== expectedHash) throw new Error('bad');",
            ),
            (
                "hooks/views.py",
                "sig = hmac.new(k, body, 'sha256').hexdigest()\nif sig != \
                 request.headers['X-Signature']:\n    abort(401)\n",
            ),
            // The signature compared with the webhook secret itself (found in a real app): no
            // HMAC at all, so no real event passes and the comparison leaks the secret's prefix.
            (
                "src/helpers/verifyStripeRequest.ts",
                "export function verifyStripeRequest(stripeSignature: string) {\n  return \
                 stripeSignature === process.env.STRIPE_WEBHOOK_SECRET;\n}",
            ),
            (
                "app/hooks.py",
                "def check(signature):\n    return signature == settings.GITHUB_WEBHOOK_SECRET\n",
            ),
        ];
        for (path, text) in fires {
            assert!(
                rules(path, text)
                    .iter()
                    .any(|(r, s)| r == "webhook-signature-plain-compare" && *s == Severity::Medium),
                "{text}"
            );
        }
        let quiet = [
            // No HMAC in the module: a token compared with === is another question.
            (
                "src/a.ts",
                "if (req.headers['x-token'] !== process.env.TOKEN) return 401;",
            ),
            // A shared token header compared with its secret (no signature): another scheme.
            (
                "src/webhook.ts",
                "if (req.headers['x-gitlab-token'] !== process.env.GITLAB_WEBHOOK_SECRET) return 401;",
            ),
            // A signature compared with a computed one in constant time, the secret only read.
            (
                "src/webhook.ts",
                "const secret = process.env.WEBHOOK_SECRET;\nif (!signature || !secret) return;\n",
            ),
            // Lengths and literals.
            (
                "src/a.ts",
                "const d = createHmac('sha256', k).update(b).digest();\nif (d.length !== \
                 sig.length) return false;\nif (sig === undefined) return false;\nreturn \
                 timingSafeEqual(d, sig);",
            ),
            // An HMAC compared with == outside anything webhook-shaped (an invite code).
            (
                "app/models.py",
                "verified = hmac(str(team.id), secret=key) == invite['v']",
            ),
            // A header set on an outgoing webhook is not a handler's read.
            (
                "app/webhook/send.py",
                "sig = hmac.new(k, b, 'sha256').hexdigest()\nheaders = {'webhook-signature': \
                 sig}\nif sig == None:\n    pass\n",
            ),
            // An HMAC used for signing, compared to nothing.
            (
                "src/proof.js",
                "const proof = crypto.createHmac('sha256', s).update(t).digest('hex');\nif (mode \
                 === 'x') send(proof);",
            ),
        ];
        for (path, text) in quiet {
            assert!(
                !rules(path, text)
                    .iter()
                    .any(|(r, _)| r == "webhook-signature-plain-compare"),
                "{text}"
            );
        }
    }

    #[test]
    fn replay_window_only_when_a_timestamp_is_signed() {
        let no_clock = "const sig = req.headers['stripe-signature'];\nconst d = \
                        crypto.createHmac('sha256', k).update(`${t}.${raw}`).digest('hex');\n\
                        return crypto.timingSafeEqual(Buffer.from(d), Buffer.from(v1));";
        assert!(
            rules("src/stripe.ts", no_clock)
                .iter()
                .any(|(r, _)| r == "webhook-no-replay-window")
        );
        let with_tolerance = format!("const TOLERANCE = 300;\n{no_clock}");
        assert!(
            !rules("src/stripe.ts", &with_tolerance)
                .iter()
                .any(|(r, _)| r == "webhook-no-replay-window")
        );
        // Shopify signs no timestamp.
        let shopify = "const h = req.headers['x-shopify-hmac-sha256'];\nconst d = \
                       crypto.createHmac('sha256', k).update(raw).digest('base64');\nreturn \
                       crypto.timingSafeEqual(Buffer.from(d), Buffer.from(h));";
        assert!(rules("src/shopify.ts", shopify).is_empty());
        // Python with the clock read.
        let python = "ts = request.headers['X-Slack-Request-Timestamp']\nif abs(time.time() - \
                      int(ts)) > 300:\n    abort(403)\nd = hmac.new(k, b, 'sha256').hexdigest()\n\
                      ok = hmac.compare_digest(d, s)\n";
        assert!(rules("app/slack.py", python).is_empty());
    }

    #[test]
    fn header_names_normalise() {
        assert_eq!(
            super::header_name("HTTP_STRIPE_SIGNATURE"),
            "stripe-signature"
        );
        assert_eq!(
            super::header_name("X-Hub-Signature-256"),
            "x-hub-signature-256"
        );
        assert_eq!(super::header_name("x_signature"), "x-signature");
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(64))]

        #[test]
        fn never_panics_and_spans_stay_inside(
            text in "[ -~\n]{0,400}",
            python in proptest::bool::ANY,
        ) {
            let path = if python { "app/webhook.py" } else { "app/api/webhook/route.ts" };
            let prefixed = format!(
                "const s = req.headers['stripe-signature']; createHmac(a) == b; {text}"
            );
            for text in [text.as_str(), prefixed.as_str()] {
                for finding in run(path, text) {
                    prop_assert!(finding.location.line >= 1);
                    prop_assert!(finding.location.line <= text.lines().count().max(1) + 1);
                }
            }
        }
    }
}

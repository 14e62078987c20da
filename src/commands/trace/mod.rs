//! `samlbridge trace`: the story of each sign-in in a browser capture, from the service
//! provider's AuthnRequest through Entra's pages (and its errors) to the response posted to
//! AWS and AWS's answer, with the checks that span those steps.

pub mod redact;
pub mod request;

use super::Status;
use crate::aws::{rules as aws_rules, Target};
use crate::capture::{self, Capture, Exchange};
use crate::diag::{self, Code, Finding, Overrides, Severity};
use crate::entra::aadsts::{self, AadstsCode, EntraError};
use crate::entra::Cloud;
use crate::response::decode::{self, DecodeLimits};
use crate::response::{
    self, Binding, CaptureSource, CaptureTime, Expectations, ResponseEnvelope, ResponseReport,
    ValidateSettings,
};
use chrono::{DateTime, Duration, Utc};
use request::AuthnRequest;
use serde::Serialize;

/// What `trace` is given besides the capture.
#[derive(Debug, Clone)]
pub struct TraceJob {
    /// How responses are validated; `None` when the trust or what they are for was not given
    /// (`unjudged` says which), so the story is told without a verdict on them.
    pub validate: Option<ValidateSettings>,
    pub unjudged: Option<&'static str>,
    /// What the requests are checked against: the service provider's entityID and ACS URLs.
    /// Empty when not known, and those checks are not made.
    pub expect: Expectations,
    pub recipient_known: bool,
    /// The IdP metadata's SingleSignOnService URLs; empty when no metadata was given.
    pub idp_sso: Vec<String>,
    pub overrides: Overrides,
    pub limits: DecodeLimits,
}

impl TraceJob {
    /// A job that only tells the story: no response is validated and no request checked
    /// against a service provider.
    pub fn story_only(limits: DecodeLimits) -> Self {
        TraceJob {
            validate: None,
            unjudged: None,
            expect: Expectations {
                issuer: None,
                audiences: Vec::new(),
                acs: Vec::new(),
                target: crate::aws::TargetChoice::Unknown,
                expect_user: None,
                role_owner: Default::default(),
                // Never read: nothing is validated.
                now: response::JudgeAt::Given(DateTime::UNIX_EPOCH),
                skew: Duration::minutes(3),
            },
            recipient_known: false,
            idp_sso: Vec::new(),
            overrides: Overrides::default(),
            limits,
        }
    }
}

/// What went wrong first in a capture that holds no response, in one sentence: Entra's error,
/// or that the capture stops early; `None` when it holds no sign-in at all.
pub fn first_problem(name: &str, capture: &Capture, limits: DecodeLimits) -> Option<String> {
    let report = run(&TraceJob::story_only(limits), name, capture);
    report.attempts.iter().find_map(|a| {
        a.findings
            .iter()
            .find(|f| f.code == Code::EntraAadstsError)
            .map(|f| format!("Entra refused the sign-in: {}", f.message))
            .or_else(|| {
                a.findings
                    .iter()
                    .find(|f| f.code == Code::TraceNoResponse)
                    .map(|f| f.message.clone())
            })
    })
}

/// The story of one capture.
#[derive(Debug, Clone, Serialize)]
pub struct TraceReport {
    pub capture: String,
    pub format: String,
    /// Requests the capture holds.
    pub requests: usize,
    /// Whether response bodies were saved (Entra's error pages can be read only then).
    pub bodies_saved: bool,
    pub attempts: Vec<Attempt>,
    /// Findings about the capture as a whole.
    pub findings: Vec<Finding>,
    /// Verdicts an earlier run recorded before it redacted this copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_before_redaction: Option<serde_json::Value>,
}

impl TraceReport {
    /// Clean only when every attempt reached AWS and would be accepted.
    pub fn status(&self) -> Status {
        if self.attempts.is_empty() || diag::has_errors(&self.findings) {
            return Status::Findings;
        }
        if self.attempts.iter().all(|a| a.outcome == Outcome::Accepted) {
            Status::Clean
        } else {
            Status::Findings
        }
    }

    /// Every finding, the capture's and each attempt's (a response's own stay in its report).
    pub fn all_findings(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .chain(self.attempts.iter().flat_map(|a| a.findings.iter()))
            .collect()
    }
}

/// How one sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The response reached AWS and AWS would accept it.
    Accepted,
    /// The response reached AWS but would be (or was) refused, or other errors stand.
    Rejected,
    /// Entra stopped the sign-in with an error.
    EntraError,
    /// No response was posted: the capture stopped early.
    NoResponse,
    /// The response was not validated (no trust or expectations given).
    Unjudged,
}

/// One sign-in: the steps in time order and the findings across them.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub number: usize,
    pub outcome: Outcome,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
}

/// One step of a sign-in.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Step {
    /// The service provider's AuthnRequest, as the browser carried it to the IdP.
    AuthnRequest {
        started: Option<DateTime<Utc>>,
        request_number: usize,
        binding: Binding,
        /// Where the browser sent it (without the query).
        sent_to: String,
        relay_state: Option<String>,
        request: Option<AuthnRequest>,
        /// Why the request could not be read.
        #[serde(skip_serializing_if = "Option::is_none")]
        unreadable: Option<String>,
    },
    /// The requests to Entra's sign-in hosts in between.
    Entra(EntraStep),
    /// The SAMLResponse posted to the service provider, validated as `validate` does.
    Response {
        started: Option<DateTime<Utc>>,
        request_number: usize,
        posted_to: String,
        relay_state: Option<String>,
        /// The response's own element, read as sent (also when it could not be validated).
        envelope: Option<ResponseEnvelope>,
        /// The validation report; `None` when the response was not validated.
        report: Option<Box<ResponseReport>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        unreadable: Option<String>,
    },
    /// The service provider's answer to that POST.
    Aws {
        started: Option<DateTime<Utc>>,
        request_number: usize,
        /// `None` when the capture holds no answer.
        status: Option<u16>,
        location: Option<String>,
        /// Where the answer leads, in words.
        leads_to: &'static str,
    },
}

impl Step {
    pub fn started(&self) -> Option<DateTime<Utc>> {
        match self {
            Step::AuthnRequest { started, .. }
            | Step::Response { started, .. }
            | Step::Aws { started, .. } => *started,
            Step::Entra(e) => e.started,
        }
    }
}

/// What happened at Entra.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntraStep {
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    /// Requests to Entra's sign-in hosts.
    pub requests: usize,
    pub redirects: usize,
    /// The pages Entra showed, in order, by what they were for.
    pub pages: Vec<&'static str>,
    /// A password was posted.
    pub password: bool,
    /// Entra asked for a second factor.
    pub mfa: bool,
    pub error: Option<EntraErrorReport>,
}

/// An AADSTS error, where it was found and what it means.
#[derive(Debug, Clone, Serialize)]
pub struct EntraErrorReport {
    /// The code, Entra's own message and the ids its page shows.
    #[serde(flatten)]
    pub error: EntraError,
    /// `page`, `error-url` or `saml-status`.
    pub found_in: &'static str,
    pub request_number: usize,
    /// What this tool says about the code: its cause, fix and Microsoft's lookup link.
    pub explained: aadsts::Described,
}

impl EntraErrorReport {
    fn new(error: EntraError, found_in: &'static str, request_number: usize) -> Self {
        EntraErrorReport {
            explained: aadsts::describe(error.code),
            error,
            found_in,
            request_number,
        }
    }

    /// An error known only by its code (and, for a SAML Status, its message).
    fn bare(
        code: AadstsCode,
        message: Option<String>,
        found_in: &'static str,
        request_number: usize,
    ) -> Self {
        let error = EntraError {
            code,
            message,
            page_id: None,
            request_id: None,
            correlation_id: None,
            timestamp: None,
        };
        EntraErrorReport::new(error, found_in, request_number)
    }
}

/// Traces `capture` (read from the input called `name`).
pub fn run(job: &TraceJob, name: &str, capture: &Capture) -> TraceReport {
    // A redacted copy's signatures no longer verify and its ids are masks: it is told, and
    // the verdicts recorded before redaction stand.
    let story;
    let job = match &capture.recorded {
        Some(_) => {
            story = TraceJob {
                overrides: job.overrides.clone(),
                ..TraceJob::story_only(job.limits)
            };
            &story
        }
        None => job,
    };
    let mut attempts: Vec<Builder> = Vec::new();
    // Entra traffic outside an open attempt: the start of an IdP-initiated one, a sign-in
    // Entra refused before any request was captured, or noise.
    let mut loose = Loose::default();
    for x in ordered(capture) {
        match classify(x) {
            Kind::Request(binding) => {
                loose.flush(&mut attempts);
                let mut a = Builder {
                    request: Some(authn_step(job, x, binding)),
                    ..Builder::default()
                };
                // Entra answers the request itself: with its sign-in page, or its error page.
                if is_entra(x) {
                    entra_exchange(&mut a.entra, x);
                }
                attempts.push(a);
            }
            Kind::Entra => match attempts.last_mut().filter(|a| a.response.is_none()) {
                Some(a) => entra_exchange(&mut a.entra, x),
                None => {
                    entra_exchange(&mut loose.entra, x);
                    loose.saml_endpoint |= is_saml_endpoint(x);
                }
            },
            Kind::Response(binding) => {
                if attempts.last().is_none_or(|a| a.response.is_some()) {
                    attempts.push(Builder {
                        entra: std::mem::take(&mut loose).entra,
                        ..Builder::default()
                    });
                }
                let a = attempts.last_mut().expect("an open attempt");
                a.response = Some(response_step(job, capture, x, binding));
                a.aws = Some(aws_step(x));
            }
            Kind::Other => {}
        }
    }
    loose.flush(&mut attempts);
    let mut findings = Vec::new();
    if attempts.is_empty() {
        findings.push(Finding::new(
            Code::TraceNoResponse,
            format!(
                "the capture holds no sign-in: no SAMLRequest, no Entra sign-in page and no SAMLResponse in its {} request{} (was it saved from another tab or site?)",
                capture.exchanges.len(),
                if capture.exchanges.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    let bodies = match capture.format {
        capture::Format::SamlTracer => Bodies::NeverKept,
        _ if capture.has_bodies() => Bodies::Kept,
        _ => Bodies::NotSaved,
    };
    let context = Context {
        job,
        bodies,
        saved_at: capture.saved_at,
        recorded: capture.recorded.as_ref().map(recorded_outcomes),
    };
    let mut attempts: Vec<Attempt> = attempts
        .into_iter()
        .enumerate()
        .map(|(i, b)| b.finish(i + 1, &context))
        .collect();
    across_attempts(&mut attempts, &job.overrides);
    job.overrides.apply(&mut findings);
    diag::sort(&mut findings);
    TraceReport {
        capture: name.to_owned(),
        format: capture.format.describe(),
        requests: capture.exchanges.len(),
        bodies_saved: capture.has_bodies(),
        attempts,
        findings,
        recorded_before_redaction: capture.recorded.clone(),
    }
}

/// The exchanges in the order the browser sent them: by start time when every one has one
/// (browsers write HAR entries in that order, but merged captures need not be), else as
/// listed.
fn ordered(capture: &Capture) -> Vec<&Exchange> {
    let mut out: Vec<&Exchange> = capture.exchanges.iter().collect();
    if out.iter().all(|x| x.started.is_some()) {
        out.sort_by_key(|x| (x.started, x.number));
    }
    out
}

/// Entra exchanges seen outside an open attempt.
#[derive(Default)]
struct Loose {
    entra: EntraStep,
    /// Entra's SAML endpoint was reached (without a request the capture holds).
    saml_endpoint: bool,
}

impl Loose {
    /// Makes an attempt of what was seen when it is one: Entra refused something, or its SAML
    /// endpoint was reached; other traffic (images, telemetry) is dropped.
    fn flush(&mut self, attempts: &mut Vec<Builder>) {
        let loose = std::mem::take(self);
        if loose.entra.error.is_some() || loose.saml_endpoint {
            attempts.push(Builder {
                entra: loose.entra,
                ..Builder::default()
            });
        }
    }
}

fn is_entra(x: &Exchange) -> bool {
    x.host()
        .is_some_and(|h| Cloud::from_login_host(&h).is_some())
}

/// Entra's SAML endpoint, `https://<login host>/<tenant>/saml2`.
fn is_saml_endpoint(x: &Exchange) -> bool {
    is_entra(x)
        && url::Url::parse(&x.url).is_ok_and(|u| u.path().trim_end_matches('/').ends_with("/saml2"))
}

enum Kind {
    Request(Binding),
    Response(Binding),
    Entra,
    Other,
}

fn classify(x: &Exchange) -> Kind {
    let post = x.method.eq_ignore_ascii_case("POST");
    let binding = if post {
        Binding::Post
    } else {
        Binding::Redirect
    };
    let carries = |name: &str| {
        if post {
            x.form_param(name).is_some()
        } else {
            x.query_param(name).is_some()
        }
    };
    // A response posted to Entra is a message to the IdP (a logout, or a mistake Entra
    // refuses), never the end of a sign-in.
    if carries("SAMLResponse") && !is_entra(x) {
        return Kind::Response(binding);
    }
    if carries("SAMLRequest") {
        return Kind::Request(binding);
    }
    // A SAML-tracer export that masked the form still holds the decoded message.
    if let Some(saml) = &x.saml {
        if decode::is_response(saml) && !is_entra(x) {
            return Kind::Response(binding);
        }
    }
    if is_entra(x) {
        return Kind::Entra;
    }
    Kind::Other
}

fn authn_step(job: &TraceJob, x: &Exchange, binding: Binding) -> Step {
    let (value, relay) = match binding {
        Binding::Post => (x.form_param("SAMLRequest"), x.form_param("RelayState")),
        _ => (x.query_param("SAMLRequest"), x.query_param("RelayState")),
    };
    let read = request::read(
        value.unwrap_or_default(),
        binding,
        x.query_param("SigAlg"),
        job.limits,
    );
    let (request, unreadable) = match read {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let relay = relay.filter(|r| !r.is_empty());
    Step::AuthnRequest {
        started: x.started,
        request_number: x.number,
        binding,
        sent_to: x.endpoint().to_owned(),
        relay_state: relay.map(str::to_owned),
        request,
        unreadable,
    }
}

/// What a page of Entra's sign-in is for, from its `$Config` page id.
fn page_name(page_id: &str) -> &'static str {
    match page_id {
        "ConvergedSignIn" => "sign-in page",
        "ConvergedTFA" | "ConvergedProofUpRedirect" => "second-factor prompt",
        "KmsiInterrupt" => "\"Stay signed in?\"",
        "ConvergedError" => "error page",
        "ConvergedChangePassword" => "password change",
        "ConvergedProofUpRedirectMfa" | "ConvergedRegistration" => "MFA registration",
        _ => "page",
    }
}

fn entra_exchange(step: &mut EntraStep, x: &Exchange) {
    step.requests += 1;
    step.started = step.started.or(x.started);
    step.ended = x.started.or(step.ended);
    if x.status.is_some_and(|s| (300..400).contains(&s)) {
        step.redirects += 1;
    }
    if x.method.eq_ignore_ascii_case("POST") && x.form_param("passwd").is_some() {
        step.password = true;
    }
    let path = url::Url::parse(&x.url)
        .map(|u| u.path().to_ascii_lowercase())
        .unwrap_or_default();
    if path.contains("/sas/") {
        step.mfa = true;
    }
    if let Some(body) = &x.body {
        if let Some(id) = aadsts::page_id(body) {
            let name = page_name(&id);
            if name == "second-factor prompt" {
                step.mfa = true;
            }
            if step.pages.last() != Some(&name) {
                step.pages.push(name);
            }
        }
        if step.error.is_none() {
            // The MFA-registration interrupt carries an error code but is a step, not a failure.
            if let Some(e) = aadsts::from_page(body)
                .filter(|e| e.page_id.as_deref() != Some("ConvergedProofUpRedirect"))
            {
                step.error = Some(EntraErrorReport::new(e, "page", x.number));
            }
        }
    }
    if step.error.is_none() {
        let error_url = [Some(x.url.as_str()), x.location.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|u| url::Url::parse(u).ok())
            .find_map(|u| aadsts::from_error_url(&u));
        if let Some(code) = error_url {
            step.error = Some(EntraErrorReport::bare(code, None, "error-url", x.number));
        }
    }
}

fn response_step(job: &TraceJob, capture: &Capture, x: &Exchange, binding: Binding) -> Step {
    let captured_at = match (x.started, capture.saved_at) {
        (Some(instant), _) => Some(CaptureTime {
            instant,
            source: CaptureSource::HarStartedDateTime { entry: x.number },
        }),
        (None, Some(instant)) => Some(CaptureTime {
            instant,
            source: CaptureSource::SamlTracerTimestamp,
        }),
        (None, None) => None,
    };
    let label = format!("request {}", x.number);
    let (value, relay) = match binding {
        Binding::Post => (x.form_param("SAMLResponse"), x.form_param("RelayState")),
        _ => (x.query_param("SAMLResponse"), x.query_param("RelayState")),
    };
    // A masked SAML-tracer export keeps the XML but not the field.
    let found = match (value.filter(|v| !v.starts_with('{')), &x.saml) {
        (Some(v), _) => decode::from_field(
            label,
            v,
            relay.map(str::to_owned),
            binding == Binding::Redirect,
            captured_at,
            job.limits,
        ),
        (None, Some(xml)) => decode::from_xml(label, xml, binding, captured_at, job.limits),
        (None, None) => Err(decode::DecodeError::EmptyField),
    };
    let mut step_envelope = None;
    let mut report = None;
    let mut unreadable = None;
    match found.and_then(|e| e.decode(job.limits)) {
        Err(e) => unreadable = Some(e.to_string()),
        Ok(captured) => {
            step_envelope = response::read_envelope(&captured.xml);
            if let Some(settings) = &job.validate {
                match response::validate(&captured, settings) {
                    Ok(r) => report = Some(Box::new(r)),
                    Err(e) => unreadable = Some(e.to_string()),
                }
            }
        }
    }
    Step::Response {
        started: x.started,
        request_number: x.number,
        posted_to: x.endpoint().to_owned(),
        relay_state: relay.filter(|r| !r.is_empty()).map(str::to_owned),
        envelope: step_envelope,
        report,
        unreadable,
    }
}

fn aws_step(x: &Exchange) -> Step {
    let leads_to = match (x.status, x.location.as_deref()) {
        (None, _) => "no answer was captured",
        (Some(s), _) if s >= 400 => "an error",
        (Some(_), Some(l)) if is_portal(l) => "the AWS access portal",
        (Some(_), Some(l))
            if l.starts_with("https://console.aws.amazon.com")
                || l.contains(".console.aws.amazon.com") =>
        {
            "the AWS console"
        }
        (Some(_), Some(l)) if l.to_ascii_lowercase().contains("error") => "an error page",
        (Some(_), Some(_)) => "another page",
        (Some(_), None) => "a page of its own",
    };
    Step::Aws {
        started: x.started,
        request_number: x.number,
        status: x.status,
        location: x.location.clone(),
        leads_to,
    }
}

const PORTAL: &str = "the AWS access portal";
const CONSOLE: &str = "the AWS console";

/// `3m 20s`, `2h 5m`: a gap between two instants, for messages.
fn humanize(d: Duration) -> String {
    let s = d.num_seconds().abs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

/// Checks that need every attempt: a response posted twice, and a response that answers
/// another attempt's request.
fn across_attempts(attempts: &mut [Attempt], overrides: &Overrides) {
    let mut posted: std::collections::HashMap<String, usize> = Default::default();
    let mut requests: std::collections::HashMap<String, (usize, usize)> = Default::default();
    for a in attempts.iter() {
        for step in &a.steps {
            if let Step::AuthnRequest {
                request: Some(AuthnRequest { id: Some(id), .. }),
                request_number,
                ..
            } = step
            {
                requests
                    .entry(id.clone())
                    .or_insert((a.number, *request_number));
            }
        }
    }
    for a in attempts.iter_mut() {
        let mut added = Vec::new();
        let has_request = a
            .steps
            .iter()
            .any(|s| matches!(s, Step::AuthnRequest { .. }));
        for step in &a.steps {
            let Step::Response {
                envelope: Some(env),
                request_number,
                ..
            } = step
            else {
                continue;
            };
            if let Some(id) = &env.id {
                match posted.get(id) {
                    Some(first) => added.push(Finding::new(
                        Code::TraceResponseReplayed,
                        format!("response {id:?} was posted already, at request {first}; AWS takes a response once, and refuses it when it comes again"),
                    )),
                    None => {
                        posted.insert(id.clone(), *request_number);
                    }
                }
            }
            if let (false, Some(irt)) = (has_request, &env.in_response_to) {
                if let Some((attempt, request)) = requests.get(irt).filter(|(n, _)| *n != a.number)
                {
                    // Replaces the "not in the capture" note: the request is there.
                    a.findings.retain(|f| f.code != Code::ResponseInResponseTo);
                    added.push(
                        Finding::new(
                            Code::ResponseInResponseTo,
                            format!("the response answers request {irt:?}, which attempt {attempt} sent (request {request})"),
                        )
                        .severity(Severity::Info)
                        .help("Nothing to fix if this is that attempt's response posted again; otherwise capture one sign-in from start to end."),
                    );
                }
            }
        }
        if !added.is_empty() {
            overrides.apply(&mut added);
            a.findings.extend(added);
            diag::sort(&mut a.findings);
            if diag::has_errors(&a.findings) && a.outcome == Outcome::Accepted {
                a.outcome = Outcome::Rejected;
            }
        }
    }
}

/// The AWS access portal: `https://<directory>.awsapps.com/start…`.
fn is_portal(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https"
            && u.host_str().is_some_and(|h| h.ends_with(".awsapps.com"))
            && u.path().starts_with("/start")
    })
}

/// What every attempt is finished with: the job, what the capture holds, and the verdicts a
/// redacted copy recorded.
struct Context<'a> {
    job: &'a TraceJob,
    bodies: Bodies,
    /// A SAML-tracer export's save time (it records no time per request).
    saved_at: Option<DateTime<Utc>>,
    /// The outcomes recorded before redaction, by attempt number; `None` for an original.
    recorded: Option<Vec<Outcome>>,
}

/// The outcomes a redacted copy recorded, by attempt number.
fn recorded_outcomes(recorded: &serde_json::Value) -> Vec<Outcome> {
    recorded
        .get("attempts")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| {
            a.get("outcome")
                .and_then(|o| serde_json::from_value(o.clone()).ok())
                .unwrap_or(Outcome::Unjudged)
        })
        .collect()
}

/// Whether the capture holds the pages the browser was shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bodies {
    Kept,
    /// A HAR saved without content.
    NotSaved,
    /// SAML-tracer keeps no page content at all.
    NeverKept,
}

#[derive(Default)]
struct Builder {
    request: Option<Step>,
    entra: EntraStep,
    response: Option<Step>,
    aws: Option<Step>,
}

impl Builder {
    fn finish(self, number: usize, context: &Context<'_>) -> Attempt {
        let (job, bodies) = (context.job, context.bodies);
        let recorded = context
            .recorded
            .as_ref()
            .map(|r| r.get(number - 1).copied().unwrap_or(Outcome::Unjudged));
        let mut findings = Vec::new();
        let request = match &self.request {
            Some(Step::AuthnRequest {
                request,
                unreadable,
                sent_to,
                started,
                ..
            }) => {
                if let Some(why) = unreadable {
                    findings.push(Finding::new(
                        Code::AuthnRequestInvalid,
                        format!("the SAMLRequest sent to {sent_to} cannot be read: {why}"),
                    ));
                }
                if let Some(r) = request {
                    check_request(job, r, sent_to, *started, &mut findings);
                }
                request.as_ref()
            }
            _ => None,
        };
        let mut entra = self.entra;
        let (mut envelope, mut report, mut response_relay, mut response_started) =
            (None, None, None, None);
        if let Some(Step::Response {
            envelope: e,
            report: r,
            relay_state,
            started,
            ..
        }) = &self.response
        {
            envelope = e.as_ref();
            report = r.as_deref();
            response_relay = Some(relay_state.as_deref());
            response_started = *started;
        }
        // An error in the SAML Status is Entra's answer too.
        if entra.error.is_none() {
            if let (Some(env), Some(Step::Response { request_number, .. })) =
                (envelope, &self.response)
            {
                if let Some((code, text)) = env
                    .status
                    .message
                    .as_deref()
                    .and_then(aadsts::from_status_message)
                {
                    entra.error = Some(EntraErrorReport::bare(
                        code,
                        Some(text),
                        "saml-status",
                        *request_number,
                    ));
                }
            }
        }
        if let Some(e) = &entra.error {
            let code = e.error.code.to_string();
            let text = e.error.message.as_deref().unwrap_or(match e.found_in {
                "error-url" => "Entra redirected to its error page",
                _ => "Entra's page names no message",
            });
            let x = &e.explained;
            let (title, help) = if x.known {
                (
                    format!(" ({})", x.title),
                    format!("{} Fix: {} ({})", x.cause, x.fix, x.url),
                )
            } else {
                (
                    String::new(),
                    format!(
                        "samlbridge does not describe this code; Microsoft's lookup page does: {}",
                        x.url
                    ),
                )
            };
            findings.push(
                Finding::new(
                    Code::EntraAadstsError,
                    if text.starts_with(&code) {
                        format!("{text}{title}")
                    } else {
                        format!("{code}: {text}{title}")
                    },
                )
                .help(help),
            );
        }
        if let Some(env) = envelope {
            if self.request.is_none() || request.is_some() {
                check_in_response_to(request, env, &mut findings);
            }
            // A SAML-tracer export dates every response at its save time.
            if let (None, Some(saved), Some(issued)) = (
                response_started,
                context.saved_at,
                env.issue_instant.as_ref().and_then(|i| i.valid()),
            ) {
                if saved - issued > job.expect.skew {
                    findings.push(Finding::new(
                        Code::TraceClock,
                        format!(
                            "the export was saved at {saved}, {} after the response was issued ({issued}); SAML-tracer keeps no time per request, so the response is judged at the save time: give --now {} to judge it when it was issued",
                            humanize(saved - issued),
                            issued.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        ),
                    ));
                }
            }
            if let (Some(sent), Some(t)) = (
                env.issue_instant.as_ref().and_then(|i| i.valid()),
                response_started,
            ) {
                check_clock(
                    "the response's IssueInstant",
                    sent,
                    t,
                    job.expect.skew,
                    &mut findings,
                );
            }
        }
        // SAML-tracer's masked exports replace form values with `{hash:…}`: nothing to compare.
        let masked = |v: Option<&str>| v.is_some_and(|v| v.starts_with('{') && v.ends_with('}'));
        if let (
            Some(Step::AuthnRequest {
                relay_state: sent, ..
            }),
            Some(got),
        ) = (&self.request, response_relay)
        {
            if sent.as_deref() != got && !masked(got) && !masked(sent.as_deref()) {
                findings.push(Finding::new(
                    Code::RelayStateChanged,
                    match (sent, got) {
                        (Some(s), Some(g)) => format!("the request carried RelayState {s:?}; the response was posted with {g:?}"),
                        (Some(s), None) => format!("the request carried RelayState {s:?}; the response was posted without one"),
                        // Both absent compare equal and never reach here.
                        (None, g) => format!("the request carried no RelayState; the response was posted with {:?}", g.unwrap_or_default()),
                    },
                ));
            }
        }
        if self.response.is_none() {
            let message = match &entra.error {
                Some(e) => format!("Entra stopped the sign-in with {} (request {}); no response was posted to the service provider", e.error.code, e.request_number),
                None if bodies == Bodies::NotSaved && entra.requests > 0 => "no SAMLResponse was posted to the service provider; the capture was saved without response bodies, so an error page Entra may have shown cannot be read: save the capture again with content (Chrome, Edge: \"Save all as HAR with content\"; Firefox: \"Save All As HAR\")".to_owned(),
                None if bodies == Bodies::NeverKept && entra.requests > 0 => "no SAMLResponse was posted to the service provider; SAML-tracer keeps no page content, so an error page Entra may have shown cannot be read: capture the sign-in with the browser's developer tools instead (Network tab, Preserve log, \"Save all as HAR with content\")".to_owned(),
                None => "no SAMLResponse was posted to the service provider: the capture stops before the sign-in ended; enable Preserve log in the browser's developer tools (Firefox: Persist Logs) and capture the whole sign-in again".to_owned(),
            };
            let finding = Finding::new(Code::TraceNoResponse, message);
            findings.push(if entra.error.is_some() {
                // Entra's error is the cause, and its own finding says how to fix it.
                finding
                    .severity(Severity::Info)
                    .help("Fix what the aadsts-error finding names, then sign in again.")
            } else if bodies == Bodies::Kept {
                finding.help("Open the developer tools (F12) on the Network tab, tick Preserve log (Chrome, Edge; Firefox: Persist Logs), sign in again from the start and save all as HAR with content.")
            } else {
                finding.help("Capture the sign-in again with the browser's developer tools: Network tab, Preserve log ticked, then \"Save all as HAR with content\" (Firefox: \"Save All As HAR\").")
            });
        }
        if let Some(Step::Aws {
            status: Some(s),
            location,
            leads_to,
            ..
        }) = &self.aws
        {
            if *s >= 400 || *leads_to == "an error page" {
                findings.push(Finding::new(
                    Code::TraceAwsRefused,
                    match location {
                        Some(l) => format!("AWS answered HTTP {s}, to {l}"),
                        None => format!("AWS answered HTTP {s}"),
                    },
                ));
            }
        }
        if self.response.is_some() && job.validate.is_none() && recorded.is_none() {
            findings.push(Finding::new(
                Code::TraceResponseUnjudged,
                job.unjudged.unwrap_or("the response was not validated"),
            ));
        }
        if let (Some(r), Some(Step::Aws { leads_to, .. })) = (report, &self.aws) {
            if !r.accepted() && matches!(*leads_to, PORTAL | CONSOLE) {
                let errors: Vec<&str> = r
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| f.code.as_str())
                    .collect();
                let instant = r.judged_at.instant;
                findings.push(Finding::new(
                    Code::TraceVerdictDiffers,
                    format!(
                        "AWS sent the browser on to {leads_to}, so it took the response when it was posted, but judged at {instant} samlbridge rejects it ({}); if only time rules fail, the capture's clock or save time is off",
                        errors.join(", ")
                    ),
                ));
            }
        }
        job.overrides.apply(&mut findings);
        diag::sort(&mut findings);
        let accepted = report.is_some_and(ResponseReport::accepted);
        let outcome = if let Some(recorded) = recorded {
            recorded
        } else if entra.error.is_some() && !accepted {
            Outcome::EntraError
        } else if self.response.is_none() {
            Outcome::NoResponse
        } else if report.is_none() && job.validate.is_none() {
            Outcome::Unjudged
        } else if accepted && !diag::has_errors(&findings) {
            Outcome::Accepted
        } else {
            Outcome::Rejected
        };
        let mut steps: Vec<Step> = Vec::new();
        steps.extend(self.request);
        if entra.requests > 0 || entra.error.is_some() {
            steps.push(Step::Entra(entra));
        }
        steps.extend(self.response);
        steps.extend(self.aws);
        Attempt {
            number,
            outcome,
            steps,
            findings,
        }
    }
}

fn check_request(
    job: &TraceJob,
    r: &AuthnRequest,
    sent_to: &str,
    started: Option<DateTime<Utc>>,
    out: &mut Vec<Finding>,
) {
    let expect = &job.expect;
    if job.recipient_known && !expect.audiences.is_empty() {
        match &r.issuer {
            Some(i) if expect.audiences.iter().any(|a| a == i) => {}
            Some(i) => out.push(Finding::new(
                Code::AuthnRequestIssuer,
                format!(
                    "the request's Issuer is {i:?}; the service provider's entityID is {}",
                    quoted(&expect.audiences)
                ),
            )),
            None => out.push(Finding::new(
                Code::AuthnRequestIssuer,
                format!(
                    "the request names no Issuer; Entra needs it to find the application ({})",
                    quoted(&expect.audiences)
                ),
            )),
        }
    }
    if let Some(acs) = &r.assertion_consumer_service_url {
        let known = if expect.target() == Some(Target::Iam) && expect.acs.is_empty() {
            Some(aws_rules::is_iam_signin_endpoint(acs))
        } else if job.recipient_known && !expect.acs.is_empty() {
            Some(expect.acs.iter().any(|a| a == acs))
        } else {
            None
        };
        if known == Some(false) {
            out.push(Finding::new(
                Code::AuthnRequestAcsUnknown,
                format!(
                    "the request asks Entra to post the response to {acs:?}, which is not among the service provider's ACS URLs ({}); Entra answers AADSTS50011 unless that URL is a Reply URL of the application",
                    if expect.acs.is_empty() { "AWS's sign-in endpoints".to_owned() } else { quoted(&expect.acs) }
                ),
            ));
        }
    }
    if !job.idp_sso.is_empty() && !job.idp_sso.iter().any(|u| u == sent_to) {
        out.push(Finding::new(
            Code::AuthnRequestDestination,
            format!(
                "the request went to {sent_to:?}; the IdP metadata's SingleSignOnService is {}",
                quoted(&job.idp_sso)
            ),
        ));
    }
    if let Some(c) = &r.requested_authn_context {
        if c.comparison != "minimum" {
            out.push(Finding::new(
                Code::AuthnRequestAuthnContext,
                format!(
                    "the request asks for {} (comparison {}): a user signed in another way gets AADSTS75011",
                    if c.class_refs.is_empty() { "an unnamed context".to_owned() } else { c.class_refs.join(", ") },
                    c.comparison
                ),
            ));
        }
    }
    if let (Some(sent), Some(t)) = (r.issue_instant, started) {
        check_clock("the request's IssueInstant", sent, t, expect.skew, out);
    }
}

fn quoted(list: &[String]) -> String {
    list.iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn check_in_response_to(
    request: Option<&AuthnRequest>,
    env: &ResponseEnvelope,
    out: &mut Vec<Finding>,
) {
    let answered = env.in_response_to.as_deref();
    match (request.and_then(|r| r.id.as_deref()), answered) {
        (Some(id), Some(a)) if id == a => {}
        (Some(id), Some(a)) => out.push(Finding::new(
            Code::ResponseInResponseTo,
            format!("the response answers request {a:?}, but this sign-in's AuthnRequest is {id:?}"),
        )),
        (Some(id), None) => out.push(Finding::new(
            Code::ResponseInResponseTo,
            format!("the response answers no request (no InResponseTo), but this sign-in sent AuthnRequest {id:?}"),
        )),
        (None, None) if request.is_none() => out.push(
            Finding::new(
                Code::ResponseInResponseTo,
                "no AuthnRequest: the sign-in started at Entra (IdP-initiated, from My Apps or the Test button), which Identity Center and IAM accept",
            )
            .severity(Severity::Info)
            .help("Nothing to fix: Entra sends an unsolicited response, naming no request, when the sign-in starts at Entra."),
        ),
        (None, Some(a)) if request.is_none() => out.push(
            Finding::new(
                Code::ResponseInResponseTo,
                format!("the response answers request {a:?}, which the capture does not hold: it began before the capture did"),
            )
            .severity(Severity::Info)
            .help("Nothing to fix; to see the request too, start the capture before the sign-in (Preserve log ticked)."),
        ),
        // A request without an ID is itself unreadable for Entra; its finding says so.
        _ => {}
    }
}

fn check_clock(
    what: &str,
    stamped: DateTime<Utc>,
    captured: DateTime<Utc>,
    skew: Duration,
    out: &mut Vec<Finding>,
) {
    let gap = captured - stamped;
    if gap.abs() > skew {
        out.push(Finding::new(
            Code::TraceClock,
            format!(
                "{what} is {stamped}, but the capture dates that request {captured}: {}s apart, more than the {}s skew allowed",
                gap.num_seconds().abs(),
                skew.num_seconds()
            ),
        ));
    }
}

//! Validating captured SAML responses the way AWS will: decoding, signature verification that
//! reads only signed content, and AWS's rules.

mod assertion;
mod clock;
pub mod decode;
mod encrypted;
pub mod rules;
mod verify;

#[cfg(test)]
mod differential_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

pub use assertion::{
    parse_instant, AssertionView, Attribute, AttributeValue, Authn, Conditions, Instant, NameId,
    ResponseEnvelope, Status, SubjectConfirmation, NAMEID_EMAIL,
};
pub use clock::{InstantSource, JudgeAt, JudgedAt};
pub use decode::{
    Binding, CaptureSource, CaptureTime, Captured, DecodeError, DecodeLimits, Encoded,
};
pub use encrypted::{Decrypted, Decryption};
pub use rules::Expectations;
pub use verify::{
    Engine, SignaturePolicy, Signer, SigningInfo, TooManyKeys, TrustAnchor, TrustAnchors,
};

use crate::aws::rules as aws;
use crate::aws::{Target, TargetChoice};
use crate::diag::{self, Code, Finding, Overrides};
use crate::xml;
use chrono::{DateTime, Utc};
use serde::Serialize;
use thiserror::Error;

/// Everything validation needs besides the response.
#[derive(Debug, Clone)]
pub struct ValidateSettings {
    pub trust: TrustAnchors,
    pub expect: Expectations,
    pub policy: SignaturePolicy,
    pub overrides: Overrides,
    pub engine: Engine,
    /// The keys an EncryptedAssertion is decrypted with.
    pub decryption: Decryption,
}

/// The part of a response a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Response,
    Assertion,
    Signature,
    NameId,
    /// The assertion's attributes as a whole (their count).
    Attributes,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Response => "response",
            Part::Assertion => "assertion",
            Part::Signature => "signature",
            Part::NameId => "nameid",
            Part::Attributes => "attributes",
        }
    }
}

impl From<Part> for String {
    fn from(part: Part) -> String {
        part.as_str().to_owned()
    }
}

/// A response that could not be validated at all (exit code 2 for that input).
#[derive(Debug, Error)]
pub enum ResponseError {
    #[error("{0}")]
    Xml(xml::XmlError),
    #[error("{0}")]
    NotSaml(String),
}

/// The claims, laid out for people: the NameID, then AWS's attributes, then the rest. A
/// report holds them as `claims` only when read from signed content; see
/// [`ResponseReport::unverified_claims`].
#[derive(Debug, Clone, Serialize)]
pub struct Claims {
    pub name_id: Option<NameId>,
    /// Attributes in namespace https://aws.amazon.com/SAML/Attributes/, in document order.
    pub aws_attributes: Vec<Attribute>,
    pub other_attributes: Vec<Attribute>,
    pub authn: Option<Authn>,
}

/// When the assertion may be used.
#[derive(Debug, Clone, Serialize)]
pub struct Validity {
    pub not_before: Option<DateTime<Utc>>,
    /// The earliest of Conditions' and the bearer confirmation's NotOnOrAfter.
    pub not_on_or_after: Option<DateTime<Utc>>,
    /// Seconds from the instant judged at until `not_on_or_after` (negative when past).
    pub seconds_left: Option<i64>,
    pub session_not_on_or_after: Option<DateTime<Utc>>,
}

/// The verdict on one response.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseReport {
    pub label: String,
    pub binding: Binding,
    /// `accept` when AWS would accept it, `reject` otherwise.
    pub verdict: &'static str,
    /// Whose rules it was judged by (`target`, `target_from`).
    #[serde(flatten)]
    pub target: TargetChoice,
    /// The instant the response was judged at, and where that instant comes from.
    pub judged_at: JudgedAt,
    pub response: Option<ResponseEnvelope>,
    pub signing: Option<SigningInfo>,
    /// How the EncryptedAssertion was decrypted, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decrypted: Option<Decrypted>,
    /// The claims of the signed content; `None` unless a trusted signature covers them.
    pub claims: Option<Claims>,
    pub validity: Option<Validity>,
    /// What the one Assertion says when no trusted signature covers it: shown apart so that
    /// every problem shows in one run, never trusted. Its findings are marked unverified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified_claims: Option<Claims>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified_validity: Option<Validity>,
    /// Why nothing was read from a response whose signature did not verify and whose
    /// structure is ambiguous.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified_withheld: Option<&'static str>,
    pub findings: Vec<Finding>,
}

impl ResponseReport {
    pub fn accepted(&self) -> bool {
        self.verdict == "accept"
    }
}

/// Validates one captured response.
pub fn validate(
    captured: &Captured,
    settings: &ValidateSettings,
) -> Result<ResponseReport, ResponseError> {
    let judged = settings.expect.now.for_capture(captured.captured_at);
    let mut report = ResponseReport {
        label: captured.label.clone(),
        binding: captured.binding,
        verdict: "reject",
        target: settings.expect.target,
        judged_at: judged,
        response: None,
        signing: None,
        decrypted: None,
        claims: None,
        validity: None,
        unverified_claims: None,
        unverified_validity: None,
        unverified_withheld: None,
        findings: Vec::new(),
    };
    let mut findings = unchecked(&settings.expect);
    if captured.binding == Binding::Redirect {
        findings.push(
            Finding::new(
                Code::ResponseRedirectBinding,
                "the response arrived DEFLATE-encoded in a URL (HTTP-Redirect binding)",
            )
            .subject(Part::Response),
        );
    }
    if settings.expect.target() == Some(Target::Iam)
        && captured.encoded_len > aws::SAML_ASSERTION_MAX_CHARS
    {
        findings.push(
            Finding::new(
                Code::IamResponseTooLarge,
                format!(
                    "{} characters of base64; AssumeRoleWithSAML takes at most {}",
                    captured.encoded_len,
                    aws::SAML_ASSERTION_MAX_CHARS
                ),
            )
            .subject(Part::Response),
        );
    }

    let arena = xml::Arena::new();
    let doc = match xml::parse(&captured.xml, &arena) {
        Ok(doc) => doc,
        Err(e) if e.is_dtd_or_entity() => {
            findings.push(Finding::new(Code::XmlDtd, e.to_string()).subject(Part::Response));
            report.findings = finish(findings, &settings.overrides);
            return Ok(report);
        }
        Err(e) => return Err(ResponseError::Xml(e)),
    };
    let text = doc.text;
    let checked = match encrypted::placed(&doc.root) {
        None => verify::verify(
            &doc,
            text,
            &settings.trust,
            settings.policy,
            settings.engine,
        ),
        Some(ea) => {
            let identity_center = settings.expect.target() == Some(Target::IdentityCenter);
            if identity_center {
                findings.push(
                    Finding::new(
                        Code::AssertionEncrypted,
                        "the response carries an EncryptedAssertion",
                    )
                    .subject(Part::Assertion),
                );
            }
            match encrypted::open(
                &doc.root,
                ea,
                &settings.decryption,
                identity_center,
                &arena,
                &mut findings,
            ) {
                Some((assertion, decrypted)) => {
                    report.decrypted = Some(decrypted);
                    verify::verify_decrypted(
                        &doc,
                        assertion,
                        &arena,
                        &settings.trust,
                        settings.policy,
                    )
                }
                None => verify::unread(&doc),
            }
        }
    }
    .map_err(|e| ResponseError::NotSaml(e.0))?;
    findings.extend(checked.findings);
    if let Some(env) = &checked.envelope {
        findings.extend(rules::envelope(env, &settings.expect));
    }
    let now = judged.instant;
    match &checked.content {
        verify::Content::Verified(verified) => {
            let a = verified.assertion();
            findings.extend(rules::assertion(
                a,
                checked.envelope.as_ref(),
                &settings.expect,
                now,
            ));
            report.signing = Some(verified.signing().clone());
            report.claims = Some(claims(a));
            report.validity = Some(validity(a, now));
        }
        // Every other rule runs too, so one run shows every problem; what it finds is marked,
        // and none of it can make the response accepted.
        verify::Content::Unverified(unverified) => {
            let a = unverified.assertion();
            findings.extend(
                rules::assertion(a, checked.envelope.as_ref(), &settings.expect, now)
                    .into_iter()
                    .map(Finding::unverified),
            );
            report.unverified_claims = Some(claims(a));
            report.unverified_validity = Some(validity(a, now));
        }
        verify::Content::Withheld(why) => report.unverified_withheld = Some(why.reason()),
        verify::Content::Absent => {}
    }
    report.response = checked.envelope;
    report.findings = finish(findings, &settings.overrides);
    // Accepted only when verification produced claims and no error stands.
    if checked.content.verified().is_some() && !diag::has_errors(&report.findings) {
        report.verdict = "accept";
    }
    Ok(report)
}

/// What a response's own element says (ID, InResponseTo, Status, Issuer), read without
/// verifying anything: for telling what happened when the response cannot be validated,
/// never for a verdict. `None` when it is not a readable Response.
pub fn read_envelope(xml: &[u8]) -> Option<ResponseEnvelope> {
    let arena = xml::Arena::new();
    let doc = xml::parse(xml, &arena).ok()?;
    doc.root
        .is(xml::ns::SAMLP, "Response")
        .then(|| ResponseEnvelope::read(&doc.root))
}

/// What the expectations leave unjudged, said on every response so that no report reads as
/// a full verdict when it is not one.
fn unchecked(expect: &Expectations) -> Vec<Finding> {
    let mut out = Vec::new();
    if expect.target().is_none() {
        out.push(
            Finding::new(
                Code::TargetUnknown,
                "no AWS target: IAM Identity Center's rules (NameID format, access-control attributes) and IAM's (Role, RoleSessionName, SessionDuration, session tags) were not applied",
            )
            .subject(Part::Response),
        );
    }
    if expect.issuer.is_none() {
        out.push(
            Finding::new(
                Code::ResponseIssuerUnchecked,
                "no issuer was expected, so whose identity provider issued the response was not checked",
            )
            .subject(Part::Response),
        );
    }
    out
}

fn finish(mut findings: Vec<Finding>, overrides: &Overrides) -> Vec<Finding> {
    overrides.apply(&mut findings);
    diag::sort(&mut findings);
    findings
}

fn claims(a: &AssertionView) -> Claims {
    let (aws_attributes, other_attributes) = a
        .attributes
        .iter()
        .cloned()
        .partition(|x| x.name.starts_with(aws::SAML_ATTRIBUTES));
    Claims {
        name_id: a.name_id.clone(),
        aws_attributes,
        other_attributes,
        authn: a.authn.clone(),
    }
}

fn validity(a: &AssertionView, now: DateTime<Utc>) -> Validity {
    let conditions = a.conditions.as_ref();
    let bearer = a
        .subject_confirmations
        .iter()
        .find(|c| c.method == assertion::CM_BEARER);
    let not_before = conditions
        .and_then(|c| c.not_before.as_ref())
        .and_then(Instant::valid);
    let not_on_or_after = [
        conditions.and_then(|c| c.not_on_or_after.as_ref()),
        bearer.and_then(|b| b.not_on_or_after.as_ref()),
    ]
    .into_iter()
    .flatten()
    .filter_map(Instant::valid)
    .min();
    Validity {
        not_before,
        not_on_or_after,
        seconds_left: not_on_or_after.map(|t| (t - now).num_seconds()),
        session_not_on_or_after: a
            .authn
            .as_ref()
            .and_then(|x| x.session_not_on_or_after.as_ref())
            .and_then(Instant::valid),
    }
}

/// What is missing, or contradicts itself, in what says whom a response must be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MissingExpectation {
    #[error("Identity Center's audience and ACS URL come from its service-provider metadata")]
    IdentityCenterSp,
    #[error("nothing says what the response is for")]
    Target,
    #[error("the expected ACS URL is not known")]
    Acs,
    /// The target named is not the one the service-provider metadata belongs to.
    #[error("the target is {given} but the service-provider metadata is {}'s", sp.display_name())]
    TargetContradictsSp { given: Target, sp: Target },
}

/// What a response is judged against, besides trust and time: whose rules, which audiences,
/// which ACS URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub target: TargetChoice,
    pub audiences: Vec<String>,
    pub acs: Vec<String>,
}

/// Builds the expectations from what the user gave: the target named, else the one the
/// service-provider metadata shows; explicit audiences and ACS URLs win, then IAM's
/// defaults (every audience and sign-in endpoint STS accepts; its SP metadata names one of
/// each), then Identity Center's SP metadata.
pub fn expectations(
    given: Option<Target>,
    sp: Option<&crate::metadata::SpMetadata>,
    audiences: Vec<String>,
    acs: Vec<String>,
) -> Result<Recipient, MissingExpectation> {
    let shown = sp.and_then(|sp| Target::of_sp_entity_id(&sp.entity_id));
    if let (Some(given), Some(sp)) = (given, shown) {
        if given != sp {
            return Err(MissingExpectation::TargetContradictsSp { given, sp });
        }
    }
    let choice = TargetChoice::choose(given, sp.map(|sp| sp.entity_id.as_str()));
    let target = choice.target();
    // IAM's own sign-in metadata names one of the audiences and endpoints STS accepts; the
    // response may name any of them.
    let audiences = if !audiences.is_empty() {
        audiences
    } else if target == Some(Target::Iam) {
        aws::IAM_AUDIENCES.iter().map(|s| (*s).to_owned()).collect()
    } else if let Some(sp) = sp {
        vec![sp.entity_id.clone()]
    } else {
        return Err(match target {
            Some(Target::IdentityCenter) => MissingExpectation::IdentityCenterSp,
            _ => MissingExpectation::Target,
        });
    };
    let acs = if !acs.is_empty() {
        acs
    } else if target == Some(Target::Iam) {
        Vec::new()
    } else if let Some(sp) = sp {
        sp.acs.iter().map(|a| a.location.clone()).collect()
    } else {
        return Err(MissingExpectation::Acs);
    };
    Ok(Recipient {
        target: choice,
        audiences,
        acs,
    })
}

/// An input, or one response in it, that could not be validated at all.
#[derive(Debug, Clone, Serialize)]
pub struct InputError {
    pub label: String,
    pub message: String,
}

/// What became of one response (or of an input that could not be read).
#[derive(Debug, Clone)]
pub enum Outcome {
    Response(Box<ResponseReport>),
    Error(InputError),
}

/// What a run keeps of an [`Outcome`] once it is rendered: how it counts, and what the run
/// lists at its end (the input that could not be read, the findings). The report itself is
/// dropped on the thread that built it, where freeing it costs least.
#[derive(Debug, Clone)]
pub enum Settled {
    Response {
        accepted: bool,
        findings: Vec<Finding>,
    },
    Error(InputError),
}

impl From<Outcome> for Settled {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Response(mut r) => Settled::Response {
                accepted: r.accepted(),
                findings: std::mem::take(&mut r.findings),
            },
            Outcome::Error(e) => Settled::Error(e),
        }
    }
}

/// Counts over a whole run; nothing per response is kept, so a run's memory does not grow
/// with the number of responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub accepted: usize,
    pub rejected: usize,
    pub unreadable: usize,
}

impl Summary {
    pub fn add(&mut self, settled: &Settled) {
        match settled {
            Settled::Response { accepted: true, .. } => self.accepted += 1,
            Settled::Response { .. } => self.rejected += 1,
            Settled::Error(_) => self.unreadable += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.accepted + self.rejected + self.unreadable
    }

    /// True when at least one response was read and AWS would accept every one.
    pub fn all_accepted(&self) -> bool {
        self.accepted > 0 && self.rejected == 0 && self.unreadable == 0
    }
}

/// How many inputs are read together, and how many responses validated together: enough to
/// keep every thread busy, few enough that memory stays flat however many inputs there are.
const ITEMS_PER_ROUND_PER_THREAD: usize = 64;

/// Most input bytes (as `size` tells them) read in one round, so a directory of large HAR
/// files is read a few at a time, not a round's worth at once. What a round holds is the
/// responses as the inputs carry them (at most these bytes, or one input when it is larger);
/// each is decoded only when it is validated, one per thread.
const BYTES_PER_ROUND: u64 = 32 * 1024 * 1024;

/// `work`'s result, computed on `pool` while this thread runs `meanwhile`.
fn beside<T: Default + Send, M>(
    pool: &rayon::ThreadPool,
    work: impl FnOnce() -> T + Send,
    meanwhile: impl FnOnce() -> M,
) -> (T, M) {
    let mut done = T::default();
    let other = pool.in_place_scope(|scope| {
        scope.spawn(|_| done = work());
        meanwhile()
    });
    (done, other)
}

/// How a batch of inputs is validated: the decoding limits, the settings and the threads.
pub struct Batch<'a> {
    pub limits: DecodeLimits,
    pub settings: &'a ValidateSettings,
    pub pool: &'a rayon::ThreadPool,
    /// What to add to the message of a capture that holds no response (what went wrong in
    /// the sign-in it records, when that can be told).
    pub no_response: &'a (dyn Fn(&str, &[u8]) -> Option<String> + Sync),
}

impl Batch<'_> {
    /// Validates `inputs`: `size` tells how many bytes one will take to read (0 when unknown),
    /// `load` reads one (its label and bytes, or why it could not be read), `prepare` renders
    /// an outcome on the pool (so rendering runs in parallel too), and `emit` receives what
    /// the run keeps of every outcome with what `prepare` made of it, in input order. Inputs
    /// are read and decoded a round at a time; their responses are then validated a round at a
    /// time, each report dropped on the thread that built it, and each round handed to `emit`
    /// on the calling thread while the pool validates the next, so a HAR with thousands of
    /// responses holds its decoded responses but never all their reports.
    pub fn run<T, R, E>(
        &self,
        inputs: impl IntoIterator<Item = T>,
        size: impl Fn(&T) -> u64,
        load: impl Fn(&T) -> (String, Result<Vec<u8>, String>) + Sync,
        prepare: impl Fn(&Outcome) -> R + Sync,
        mut emit: impl FnMut(Settled, R) -> Result<(), E>,
    ) -> Result<(), E>
    where
        T: Send + Sync,
        R: Send,
    {
        let Batch {
            limits,
            settings,
            pool,
            no_response,
        } = *self;
        use rayon::prelude::*;
        let round = ITEMS_PER_ROUND_PER_THREAD * pool.current_num_threads().max(1);
        let mut inputs = inputs.into_iter();
        // The previous round's outcomes, handed to `emit` while the pool works on the next.
        let mut ready: Vec<(Settled, R)> = Vec::new();
        let mut emit_all = |ready: &mut Vec<(Settled, R)>| {
            ready
                .drain(..)
                .try_for_each(|(settled, prepared)| emit(settled, prepared))
        };
        loop {
            let mut chunk: Vec<T> = Vec::new();
            let mut bytes = 0u64;
            while chunk.len() < round && bytes < BYTES_PER_ROUND {
                let Some(input) = inputs.next() else { break };
                bytes = bytes.saturating_add(size(&input));
                chunk.push(input);
            }
            if chunk.is_empty() {
                return emit_all(&mut ready);
            }
            let load_round = || {
                chunk
                    .par_iter()
                    .map(|input| {
                        let (name, bytes) = load(input);
                        let error = |message| InputError {
                            label: name.clone(),
                            message,
                        };
                        let bytes = bytes.map_err(error)?;
                        decode::find(&name, &bytes, limits).map_err(|e| {
                            let more = match e {
                                DecodeError::NoSamlResponse { .. } => no_response(&name, &bytes),
                                _ => None,
                            };
                            error(match more {
                                Some(more) => format!("{e}: {more}"),
                                None => e.to_string(),
                            })
                        })
                    })
                    .collect::<Vec<Result<Vec<Encoded>, InputError>>>()
            };
            let (found, emitted) = beside(pool, load_round, || emit_all(&mut ready));
            emitted?;
            drop(chunk);
            let mut work = found.into_iter().flat_map(|d| {
                let (captured, error) = match d {
                    Ok(captured) => (captured, None),
                    Err(e) => (Vec::new(), Some(e)),
                };
                captured.into_iter().map(Ok).chain(error.map(Err))
            });
            loop {
                let batch: Vec<Result<Encoded, InputError>> = work.by_ref().take(round).collect();
                if batch.is_empty() {
                    break;
                }
                let validate_round = || {
                    batch
                        .into_par_iter()
                        .map(|item| {
                            let outcome = match item.and_then(|e| {
                                let label = e.label.clone();
                                e.decode(limits).map_err(|e| InputError {
                                    label,
                                    message: e.to_string(),
                                })
                            }) {
                                Err(e) => Outcome::Error(e),
                                Ok(c) => match validate(&c, settings) {
                                    Ok(report) => Outcome::Response(Box::new(report)),
                                    Err(e) => Outcome::Error(InputError {
                                        label: c.label,
                                        message: e.to_string(),
                                    }),
                                },
                            };
                            let prepared = prepare(&outcome);
                            (Settled::from(outcome), prepared)
                        })
                        .collect::<Vec<(Settled, R)>>()
                };
                let (outcomes, emitted) = beside(pool, validate_round, || emit_all(&mut ready));
                emitted?;
                ready = outcomes;
            }
        }
    }
}

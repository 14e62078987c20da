//! The rules AWS applies to a response. Each returns findings and never prints. They run on
//! the verified assertion, and on an unverified one only to report what else is wrong with
//! it (see `super::validate`).

use super::assertion::{
    is_xml_space, AssertionView, Attribute, Instant, Repeated, ResponseEnvelope,
    SubjectConfirmation, CM_BEARER, NAMEID_EMAIL,
};
use super::clock::JudgeAt;
use super::Part;
use crate::aws::rules::{self as aws, Keyed};
use crate::aws::{Target, TargetChoice};
use crate::diag::{Code, Finding};
use crate::shape::is_invisible;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// What the response is judged against.
#[derive(Debug, Clone)]
pub struct Expectations {
    /// The IdP metadata's entityID; `None` when only `--cert` was given.
    pub issuer: Option<String>,
    /// Audiences accepted (exact string comparison).
    pub audiences: Vec<String>,
    /// ACS URLs accepted as Destination and Recipient (exact string comparison). Empty with
    /// `--target iam` means any AWS sign-in endpoint.
    pub acs: Vec<String>,
    /// Whose rules apply, and how that is known.
    pub target: TargetChoice,
    /// `--expect-user`: the Identity Center user name the NameID must equal.
    pub expect_user: Option<String>,
    /// With `--target iam`: the account, partition and provider the Role values must name.
    pub role_owner: aws::RoleOwner,
    /// The instant to judge at: the one given, or the wall clock, which a capture's own time
    /// replaces (see [`JudgeAt::for_capture`]).
    pub now: JudgeAt,
    pub skew: Duration,
}

impl Expectations {
    pub fn target(&self) -> Option<Target> {
        self.target.target()
    }

    fn acs_ok(&self, url: &str) -> bool {
        if self.acs.is_empty() && self.target() == Some(Target::Iam) {
            return aws::is_iam_signin_endpoint(url);
        }
        self.acs.iter().any(|a| a == url)
    }

    fn acs_description(&self) -> String {
        if self.acs.is_empty() && self.target() == Some(Target::Iam) {
            "an AWS sign-in endpoint (https://signin.aws.amazon.com/saml or https://<region>.signin.aws.amazon.com/saml)".into()
        } else {
            self.acs.join(" or ")
        }
    }
}

/// A finding about a part of the response (a [`Part`]) or one of its attributes (by name).
fn at(code: Code, subject: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding::new(code, message).subject(subject)
}

/// Rules on the Response element (status, Destination, Issuer, what repeats).
pub fn envelope(env: &ResponseEnvelope, exp: &Expectations) -> Vec<Finding> {
    let mut out: Vec<Finding> = env
        .repeated
        .iter()
        .map(|r| repeated(r, Part::Response))
        .collect();
    invalid_time(
        &mut out,
        Part::Response,
        "Response IssueInstant",
        env.issue_instant.as_ref(),
    );
    if !env.status.is_success() {
        let mut message = match env.status.code.as_deref() {
            Some(code) => format!("Status is {}", short_status(code)),
            None => "the Response has no Status".to_owned(),
        };
        for sub in &env.status.sub_codes {
            message.push_str(&format!(" / {}", short_status(sub)));
        }
        if let Some(m) = &env.status.message {
            let first_line = m.lines().next().unwrap_or_default();
            message.push_str(&format!(": {first_line}"));
        }
        let mut f = at(Code::ResponseStatus, Part::Response, message);
        if let Some(aadsts) = env.status.aadsts() {
            f = f.help(format!(
                "Entra refused the sign-in with {aadsts}: look it up at https://login.microsoftonline.com/error?code={} and in the Entra sign-in logs.",
                aadsts.trim_start_matches("AADSTS")
            ));
        }
        out.push(f);
    }
    match &env.destination {
        Some(d) if !exp.acs_ok(d) => out.push(at(
            Code::ResponseDestination,
            Part::Response,
            format!("Destination is {d:?}; expected {}", exp.acs_description()),
        )),
        Some(_) => {}
        None if env.status.is_success() => out.push(at(
            Code::ResponseDestinationMissing,
            Part::Response,
            "the Response has no Destination attribute",
        )),
        None => {}
    }
    if let (Some(expected), Some(actual)) = (&exp.issuer, &env.issuer) {
        if expected != actual {
            out.push(at(
                Code::ResponseIssuer,
                Part::Response,
                format!("Response Issuer is {actual:?}; the expected issuer is {expected:?}"),
            ));
        }
    }
    out
}

/// An element that must appear once, repeated: refused, since which copy counts is up to the
/// reader (two readers could see two users, two audiences, two statuses).
fn repeated(r: &Repeated, part: Part) -> Finding {
    let n = r.copies.len();
    let copies: Vec<String> = r
        .copies
        .iter()
        .map(|(name, text)| match (text, r.choice) {
            (Some(t), true) => format!("{name} {t:?}"),
            (Some(t), false) => format!("{t:?}"),
            (None, _) => name.clone(),
        })
        .collect();
    // A choice names each copy's element; values (NameID, Issuer) are listed as written.
    let (what, allowed) = if r.choice {
        ("identifiers".to_owned(), format!("one {}", r.element))
    } else {
        (format!("{} elements", r.element), "one".to_owned())
    };
    let list = if r.choice || r.copies.iter().any(|(_, t)| t.is_some()) {
        format!(" ({})", copies.join(", "))
    } else {
        String::new()
    };
    at(
        Code::ResponseCardinality,
        part,
        format!(
            "the {} holds {n} {what}{list}; the SAML schema allows {allowed}, so which copy counts, and with it {}, depends on who reads it",
            r.parent, r.stake
        ),
    )
}

/// A time attribute that is not an xs:dateTime (see [`super::assertion::parse_instant`]).
fn invalid_time(out: &mut Vec<Finding>, part: Part, what: &str, instant: Option<&Instant>) {
    if let Some(Instant::Invalid(text)) = instant {
        out.push(at(
            Code::AssertionInvalidTime,
            part,
            format!("{what} {text:?} is not an xs:dateTime (YYYY-MM-DDThh:mm:ss, optional fraction, Z or an offset)"),
        ));
    }
}

fn short_status(uri: &str) -> &str {
    uri.strip_prefix("urn:oasis:names:tc:SAML:2.0:status:")
        .unwrap_or(uri)
}

/// The instant a response is judged at, and the skew tolerated around it.
#[derive(Debug, Clone, Copy)]
struct Clock {
    now: DateTime<Utc>,
    skew: Duration,
}

fn time_rule(
    out: &mut Vec<Finding>,
    what: &str,
    not_before: Option<&Instant>,
    not_on_or_after: Option<&Instant>,
    clock: Clock,
) {
    let Clock { now, skew } = clock;
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (name, instant) in [("NotBefore", not_before), ("NotOnOrAfter", not_on_or_after)] {
        invalid_time(out, Part::Assertion, &format!("{what} {name}"), instant);
    }
    if let Some(nb) = not_before.and_then(Instant::valid) {
        if nb > now + skew {
            out.push(at(
                Code::AssertionNotYetValid,
                Part::Assertion,
                format!(
                    "{what} NotBefore is {}, {} after now ({}) even with {} s of skew",
                    fmt(nb),
                    human_duration(nb - now),
                    fmt(now),
                    skew.num_seconds()
                ),
            ));
        }
    }
    if let Some(na) = not_on_or_after.and_then(Instant::valid) {
        if na <= now - skew {
            out.push(at(
                Code::AssertionExpired,
                Part::Assertion,
                format!(
                    "{what} NotOnOrAfter was {}, {} before now ({})",
                    fmt(na),
                    human_duration(now - na),
                    fmt(now)
                ),
            ));
        }
    }
}

/// `1h 10m`, `4m 30s`, `12s`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.num_seconds().abs();
    let (days, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (days, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{days}d {h}h"),
    }
}

/// Rules on an assertion, and on how it agrees with the Response `env` that carries it (none for
/// a bare assertion), judged at `now`.
pub fn assertion(
    a: &AssertionView,
    env: Option<&ResponseEnvelope>,
    exp: &Expectations,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let clock = Clock {
        now,
        skew: exp.skew,
    };
    let mut out: Vec<Finding> = a
        .repeated
        .iter()
        .map(|r| repeated(r, Part::Assertion))
        .collect();
    invalid_time(
        &mut out,
        Part::Assertion,
        "Assertion IssueInstant",
        a.issue_instant.as_ref(),
    );
    if let Some(authn) = &a.authn {
        invalid_time(
            &mut out,
            Part::Assertion,
            "AuthnStatement AuthnInstant",
            authn.authn_instant.as_ref(),
        );
        invalid_time(
            &mut out,
            Part::Assertion,
            "AuthnStatement SessionNotOnOrAfter",
            authn.session_not_on_or_after.as_ref(),
        );
    }
    if let Some(env) = env {
        agreement(env, a, exp, &mut out);
    }
    issuer(a, exp, &mut out);
    conditions(a, exp, clock, &mut out);
    bearer(a, exp, clock, &mut out);
    name_id(a, exp, &mut out);
    match exp.target() {
        Some(Target::IdentityCenter) => abac(a, &mut out),
        Some(Target::Iam) => iam(a, &exp.role_owner, &mut out),
        None => {}
    }
    if let Some(target) = exp.target() {
        attribute_case(a, target, &mut out);
    }
    out
}

/// The one bearer SubjectConfirmation, when there is exactly one (else [`bearer`] reports it).
fn the_bearer(a: &AssertionView) -> Option<&SubjectConfirmation> {
    let mut bearers = a
        .subject_confirmations
        .iter()
        .filter(|c| c.method == CM_BEARER);
    match (bearers.next(), bearers.next()) {
        (Some(b), None) => Some(b),
        _ => None,
    }
}

/// What the Response says and what its assertion says must agree: with only the assertion
/// signed, the Response's attributes are anyone's to change, and a service that reads one of
/// the two would act on another value than one that reads the other.
fn agreement(
    env: &ResponseEnvelope,
    a: &AssertionView,
    exp: &Expectations,
    out: &mut Vec<Finding>,
) {
    let Some(bearer) = the_bearer(a) else { return };
    // Each is checked against the ACS URLs on its own (`response-destination`,
    // `assertion-recipient`); when both pass, they must still be the same one: several may be
    // listed (Identity Center lists one per address family and Region), but a POST reaches one.
    if let (Some(d), Some(r)) = (&env.destination, &bearer.recipient) {
        if d != r && exp.acs_ok(d) && exp.acs_ok(r) {
            out.push(at(
                Code::ResponseDestinationRecipient,
                Part::Response,
                format!(
                    "the Response's Destination is {d:?} but the bearer confirmation's Recipient is {r:?}: both are ACS URLs of the service provider, but a response is posted to one, so one of the two was not written for where it went"
                ),
            ));
        }
    }
    // SAML profiles 4.1.4.2 and 4.1.4.3: a response to an AuthnRequest names it in both
    // places; an unsolicited one in neither.
    let message = match (&env.in_response_to, &bearer.in_response_to) {
        (Some(r), Some(c)) if r != c => format!(
            "the Response answers request {r:?} (InResponseTo) but the bearer SubjectConfirmationData answers {c:?}"
        ),
        (Some(r), None) => format!(
            "the Response answers request {r:?} (InResponseTo) but the bearer SubjectConfirmationData names no request; SAML's Web Browser SSO profile (4.1.4.2) requires it to name the same one"
        ),
        (None, Some(c)) => format!(
            "the bearer SubjectConfirmationData answers request {c:?} but the Response carries no InResponseTo, as an unsolicited response does, whose confirmation must name none (SAML profiles 4.1.4.3)"
        ),
        _ => return,
    };
    out.push(at(Code::ResponseInResponseTo, Part::Response, message));
}

/// The assertion's Issuer is the metadata's entityID: AWS looks the identity provider up by
/// it.
fn issuer(a: &AssertionView, exp: &Expectations, out: &mut Vec<Finding>) {
    match (&exp.issuer, &a.issuer) {
        (Some(expected), Some(actual)) if expected != actual => out.push(at(
            Code::AssertionIssuer,
            Part::Assertion,
            format!("Issuer is {actual:?}; the expected issuer is {expected:?}"),
        )),
        (_, None) => out.push(at(
            Code::AssertionIssuer,
            Part::Assertion,
            "the assertion has no Issuer",
        )),
        _ => {}
    }
}

/// The Conditions: valid now, and restricted to an audience that is AWS's; every
/// AudienceRestriction must name one.
fn conditions(a: &AssertionView, exp: &Expectations, clock: Clock, out: &mut Vec<Finding>) {
    let Some(c) = &a.conditions else {
        out.push(at(
            Code::AssertionAudience,
            Part::Assertion,
            "the assertion has no Conditions, so no AudienceRestriction",
        ));
        return;
    };
    time_rule(
        out,
        "Conditions",
        c.not_before.as_ref(),
        c.not_on_or_after.as_ref(),
        clock,
    );
    if c.audience_restrictions.is_empty() {
        out.push(at(
            Code::AssertionAudience,
            Part::Assertion,
            "the Conditions carry no AudienceRestriction",
        ));
    }
    for restriction in &c.audience_restrictions {
        if !restriction
            .iter()
            .any(|aud| exp.audiences.iter().any(|e| e == aud))
        {
            out.push(at(
                Code::AssertionAudience,
                Part::Assertion,
                format!(
                    "Audience {} does not equal {}",
                    quoted(restriction),
                    exp.audiences.join(" or ")
                ),
            ));
        }
    }
}

/// Exactly one bearer SubjectConfirmation, for AWS's ACS and limited in time.
fn bearer(a: &AssertionView, exp: &Expectations, clock: Clock, out: &mut Vec<Finding>) {
    let bearers: Vec<_> = a
        .subject_confirmations
        .iter()
        .filter(|c| c.method == CM_BEARER)
        .collect();
    match bearers.as_slice() {
        [b] => bearer_data(b, exp, clock, out),
        [] => {
            let methods: Vec<&str> = a
                .subject_confirmations
                .iter()
                .map(|c| c.method.as_str())
                .collect();
            out.push(at(
                Code::AssertionBearer,
                Part::Assertion,
                if methods.is_empty() {
                    "the Subject has no SubjectConfirmation".to_owned()
                } else {
                    format!(
                        "no bearer SubjectConfirmation (methods: {})",
                        methods.join(", ")
                    )
                },
            ));
        }
        many => out.push(at(
            Code::AssertionBearer,
            Part::Assertion,
            format!(
                "{} bearer SubjectConfirmations; exactly one is allowed",
                many.len()
            ),
        )),
    }
}

/// The bearer's SubjectConfirmationData: a Recipient AWS accepts, and a NotOnOrAfter that
/// has not passed.
fn bearer_data(b: &SubjectConfirmation, exp: &Expectations, clock: Clock, out: &mut Vec<Finding>) {
    match &b.recipient {
        Some(r) if exp.acs_ok(r) => {}
        Some(r) => out.push(at(
            Code::AssertionRecipient,
            Part::Assertion,
            format!("Recipient is {r:?}; expected {}", exp.acs_description()),
        )),
        None => out.push(at(
            Code::AssertionRecipient,
            Part::Assertion,
            "the bearer SubjectConfirmationData has no Recipient",
        )),
    }
    if b.not_on_or_after.is_none() {
        out.push(at(
            Code::AssertionBearer,
            Part::Assertion,
            "the bearer SubjectConfirmationData has no NotOnOrAfter",
        ));
    }
    time_rule(
        out,
        "SubjectConfirmationData",
        b.not_before.as_ref(),
        b.not_on_or_after.as_ref(),
        clock,
    );
}

fn quoted(values: &[String]) -> String {
    if values.is_empty() {
        "(empty)".into()
    } else {
        values
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An RFC 2822 addr-spec, as far as a NameID needs: `local@domain`, no spaces, one `@`.
pub fn looks_like_email(value: &str) -> bool {
    let mut parts = value.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
}

/// What a NameID holds beyond what shows: invisible characters (controls, zero-width and
/// bidirectional formatting, separators: [`is_invisible`]), which make one user name look like
/// another, and white space at either end (as pretty-printing leaves it), which shows only
/// quoted. XML white space at an end counts as the latter. Each as `U+XXXX at N`, N counted in
/// characters from 1.
fn unseen_characters(value: &str) -> (Vec<String>, Vec<String>) {
    let chars: Vec<char> = value.chars().collect();
    let lead = chars.iter().take_while(|c| c.is_whitespace()).count();
    let trail = chars.iter().rev().take_while(|c| c.is_whitespace()).count();
    let (mut invisible, mut spaces) = (Vec::new(), Vec::new());
    for (i, &c) in chars.iter().enumerate() {
        let at_end = i < lead || i >= chars.len() - trail;
        let shown = format!("U+{:04X} at {}", u32::from(c), i + 1);
        if is_invisible(c) && !(at_end && is_xml_space(c)) {
            invisible.push(shown);
        } else if at_end {
            spaces.push(shown);
        }
    }
    (invisible, spaces)
}

fn name_id(a: &AssertionView, exp: &Expectations, out: &mut Vec<Finding>) {
    let Some(n) = &a.name_id else {
        out.push(at(
            Code::NameidMissing,
            Part::NameId,
            "the Subject carries no NameID",
        ));
        return;
    };
    if n.value.is_empty() {
        out.push(at(Code::NameidMissing, Part::NameId, "the NameID is empty"));
    }
    // Both judged on the value as written, like every rule here (an xs:string is not trimmed).
    let (invisible, spaces) = unseen_characters(&n.value);
    if !invisible.is_empty() {
        out.push(at(
            Code::NameidInvisible,
            Part::NameId,
            format!(
                "NameID {:?} holds characters a reader does not see: {}",
                n.value,
                invisible.join(", ")
            ),
        ));
    }
    if !spaces.is_empty() {
        out.push(at(
            Code::NameidWhitespace,
            Part::NameId,
            format!(
                "NameID {:?} has white space at an end ({}), which is part of the name as AWS compares it",
                n.value,
                spaces.join(", ")
            ),
        ));
    }
    if exp.target() == Some(Target::IdentityCenter) {
        match n.format.as_deref() {
            Some(NAMEID_EMAIL) => {}
            other => out.push(at(
                Code::NameidFormat,
                Part::NameId,
                format!(
                    "Format is {}; IAM Identity Center requires {NAMEID_EMAIL}",
                    other.unwrap_or("absent")
                ),
            )),
        }
        if !n.value.is_empty() && !looks_like_email(&n.value) {
            out.push(at(
                Code::NameidFormat,
                Part::NameId,
                format!("NameID {:?} is not an email address (addr-spec)", n.value),
            ));
        }
    }
    if let Some(user) = &exp.expect_user {
        if &n.value != user {
            let hint = if n.value.eq_ignore_ascii_case(user) {
                " (they differ only in letter case; Identity Center compares exactly)"
            } else {
                ""
            };
            out.push(at(
                Code::NameidUserMismatch,
                Part::NameId,
                format!(
                    "NameID is {:?}, the Identity Center user name is {user:?}{hint}",
                    n.value
                ),
            ));
        }
    }
}

fn abac(a: &AssertionView, out: &mut Vec<Finding>) {
    let abac = keyed(a, Keyed::AccessControl);
    if let Err(p) = Keyed::AccessControl.check_count(abac.len(), "attributes") {
        out.push(at(Code::AbacTooMany, Part::Attributes, p.to_string()));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (attr, key) in &abac {
        *seen.entry(attr.name.as_str()).or_default() += 1;
        if let Err(p) = Keyed::AccessControl.check_key(key) {
            out.push(at(Code::AbacKey, &attr.name, p.to_string()));
        }
        if attr.values.len() > 1 {
            out.push(at(
                Code::AbacMultivalued,
                &attr.name,
                format!(
                    "{} values: {}",
                    attr.values.len(),
                    quoted(
                        &attr
                            .values
                            .iter()
                            .map(|v| v.text.clone())
                            .collect::<Vec<_>>()
                    )
                ),
            ));
        }
        if attr.values.iter().any(|v| v.structured) {
            out.push(at(
                Code::AbacStructured,
                &attr.name,
                "a value holds XML elements",
            ));
        }
    }
    let mut dups: Vec<_> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
    dups.sort();
    for (name, n) in dups {
        out.push(at(
            Code::AbacDuplicate,
            name,
            format!("the attribute appears {n} times"),
        ));
    }
}

/// The attributes of a keyed kind (AccessControl, PrincipalTag) with their keys.
fn keyed(a: &AssertionView, kind: Keyed) -> Vec<(&Attribute, &str)> {
    a.attributes
        .iter()
        .filter_map(|x| kind.key(&x.name).map(|k| (x, k)))
        .collect()
}

/// An attribute STS reads one value of: the value's rule, or how many values there are.
fn one_value(
    out: &mut Vec<Finding>,
    name: &str,
    code: Code,
    values: &[String],
    rule: impl Fn(&str) -> Result<(), aws::Problem>,
) {
    match values {
        [] => {}
        [one] => {
            if let Err(p) = rule(one) {
                out.push(at(code, name, p.to_string()));
            }
        }
        many => out.push(at(
            code,
            name,
            format!("{} values; STS takes exactly one", many.len()),
        )),
    }
}

/// STS's rules for AssumeRoleWithSAML: role pairs, a session name, session tags and a source
/// identity it accepts.
fn iam(a: &AssertionView, owner: &aws::RoleOwner, out: &mut Vec<Finding>) {
    roles(a, owner, out);
    session(a, out);
    principal_tags(a, out);
    one_value(
        out,
        aws::SOURCE_IDENTITY,
        Code::IamSourceIdentity,
        &values(a, aws::SOURCE_IDENTITY),
        aws::check_source_identity,
    );
}

/// Every value of the attributes named `name`, trimmed as STS reads them.
fn values(a: &AssertionView, name: &str) -> Vec<String> {
    a.attributes_named(name)
        .flat_map(|x| x.values.iter().map(|v| v.text.trim().to_owned()))
        .collect()
}

/// A Role attribute with at least one value, each a role and provider ARN pair naming the
/// account and provider expected.
fn roles(a: &AssertionView, owner: &aws::RoleOwner, out: &mut Vec<Finding>) {
    let roles = values(a, aws::ROLE);
    if a.attributes_named(aws::ROLE).next().is_none() {
        out.push(at(
            Code::IamRoleMissing,
            aws::ROLE,
            "the assertion has no Role attribute",
        ));
    } else if roles.is_empty() {
        out.push(at(
            Code::IamRoleMissing,
            aws::ROLE,
            "the Role attribute has no value",
        ));
    }
    for role in &roles {
        match aws::role_pair(role) {
            Err(p) => out.push(at(Code::IamRoleFormat, aws::ROLE, p.to_string())),
            Ok(pair) => {
                for p in owner.check(&pair) {
                    let code = match p {
                        aws::Problem::RoleElsewhere { .. } => Code::IamRoleAccount,
                        _ => Code::IamRoleProvider,
                    };
                    out.push(at(code, aws::ROLE, p.to_string()));
                }
            }
        }
    }
}

/// STS needs a RoleSessionName, and takes one value each of it and of SessionDuration.
fn session(a: &AssertionView, out: &mut Vec<Finding>) {
    let names = values(a, aws::ROLE_SESSION_NAME);
    if names.is_empty() {
        out.push(at(
            Code::IamSessionNameMissing,
            aws::ROLE_SESSION_NAME,
            "the assertion has no RoleSessionName attribute",
        ));
    }
    one_value(
        out,
        aws::ROLE_SESSION_NAME,
        Code::IamSessionName,
        &names,
        aws::check_session_name,
    );
    one_value(
        out,
        aws::SESSION_DURATION,
        Code::IamSessionDuration,
        &values(a, aws::SESSION_DURATION),
        |v| aws::session_duration(v).map(drop),
    );
}

/// Session tags: how many, their keys, and exactly one value each that STS accepts.
fn principal_tags(a: &AssertionView, out: &mut Vec<Finding>) {
    let tags = keyed(a, Keyed::PrincipalTag);
    if let Err(p) = Keyed::PrincipalTag.check_count(tags.len(), "attributes") {
        out.push(at(Code::IamPrincipalTag, Part::Attributes, p.to_string()));
    }
    for (tag, key) in tags {
        if let Err(p) = Keyed::PrincipalTag.check_key(key) {
            out.push(at(Code::IamPrincipalTag, &tag.name, p.to_string()));
        }
        if tag.values.len() != 1 {
            out.push(at(
                Code::IamPrincipalTag,
                &tag.name,
                format!("{} values; a session tag has exactly one", tag.values.len()),
            ));
        }
        for v in &tag.values {
            if let Err(p) = aws::check_principal_tag_value(&v.text) {
                out.push(at(Code::IamPrincipalTag, &tag.name, p.to_string()));
            }
        }
    }
}

/// Attribute names that AWS would ignore because only their case (or namespace) is off.
fn attribute_case(a: &AssertionView, target: Target, out: &mut Vec<Finding>) {
    for attr in &a.attributes {
        if let Some(meant) = aws::misnamed_attribute(&attr.name, target == Target::Iam) {
            out.push(at(
                Code::IamAttributeCase,
                &attr.name,
                format!(
                    "attribute {:?} is not read by AWS; the name is {meant:?}",
                    attr.name
                ),
            ));
        }
    }
}

//! Entra's own URLs, compared exactly: the issuer a metadata document names as its entityID, the
//! endpoints it lists, and addresses dressed up as Entra's (look-alike characters, an
//! internationalized host, user information before an `@`, an extra domain, plain HTTP).
//!
//! A URL is accepted only when the `url` crate's reading and the text as written agree with
//! Entra's form. Resemblance ([`resembled_host`]) only ever leads to an error, never to trust.

use super::{is_guid, Cloud};
use url::Url;

/// An entityID measured against Entra's issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// Exactly `https://<issuer host>/<tenant-guid>/`, the GUID in lowercase.
    Exact {
        cloud: Cloud,
        tenant: String,
    },
    /// The multi-tenant placeholder `https://<issuer host>/{tenantid}/`.
    Common {
        cloud: Cloud,
    },
    /// Written with one of Entra's own hosts over HTTPS, but not in Entra's form: no trailing
    /// slash, a domain name or capital letters for the tenant, a login host where the cloud's
    /// issuer is on another host. `tenant` is the first path segment as written.
    Misshapen {
        cloud: Cloud,
        tenant: String,
        problem: String,
    },
    /// Made to pass for Entra's issuer without being it: a host that looks like one of Entra's,
    /// user information before an `@`, an extra domain after Entra's host, another scheme, a port.
    /// `tenant` is the first path segment when it is a GUID (in lowercase).
    LookAlike {
        cloud: Cloud,
        tenant: Option<String>,
        problem: String,
    },
    NotEntra,
}

/// Every host of Entra's, issuer and login hosts of all clouds.
fn known_hosts() -> impl Iterator<Item = &'static str> {
    Cloud::ALL
        .into_iter()
        .flat_map(|c| std::iter::once(c.issuer_host()).chain(c.login_hosts().iter().copied()))
}

/// A URL's parts as written, before any parser normalizes them.
struct Written<'a> {
    scheme: Option<&'a str>,
    /// Between `//` and the path: user information, host and port.
    authority: &'a str,
    userinfo: Option<&'a str>,
    host: &'a str,
    /// The first path segment, if the path has one.
    first_segment: Option<&'a str>,
}

fn written(raw: &str) -> Written<'_> {
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, raw),
    };
    // The url crate (like browsers) ends the authority at a backslash too.
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    let host = if host_port.starts_with('[') {
        host_port.find(']').map_or(host_port, |i| &host_port[..=i])
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let first_segment = path
        .strip_prefix(['/', '\\'])
        .map(|p| &p[..p.find(['/', '\\', '?', '#']).unwrap_or(p.len())]);
    Written {
        scheme,
        authority,
        userinfo,
        host,
        first_segment,
    }
}

/// The spellings of a host a reader may take for another: its confusable skeleton (UTS #39:
/// Cyrillic 'о' and Latin 'o' alike, capital 'I' and 'l' alike), with and without case, of the
/// host as written and of its Unicode form when written as IDNA (`xn--…`).
fn folds(host: &str) -> Vec<String> {
    let skeleton = |s: &str| unicode_security::skeleton(s).collect::<String>();
    let mut forms = vec![host.to_owned()];
    if host.split('.').any(|label| {
        label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    }) {
        forms.push(idna::domain_to_unicode(host).0);
    }
    let mut out = Vec::new();
    for form in forms {
        for fold in [
            skeleton(&form),
            skeleton(&form.to_lowercase()),
            skeleton(&form).to_lowercase(),
        ] {
            if !out.contains(&fold) {
                out.push(fold);
            }
        }
    }
    out
}

/// The Entra host (issuer or login host, any cloud) that the host or user information of `raw`
/// is, contains, or looks like: equal once confusable characters are folded, or within two
/// edits. Used only to decide that something pretends to be Entra's.
pub fn resembled_host(raw: &str) -> Option<&'static str> {
    let w = written(raw);
    let mut candidates = vec![w.host];
    if let Some(userinfo) = w.userinfo {
        candidates.extend(userinfo.split(':'));
    }
    let mut best: Option<(usize, &'static str)> = None;
    for candidate in candidates.into_iter().filter(|c| !c.is_empty()) {
        let folded = folds(candidate);
        for known in known_hosts() {
            let target: String = unicode_security::skeleton(known).collect();
            let score = folded
                .iter()
                .filter_map(|f| {
                    if *f == target {
                        Some(0)
                    } else if f.contains(&target) {
                        Some(1)
                    } else {
                        let d = strsim::damerau_levenshtein(f, &target);
                        (d <= 2).then_some(1 + d)
                    }
                })
                .min();
            if let Some(score) = score {
                if best.is_none_or(|(b, _)| score < b) {
                    best = Some((score, known));
                }
            }
        }
    }
    best.map(|(_, known)| known)
}

/// A character for a message: itself (escaped if invisible or a control) and its code point.
fn show(c: char) -> String {
    format!("'{}' (U+{:04X})", c.escape_debug(), u32::from(c))
}

/// Where `found` departs from `expected` (Entra's): the first character that differs, with code
/// points, or what one has beyond the other.
pub fn difference(found: &str, expected: &str) -> String {
    difference_from(found, expected, "Entra's")
}

/// [`difference`], naming the expected text `whose`.
fn difference_from(found: &str, expected: &str, whose: &str) -> String {
    let mut n = 0;
    let mut f = found.char_indices();
    let mut e = expected.char_indices();
    loop {
        n += 1;
        match (f.next(), e.next()) {
            (Some((_, a)), Some((_, b))) if a == b => {}
            (Some((_, a)), Some((_, b))) => {
                return format!("character {n} is {} where {whose} has {}", show(a), show(b))
            }
            (Some((i, a)), None) => {
                return format!(
                    "after {whose} {expected:?} it goes on with {:?}, from character {n} {}",
                    &found[i..],
                    show(a)
                )
            }
            (None, Some((i, _))) => {
                return format!(
                    "it stops at character {n} where {whose} goes on with {:?}",
                    &expected[i..]
                )
            }
            (None, None) => return "it is the same text".to_owned(),
        }
    }
}

/// How a host reads: as written, plus its Unicode form when written as IDNA.
fn readable(host: &str) -> (String, String) {
    let unicode = idna::domain_to_unicode(host).0;
    if unicode != host.to_ascii_lowercase() {
        let note = format!(" (the IDNA form of {unicode:?})");
        (unicode, note)
    } else {
        (host.to_owned(), String::new())
    }
}

/// Judges an entityID against Entra's issuer forms.
pub fn judge_issuer(raw: &str) -> Issuer {
    for cloud in Cloud::ALL {
        let prefix = format!("https://{}/", cloud.issuer_host());
        if let Some(tenant) = raw.strip_prefix(&prefix).and_then(|r| r.strip_suffix('/')) {
            if tenant.eq_ignore_ascii_case("{tenantid}") {
                return Issuer::Common { cloud };
            }
            if is_guid(tenant) && !tenant.bytes().any(|b| b.is_ascii_uppercase()) {
                return Issuer::Exact {
                    cloud,
                    tenant: tenant.to_owned(),
                };
            }
        }
    }
    let w = written(raw);
    let guid = w
        .first_segment
        .filter(|t| is_guid(t))
        .map(str::to_ascii_lowercase);
    if let Some(cloud) = Cloud::from_host(w.host) {
        if w.scheme == Some("https")
            && w.authority == w.host
            && Url::parse(raw).is_ok_and(|u| u.host_str() == Some(w.host))
        {
            let tenant = w.first_segment.unwrap_or_default();
            let problem = if w.host != cloud.issuer_host() {
                format!(
                    "{} is the {} cloud's login host; Entra's issuer there is {}",
                    w.host,
                    cloud.name(),
                    cloud.issuer(guid.as_deref().unwrap_or("<tenant-guid>"))
                )
            } else if tenant.is_empty() {
                format!(
                    "it names no tenant; Entra's issuer is {}",
                    cloud.issuer("<tenant-guid>")
                )
            } else if !is_guid(tenant) {
                format!(
                    "{tenant:?} is not a tenant ID; Entra's issuer names the tenant by its GUID: {}",
                    cloud.issuer("<tenant-guid>")
                )
            } else {
                let expected = cloud.issuer(&tenant.to_ascii_lowercase());
                format!("Entra's is {expected}, and {}", difference(raw, &expected))
            };
            return Issuer::Misshapen {
                cloud,
                tenant: tenant.to_owned(),
                problem,
            };
        }
    }
    let Some(known) = resembled_host(raw) else {
        return Issuer::NotEntra;
    };
    let cloud = Cloud::from_host(known).expect("a known host belongs to a cloud");
    let issuer_host = cloud.issuer_host();
    let problem = if let Some(userinfo) = w.userinfo {
        format!(
            "{userinfo:?} before the '@' is user information, not the host; the host is {:?}",
            w.host
        )
    } else if w.host != issuer_host {
        let (shown, note) = readable(w.host);
        let issuer_note = if known == issuer_host {
            String::new()
        } else {
            format!("; Entra's issuer is on {issuer_host}")
        };
        format!(
            "its host {:?}{note} imitates {known}: {}{issuer_note}",
            w.host,
            difference(&shown, known)
        )
    } else if w.scheme != Some("https") {
        format!(
            "it uses {}:// where Entra's uses https://",
            w.scheme.unwrap_or("no scheme and")
        )
    } else if w.authority != w.host {
        format!("it names a port: {:?}", w.authority)
    } else {
        difference(
            raw,
            &cloud.issuer(guid.as_deref().unwrap_or("<tenant-guid>")),
        )
    };
    Issuer::LookAlike {
        cloud,
        tenant: guid,
        problem,
    }
}

/// Judges an endpoint URL Entra's metadata lists: it must be `https://` on the login host of
/// `cloud`, without user information or port, written exactly as the `url` crate writes it, with
/// `tenant` (when given) as the first path segment, byte for byte. Says what is wrong otherwise.
pub fn judge_endpoint(raw: &str, cloud: Cloud, tenant: Option<&str>) -> Result<(), String> {
    let w = written(raw);
    let url = Url::parse(raw).map_err(|e| format!("is not a URL ({e})"))?;
    if let Some(userinfo) = w.userinfo {
        return Err(format!(
            "has {userinfo:?} before an '@': that is user information, and the host it leads to is {:?}",
            w.host
        ));
    }
    if !cloud.login_hosts().contains(&w.host) {
        return Err(host_problem(w.host, cloud));
    }
    if w.scheme != Some("https") {
        return Err(format!(
            "uses {}:// where Entra's endpoints use https://",
            w.scheme.unwrap_or_default()
        ));
    }
    if w.authority != w.host {
        return Err(format!("names a port: {:?}", w.authority));
    }
    if url.as_str() != raw {
        return Err(format!(
            "is not written as the plain URL {}: {}",
            url.as_str(),
            difference_from(raw, url.as_str(), "the plain URL")
        ));
    }
    let segment = url
        .path_segments()
        .and_then(|mut s| s.next())
        .unwrap_or_default();
    match tenant {
        Some(t) if segment.is_empty() => Err(format!(
            "names no tenant; Entra's endpoints start their path with the tenant ID {t}"
        )),
        Some(t) if segment != t => Err(format!("is for tenant {segment:?}, not {t}")),
        _ => Ok(()),
    }
}

/// Why `host` is not `cloud`'s login host.
fn host_problem(host: &str, cloud: Cloud) -> String {
    let login = cloud.login_host();
    match Cloud::from_host(host) {
        Some(other) if other != cloud => {
            return format!(
                "is on {host}, a host of the {} cloud, but the entityID is the {} cloud's, whose login host is {login}",
                other.name(),
                cloud.name()
            )
        }
        Some(_) => {
            return format!("is on {host}, Entra's issuer host, not its login host {login}")
        }
        None => {}
    }
    let (shown, note) = readable(host);
    let target = resembled_host(host)
        .filter(|k| cloud.login_hosts().contains(k))
        .unwrap_or(login);
    format!(
        "is not on Entra's login host {target}: its host {host:?}{note} differs, {}",
        difference(&shown, target)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "4f6e2c1a-9b7d-4e3f-8a5c-2d1b0e9f7a63";

    #[test]
    fn exact_issuers_per_cloud() {
        for cloud in Cloud::ALL {
            assert_eq!(
                judge_issuer(&cloud.issuer(T)),
                Issuer::Exact {
                    cloud,
                    tenant: T.into()
                }
            );
        }
        assert_eq!(
            judge_issuer("https://sts.windows.net/{tenantid}/"),
            Issuer::Common {
                cloud: Cloud::Global
            }
        );
    }

    #[test]
    fn misshapen_issuers_name_the_difference() {
        let upper = format!("https://sts.windows.net/{}/", T.to_uppercase());
        let Issuer::Misshapen { problem, .. } = judge_issuer(&upper) else {
            panic!()
        };
        assert!(
            problem.contains("character 26 is 'F' (U+0046) where Entra's has 'f' (U+0066)"),
            "{problem}"
        );
        let login = format!("https://login.microsoftonline.com/{T}/");
        let Issuer::Misshapen { cloud, problem, .. } = judge_issuer(&login) else {
            panic!()
        };
        assert_eq!(cloud, Cloud::Global);
        assert!(problem.contains("global cloud's login host"), "{problem}");
        assert!(matches!(
            judge_issuer(&format!("https://sts.windows.net/{T}")),
            Issuer::Misshapen { .. }
        ));
        let Issuer::Misshapen { problem, .. } =
            judge_issuer("https://sts.windows.net/contoso.com/")
        else {
            panic!()
        };
        assert!(
            problem.contains("\"contoso.com\" is not a tenant ID"),
            "{problem}"
        );
    }

    #[test]
    fn look_alike_issuers() {
        let cyrillic = format!("https://sts.wind\u{43e}ws.net/{T}/");
        let Issuer::LookAlike {
            cloud,
            tenant,
            problem,
        } = judge_issuer(&cyrillic)
        else {
            panic!()
        };
        assert_eq!((cloud, tenant.as_deref()), (Cloud::Global, Some(T)));
        assert!(
            problem.contains("character 9 is 'о' (U+043E) where Entra's has 'o' (U+006F)"),
            "{problem}"
        );

        let idna = Url::parse(&cyrillic).unwrap().to_string();
        assert!(idna.contains("xn--"), "{idna}");
        let Issuer::LookAlike { problem, .. } = judge_issuer(&idna) else {
            panic!()
        };
        assert!(problem.contains("the IDNA form of"), "{problem}");
        assert!(problem.contains("U+043E"), "{problem}");

        for (raw, needle) in [
            (
                format!("https://sts.windows.net@evil.example/{T}/"),
                "user information",
            ),
            (
                format!("https://sts.windows.net.evil.example/{T}/"),
                "goes on with \".evil.example\"",
            ),
            (format!("http://sts.windows.net/{T}/"), "uses http://"),
            (format!("https://sts.windows.net:443/{T}/"), "port"),
            (
                format!("https://STS.windows.net/{T}/"),
                "character 1 is 'S' (U+0053)",
            ),
            (format!("https://sts.windovvs.net/{T}/"), "character 10"),
        ] {
            match judge_issuer(&raw) {
                Issuer::LookAlike { problem, .. } => {
                    assert!(problem.contains(needle), "{raw}: {problem}")
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
    }

    #[test]
    fn other_identity_providers_are_not_entra() {
        for raw in [
            "http://www.okta.com/exk3xwuhvra92gqDg5d7",
            "https://accounts.google.com/o/saml2?idpid=C03p9xl22",
            "http://sts.ait.dtu.dk/adfs/services/trust",
            "urn:federation:MicrosoftOnline",
            "https://idp.example.com/saml",
            "",
        ] {
            assert_eq!(judge_issuer(raw), Issuer::NotEntra, "{raw}");
            assert_eq!(resembled_host(raw), None, "{raw}");
        }
    }

    #[test]
    fn endpoints_are_exact() {
        let ok = format!("https://login.microsoftonline.com/{T}/saml2");
        assert_eq!(judge_endpoint(&ok, Cloud::Global, Some(T)), Ok(()));
        let alias = format!("https://login.windows.net/{T}/wsfed");
        assert_eq!(judge_endpoint(&alias, Cloud::Global, Some(T)), Ok(()));
        assert_eq!(
            judge_endpoint(
                "https://login.microsoftonline.com/common/saml2",
                Cloud::Global,
                None
            ),
            Ok(())
        );

        let other = "11111111-2222-3333-4444-555555555555";
        for (raw, needle) in [
            (
                format!("https://login.microsoftonIine.com/{T}/saml2"),
                "character 18 is 'I' (U+0049) where Entra's has 'l' (U+006C)",
            ),
            (
                format!("https://login.microsoftonline.com@evil.example/{T}/saml2"),
                "user information",
            ),
            (
                format!("https://login.microsoftonline.com.evil.example/{T}/saml2"),
                "\".evil.example\"",
            ),
            (
                format!("https://l\u{43e}gin.microsoftonline.com/{T}/saml2"),
                "U+043E",
            ),
            (
                format!("http://login.microsoftonline.com/{T}/saml2"),
                "http://",
            ),
            (
                format!("https://login.microsoftonline.com/{other}/saml2"),
                "is for tenant",
            ),
            (
                format!(
                    "https://login.microsoftonline.com/{}/saml2",
                    T.to_uppercase()
                ),
                "is for tenant",
            ),
            (
                format!("https://login.microsoftonline.us/{T}/saml2"),
                "US Government",
            ),
            (format!("https://sts.windows.net/{T}/saml2"), "issuer host"),
            (
                format!("https://login.microsoftonline.com:443/{T}/saml2"),
                "port",
            ),
            (
                format!("https://login.microsoftonline.com/{T}/saml2 "),
                "U+0020",
            ),
            (
                format!("https://login.microsoftonline.com\\{T}/saml2"),
                "plain URL",
            ),
            (
                format!("https://login.microsoftonline.com/x/../{T}/saml2"),
                "plain URL",
            ),
            (
                "https://login.microsoftonline.com/".to_owned(),
                "names no tenant",
            ),
            ("not a url".to_owned(), "is not a URL"),
        ] {
            match judge_endpoint(&raw, Cloud::Global, Some(T)) {
                Err(problem) => assert!(problem.contains(needle), "{raw}: {problem}"),
                Ok(()) => panic!("{raw} accepted"),
            }
        }
    }

    #[test]
    fn differences() {
        assert_eq!(
            difference("ab", "abc"),
            "it stops at character 3 where Entra's goes on with \"c\""
        );
        assert_eq!(
            difference("abc\u{200b}", "abc"),
            "after Entra's \"abc\" it goes on with \"\\u{200b}\", from character 4 '\\u{200b}' (U+200B)"
        );
    }
}

//! `preflight` for people: go or no-go per area, the findings, then the users.

use super::*;
use crate::commands::preflight::{PreflightReport, Verdict};

pub fn preflight(report: &PreflightReport, all_users: bool) -> String {
    let mut out = String::new();
    let go = report.status() == crate::commands::Status::Clean;
    let _ = writeln!(
        out,
        "{} {}  {}",
        if go {
            paint(GREEN, "GO")
        } else {
            paint(RED, "NO-GO")
        },
        paint(BOLD, "preflight"),
        paint(
            DIM,
            format!(
                "({} error{}, {} warning{})",
                diag::count(&report.findings, Severity::Error),
                plural(diag::count(&report.findings, Severity::Error)),
                diag::count(&report.findings, Severity::Warning),
                plural(diag::count(&report.findings, Severity::Warning)),
            )
        )
    );
    let _ = writeln!(out);
    for a in &report.areas {
        let verdict = match a.verdict {
            Verdict::Go => paint(GREEN, format!("{:12}", "go")),
            Verdict::NoGo => paint(RED, format!("{:12}", "no-go")),
            Verdict::NotChecked => paint(YELLOW, format!("{:12}", "not checked")),
        };
        let _ = writeln!(out, "  {:20} {verdict} {}", a.name, paint(DIM, &a.note));
    }
    // Users' findings are shown in their table; the rest here.
    let general: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !f.code.as_str().starts_with("user-") || f.code == Code::UserNestedGroup)
        .filter(|f| f.code != Code::IdentityCenterOrphan)
        .collect();
    if !general.is_empty() {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Findings"));
        finding_lines(&mut out, general.into_iter());
    }
    let shown: Vec<_> = report
        .users
        .iter()
        .filter(|u| all_users || !u.ok())
        .collect();
    let problems = report.users.iter().filter(|u| !u.ok()).count();
    let _ = writeln!(
        out,
        "\n{}  {}",
        paint(BOLD, "Users"),
        paint(
            DIM,
            format!(
                "({} user{}, {problems} with a problem{})",
                report.users.len(),
                plural(report.users.len()),
                if all_users {
                    ""
                } else {
                    "; --all-users lists everyone"
                }
            )
        )
    );
    if shown.is_empty() {
        let _ = writeln!(out, "  none with a problem");
    }
    for u in shown {
        let who = u
            .user_principal_name
            .as_deref()
            .or(u.identity_center_user.as_deref())
            .unwrap_or(&u.entra_id);
        let status = u
            .findings
            .iter()
            .find(|f| f.severity != Severity::Info)
            .map(|f| paint(severity_style(f.severity), f.code.as_str()))
            .unwrap_or_else(|| paint(GREEN, "ok"));
        let _ = writeln!(
            out,
            "  {}  {}  {}",
            Escaped(who),
            status,
            paint(
                DIM,
                format!(
                    "{}; NameID {}; Identity Center {}",
                    match u.assigned_via.as_str() {
                        "direct" => "assigned directly".to_owned(),
                        "not assigned" => "not assigned".to_owned(),
                        group => format!("via {group}"),
                    },
                    u.name_id.as_deref().unwrap_or("(none)"),
                    u.identity_center_user.as_deref().unwrap_or("(none)")
                )
            )
        );
        for f in u.findings.iter().filter(|f| f.severity != Severity::Info) {
            let _ = writeln!(out, "      {}", Escaped(&f.message));
        }
    }
    out.push('\n');
    out
}

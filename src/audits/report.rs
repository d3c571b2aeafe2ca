//! The audit report (ISO/IEC 17021-1 9.4.8): its content, gathered from the audit, its
//! team, the sites and the findings, and its HTML form from a handlebars template.

use serde_json::json;

use super::dto::{FollowedUp, ReportContent, ReportFinding, ReportSite, ReportTeamMember};
use super::store::{self, Audit};
use crate::accounts::store as accounts;
use crate::applications;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::nonconformities;
use crate::nonconformities::dto::FindingView;
use crate::programmes;
use crate::standards;

pub fn content(conn: &mut DbConnection, audit: &Audit) -> AppResult<ReportContent> {
    let organisation = accounts::find_organisation(conn, audit.organisation_id.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let standard = standards::store::get(conn, &audit.standard_id)?;
    let programme = programmes::store::find(conn, &audit.programme_id)?
        .ok_or_else(|| AppError::internal("programme vanished"))?;
    let sites = applications::store::sites(conn, &programme.application_id)?;
    let plan = &audit.plan.0;
    Ok(ReportContent {
        audit_id: audit.id.clone(),
        organisation: organisation.legal_name,
        standard: standard.designation(),
        kind: audit.kind,
        starts_on: audit.starts_on,
        ends_on: audit.ends_on,
        mode: audit.mode,
        remote_percent: audit.remote_percent,
        objectives: plan.objectives.clone(),
        scope: plan.scope.clone(),
        criteria: plan.criteria.clone(),
        team: store::team(conn, &audit.id)?
            .into_iter()
            .map(|(member, full_name)| ReportTeamMember {
                full_name,
                role: member.role,
            })
            .collect(),
        sites_visited: sites
            .into_iter()
            .filter(|site| plan.site_ids.contains(&site.id))
            .map(|site| ReportSite {
                random: plan.random_site_ids.contains(&site.id),
                name: site.name,
                city: site.city,
                country: site.country,
            })
            .collect(),
        findings: nonconformities::store::of_audit(conn, &audit.id)?
            .into_iter()
            .map(|finding| ReportFinding::from(FindingView::from(finding)))
            .collect(),
        earlier_nonconformities: nonconformities::store::in_programme(
            conn,
            &audit.programme_id,
            Some(audit.starts_on),
        )?
        .into_iter()
        .map(|finding| FollowedUp {
            kind: finding.kind.label(),
            clause: finding.clause,
            statement: finding.statement,
            state: finding.state.label(),
        })
        .collect(),
        outcome: audit.outcome(),
    })
}

/// The report as an HTML page; every value escaped.
pub fn render(content: &ReportContent, revision: Option<i64>) -> AppResult<String> {
    let mut context = serde_json::to_value(content).map_err(AppError::internal)?;
    context["revision"] = json!(revision);
    context["kind"] = json!(content.kind.label());
    context["mode"] = json!(content.mode.label());
    context["stage1_readiness"] =
        json!(content
            .outcome
            .stage1_ready
            .map(|ready| if ready { "yes" } else { "no" }));
    crate::web::pages::render("audit_report", &context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audits::domain::{AuditKind, AuditMode, Outcome, Recommendation};
    use crate::audits::AuditId;

    #[test]
    fn the_report_renders_every_finding_escaped() {
        let content = ReportContent {
            audit_id: AuditId::from_text("a1"),
            organisation: "Acme <IT>".into(),
            standard: "ISO/IEC 20000-1:2018".into(),
            kind: AuditKind::Stage2,
            starts_on: "2027-02-01".parse().unwrap(),
            ends_on: "2027-02-03".parse().unwrap(),
            mode: AuditMode::OnSite,
            remote_percent: 0.0,
            objectives: "Evaluate effectiveness".into(),
            scope: "Managed hosting".into(),
            criteria: "ISO/IEC 20000-1:2018".into(),
            team: vec![],
            sites_visited: vec![],
            findings: ["8.7.1", "9.2"]
                .iter()
                .map(|clause| ReportFinding {
                    kind: "major".into(),
                    clause: clause.to_string(),
                    requirement: "r".into(),
                    evidence: "e".into(),
                    statement: "s".into(),
                })
                .collect(),
            earlier_nonconformities: vec![FollowedUp {
                kind: "minor".into(),
                clause: "9.2".into(),
                statement: "Internal audit programme incomplete".into(),
                state: "accepted".into(),
            }],
            outcome: Outcome {
                conclusion: Some("Effective".into()),
                recommendation: Some(Recommendation::Grant),
                ..Outcome::default()
            },
        };
        let html = render(&content, Some(2)).unwrap();
        assert!(html.contains("Acme &lt;IT&gt;"), "escaped");
        assert!(html.contains("<td>8.7.1</td>") && html.contains("<td>9.2</td>"));
        assert!(html.contains("revision 2") && html.contains("grant"));
        assert!(html
            .contains("<td>9.2</td><td>Internal audit programme incomplete</td><td>accepted</td>"));
        assert!(html.contains("based on a sample"), "the sampling statement");
    }
}

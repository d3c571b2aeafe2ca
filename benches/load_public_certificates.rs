//! Loads N certificates' public answers into a migrated database, for
//! `scripts/bench-verify.sh`: `cargo bench --bench load_public_certificates -- URL N OUT`.
//!
//! It writes what the public verification path reads — `public_certificates` and the
//! directory's words — in the service's own format (its types, its number scheme, its
//! search keys), in batches, with foreign-key checks off for the load: the benchmark
//! database holds no certificates behind these answers and is thrown away afterwards.
//! Writes a sample of the numbers and of three-letter name prefixes to OUT.numbers and
//! OUT.prefixes for the load generator.

use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;

use certbody::certificates::domain::{new_number, CertificateStatus, CertifiedContent};
use certbody::certificates::CertificateId;
use certbody::db::schema::{public_certificate_words, public_certificates};
use certbody::verification::domain::{
    search_key, words, PublicCertificate, PublicEvent, PublicLinks, PublicRevision, Published,
};
use certbody::verification::store::PublicRow;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

const FIRST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Nordwind",
    "Alpen",
    "Baltic",
    "Cedar",
    "Delta",
    "Elbe",
    "Fjord",
    "Granit",
    "Hanse",
    "Isar",
    "Jura",
    "Kestrel",
    "Lumen",
    "Mosel",
    "Nexus",
    "Orion",
    "Polar",
    "Quarz",
    "Rhein",
    "Saale",
    "Tauber",
    "Ulmen",
    "Vektor",
    "Weser",
    "Xenon",
    "Ysop",
    "Zenit",
    "Åsgard",
    "Økern",
    "Łódź",
    "Čechy",
    "Sørlandet",
    "Beaumont",
    "Château",
    "Équipe",
];
const SECOND: &[&str] = &[
    "Systemhaus",
    "Datentechnik",
    "IT Services",
    "Cloud",
    "Hosting",
    "Netzwerke",
    "Solutions",
    "Consulting",
    "Logistik",
    "Software",
    "Rechenzentrum",
    "Digital",
    "Infrastruktur",
    "Managed Services",
    "Service Desk",
    "Informatik",
    "Telekom",
    "Security",
];
const FORM: &[&str] = &[
    "GmbH", "AG", "Ltd", "S.A.", "s.r.o.", "B.V.", "SE", "Oy", "AB",
];
const COUNTRIES: &[&str] = &["DE", "AT", "CH", "NL", "FR", "PL", "CZ", "SE", "NO", "FI"];
const STATUSES: &[CertificateStatus] = &[
    CertificateStatus::Active,
    CertificateStatus::Active,
    CertificateStatus::Active,
    CertificateStatus::Active,
    CertificateStatus::Suspended,
    CertificateStatus::Withdrawn,
    CertificateStatus::Expired,
];

fn content(rng: &mut StdRng, index: usize) -> CertifiedContent {
    let name = format!(
        "{} {} {} {}",
        FIRST[rng.random_range(0..FIRST.len())],
        FIRST[rng.random_range(0..FIRST.len())],
        SECOND[rng.random_range(0..SECOND.len())],
        FORM[rng.random_range(0..FORM.len())]
    );
    let country = COUNTRIES[index % COUNTRIES.len()];
    serde_json::from_value(json!({
        "holder": {"legal_name": name, "client_id": format!("C-{index}"), "street": "Hauptstraße 1",
            "city": "Berlin", "postcode": "10115", "country": country},
        "standard": "ISO/IEC 20000-1:2018",
        "scope": "Design, transition, delivery and improvement of managed IT services",
        "sites": [{"name": "Head office", "street": "Hauptstraße 1", "city": "Berlin",
            "postcode": "10115", "country": country, "scope": "Managed hosting and service desk"}],
        "original_grant_on": "2025-03-01", "issued_on": "2025-03-01", "expires_on": "2028-02-29",
        "revision": 1, "certification_type": "initial certification",
        "certification_body": {"name": "Example Certification GmbH", "address": "Prüfweg 1, 10115 Berlin, DE",
            "register_id": "CB-REG-0042", "accreditation_body": "DAkkS"}
    }))
    .expect("valid content")
}

/// One certificate's row and its words.
fn row(rng: &mut StdRng, index: usize, taken: &mut HashSet<String>) -> (PublicRow, Vec<String>) {
    // 1,000,000 random numbers out of 32^8 collide now and then: draw again.
    let number = loop {
        let number = new_number("CB", rng);
        if taken.insert(number.clone()) {
            break number;
        }
    };
    let content = content(rng, index);
    let status = STATUSES[rng.random_range(0..STATUSES.len())];
    let base = "http://127.0.0.1:18080";
    let answer = PublicCertificate::new(Published {
        number: &number,
        status,
        content: &content,
        revisions: vec![PublicRevision {
            revision: 1,
            issued_on: content.issued_on,
            superseded_on: None,
        }],
        history: vec![PublicEvent {
            on: content.issued_on,
            status,
        }],
        links: PublicLinks {
            page: format!("{base}/verify/{number}"),
            document: format!(
                "{base}/api/v1/public/certificates/{number}/revisions/1/document.pdf"
            ),
        },
    });
    let body = serde_json::to_string(&answer).expect("serialisable");
    let key = search_key(&content.holder.legal_name);
    let row = PublicRow {
        certificate_id: CertificateId::generate(),
        status,
        holder_key: key.clone(),
        standard_id: certbody::standards::StandardId::from_text("std-iso-iec-20000-1-2018"),
        country: content.holder.country.clone(),
        listed: !index.is_multiple_of(50),
        etag: format!("\"{:032x}\"", rng.random::<u128>()),
        body,
        updated_at: chrono::Utc::now().naive_utc(),
        number,
    };
    (row, words(&key))
}

macro_rules! load {
    ($conn:expr, $count:expr, $out:expr) => {{
        let mut rng = StdRng::seed_from_u64(20261128);
        let mut taken = HashSet::new();
        let mut numbers = std::fs::File::create(format!("{}.numbers", $out)).expect("out file");
        let mut prefixes = std::fs::File::create(format!("{}.prefixes", $out)).expect("out file");
        let started = Instant::now();
        let mut done = 0;
        while done < $count {
            let batch = (done..($count).min(done + 2000))
                .map(|i| row(&mut rng, i, &mut taken))
                .collect::<Vec<_>>();
            $conn
                .transaction::<_, diesel::result::Error, _>(|conn| {
                    let rows: Vec<&PublicRow> = batch.iter().map(|(row, _)| row).collect();
                    for chunk in rows.chunks(500) {
                        diesel::insert_into(public_certificates::table)
                            .values(chunk.iter().map(|r| (*r).clone()).collect::<Vec<_>>())
                            .execute(conn)?;
                    }
                    let words: Vec<_> = batch
                        .iter()
                        .filter(|(row, _)| row.listed)
                        .flat_map(|(row, words)| {
                            words.iter().map(move |word| {
                                (
                                    public_certificate_words::word.eq(word.clone()),
                                    public_certificate_words::number.eq(row.number.clone()),
                                )
                            })
                        })
                        .collect();
                    for chunk in words.chunks(1000) {
                        diesel::insert_into(public_certificate_words::table)
                            .values(chunk.to_vec())
                            .execute(conn)?;
                    }
                    Ok(())
                })
                .expect("a batch loads");
            for (row, words) in batch.iter().step_by(97) {
                writeln!(numbers, "{}", row.number).expect("write");
                if let Some(word) = words.iter().find(|w| w.chars().count() >= 3) {
                    let prefix: String = word.chars().take(3).collect();
                    writeln!(prefixes, "{prefix}").expect("write");
                }
            }
            done += batch.len();
            if done.is_multiple_of(100_000) {
                eprintln!("{done} loaded, {:.0} s", started.elapsed().as_secs_f64());
            }
        }
        eprintln!(
            "{done} certificates loaded in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }};
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [url, count, out] = &args[..] else {
        eprintln!("usage: load_public_certificates DATABASE_URL COUNT OUT_PREFIX");
        std::process::exit(2);
    };
    let count: usize = count.parse().expect("COUNT is a number");
    if url.starts_with("postgres") {
        let mut conn = PgConnection::establish(url).expect("PostgreSQL");
        // Foreign keys stay unchecked for this session's load only.
        conn.batch_execute("SET session_replication_role = replica")
            .expect("superuser");
        load!(conn, count, out);
        // What an operator runs after a bulk load: statistics for the planner, and the rows'
        // visibility recorded once, here, rather than by autovacuum (and the first reads'
        // hint-bit writes) in the middle of the measurement. The checkpoint writes the
        // load's pages out now, not spread over the next minutes of measurement.
        // (One statement per call: VACUUM refuses to run inside the implicit transaction
        // of a multi-statement query.)
        for statement in [
            "VACUUM (ANALYZE) public_certificates",
            "VACUUM (ANALYZE) public_certificate_words",
            "CHECKPOINT",
        ] {
            conn.batch_execute(statement).expect(statement);
        }
    } else {
        let mut conn = SqliteConnection::establish(url).expect("SQLite");
        conn.batch_execute("PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF")
            .expect("pragmas");
        load!(conn, count, out);
        conn.batch_execute("ANALYZE").expect("analyze");
    }
}

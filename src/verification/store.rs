//! Storage of the public answers: one row per certificate, the words of listed holders'
//! names for the directory.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::prefix_end;
use crate::certificates::domain::CertificateStatus;
use crate::certificates::CertificateId;
use crate::db::schema::{public_certificate_words, public_certificates};
use crate::db::{planned_for_values, DbConnection};
use crate::error::AppResult;
use crate::standards::StandardId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = public_certificates)]
pub struct PublicRow {
    pub number: String,
    pub certificate_id: CertificateId,
    pub status: CertificateStatus,
    pub holder_key: String,
    pub standard_id: StandardId,
    pub country: String,
    pub listed: bool,
    /// The public JSON answer, as served.
    pub body: String,
    pub etag: String,
    pub updated_at: NaiveDateTime,
}

/// Writes a certificate's public answer and, if listed, its holder's words.
pub fn publish(conn: &mut DbConnection, row: &PublicRow, words: &[String]) -> AppResult<()> {
    let updated = diesel::update(public_certificates::table.find(&row.number))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(public_certificates::table)
            .values(row)
            .execute(conn)?;
    }
    diesel::delete(
        public_certificate_words::table.filter(public_certificate_words::number.eq(&row.number)),
    )
    .execute(conn)?;
    if row.listed {
        for word in words {
            diesel::insert_into(public_certificate_words::table)
                .values((
                    public_certificate_words::word.eq(word),
                    public_certificate_words::number.eq(&row.number),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Certificates without a public answer.
pub fn unpublished(conn: &mut DbConnection) -> AppResult<Vec<CertificateId>> {
    use crate::db::schema::certificates;
    Ok(certificates::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            public_certificates::table
                .filter(public_certificates::certificate_id.eq(certificates::id)),
        )))
        .select(certificates::id)
        .load(conn)?)
}

/// The answer (body and entity tag) for one number.
pub fn by_number(conn: &mut DbConnection, number: &str) -> AppResult<Option<(String, String)>> {
    crate::at_most_one!(
        conn,
        public_certificates::table
            .filter(public_certificates::number.eq(number))
            .select((public_certificates::body, public_certificates::etag))
    )
}

/// The certificate behind a number.
pub fn certificate_id(conn: &mut DbConnection, number: &str) -> AppResult<Option<CertificateId>> {
    crate::at_most_one!(
        conn,
        public_certificates::table
            .filter(public_certificates::number.eq(number))
            .select(public_certificates::certificate_id)
    )
}

/// The answers for many numbers at once: (number, body).
pub fn by_numbers(conn: &mut DbConnection, numbers: &[&str]) -> AppResult<Vec<(String, String)>> {
    Ok(public_certificates::table
        .filter(public_certificates::number.eq_any(numbers))
        .select((public_certificates::number, public_certificates::body))
        .load(conn)?)
}

/// What the directory filters on.
#[derive(Debug, Default)]
pub struct DirectoryFilter<'a> {
    /// The query's words, as search keys; the first is looked up as a word prefix, the
    /// others must occur in the name.
    pub words: &'a [String],
    pub standard: Option<&'a StandardId>,
    pub country: Option<&'a str>,
    pub status: Option<CertificateStatus>,
}

/// The directory's filters on a boxed query that has `public_certificates` in it.
macro_rules! filtered {
    ($query:expr, $filter:expr) => {{
        let mut query = $query.filter(public_certificates::listed.eq(true));
        if let Some(standard) = $filter.standard {
            query = query.filter(public_certificates::standard_id.eq(standard));
        }
        if let Some(country) = $filter.country {
            query = query.filter(public_certificates::country.eq(country));
        }
        if let Some(status) = $filter.status {
            query = query.filter(public_certificates::status.eq(status));
        }
        query
    }};
}

/// Listed certificates matching `filter`, `limit` from `offset`, as (number, body). Without
/// words, by name. With words, the longest drives: its matches in the words index, in that
/// index's order; the others must start a word of the name. A name with two words starting
/// with the driving word comes twice: the caller keeps the first.
pub fn directory(
    conn: &mut DbConnection,
    filter: &DirectoryFilter<'_>,
    (limit, offset): (i64, i64),
) -> AppResult<Vec<(String, String)>> {
    let selected = (public_certificates::number, public_certificates::body);
    let Some(driving) = filter.words.iter().max_by_key(|word| word.len()) else {
        // Filters alone: planned for their values, so a standard or country that holds few
        // certificates is found from its own index, not by walking every listed one
        // (PostgreSQL's one-size plan did that: 2.9 s at 1,000,000 certificates).
        return planned_for_values(conn, |conn| {
            Ok(filtered!(public_certificates::table.into_boxed(), filter)
                .order((public_certificates::holder_key, public_certificates::number))
                .limit(limit)
                .offset(offset)
                .select(selected)
                .load(conn)?)
        });
    };
    let mut query = filtered!(
        public_certificate_words::table
            .inner_join(public_certificates::table)
            .filter(public_certificate_words::word.ge(driving))
            .filter(public_certificate_words::word.lt(prefix_end(driving)))
            .into_boxed(),
        filter
    );
    // Search keys hold only letters, digits and single spaces: nothing LIKE would read.
    for word in filter.words.iter().filter(|word| *word != driving) {
        query = query.filter(
            public_certificates::holder_key
                .like(format!("{word}%"))
                .or(public_certificates::holder_key.like(format!("% {word}%"))),
        );
    }
    Ok(query
        .order((
            public_certificate_words::word,
            public_certificate_words::number,
        ))
        .limit(limit)
        .offset(offset)
        .select(selected)
        .load(conn)?)
}

/// Whether a certificate of ours in force (active or suspended) is held under a name that
/// starts with `name_key` (a search key).
pub fn name_holds_certificate(conn: &mut DbConnection, name_key: &str) -> AppResult<bool> {
    let held: i64 = public_certificates::table
        .filter(public_certificates::holder_key.like(format!("{name_key}%")))
        .filter(
            public_certificates::status
                .eq_any([CertificateStatus::Active, CertificateStatus::Suspended]),
        )
        .count()
        .get_result(conn)?;
    Ok(held > 0)
}

/// The certificate behind a number and its holder's search key.
pub fn holder(conn: &mut DbConnection, number: &str) -> AppResult<Option<(CertificateId, String)>> {
    crate::at_most_one!(
        conn,
        public_certificates::table
            .filter(public_certificates::number.eq(number))
            .select((
                public_certificates::certificate_id,
                public_certificates::holder_key
            ))
    )
}

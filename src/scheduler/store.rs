use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::job_leases;
use crate::db::DbConnection;
use crate::error::AppResult;

/// Takes the lease of job `name` for `holder` until `until`, if it is free, lapsed, or
/// already `holder`'s. Run in a write transaction. The conditional UPDATE is re-checked by
/// PostgreSQL against a concurrently committed lease, so two instances cannot both win;
/// a concurrent first INSERT fails on the primary key (Conflict: the other one won).
pub fn try_acquire_lease(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> AppResult<bool> {
    use job_leases::dsl;
    let taken = diesel::update(
        dsl::job_leases
            .filter(dsl::name.eq(name))
            .filter(dsl::holder.eq(holder).or(dsl::lease_until.le(now))),
    )
    .set((dsl::holder.eq(holder), dsl::lease_until.eq(until)))
    .execute(conn)?;
    if taken == 1 {
        return Ok(true);
    }
    let exists = dsl::job_leases.find(name).count().get_result::<i64>(conn)? > 0;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(dsl::job_leases)
        .values((
            dsl::name.eq(name),
            dsl::holder.eq(holder),
            dsl::lease_until.eq(until),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Records that `notice` about `subject_id` was sent; false when it already was, so a job
/// sends each reminder or overdue notice once, whichever run or instance gets there first.
pub fn first_notice(
    conn: &mut DbConnection,
    subject_id: &str,
    notice: &str,
    at: NaiveDateTime,
) -> AppResult<bool> {
    use crate::db::schema::deadline_notices::dsl;
    let sent = dsl::deadline_notices
        .find((subject_id, notice))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !sent {
        diesel::insert_into(dsl::deadline_notices)
            .values((
                dsl::subject_id.eq(subject_id),
                dsl::notice.eq(notice),
                dsl::sent_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(!sent)
}

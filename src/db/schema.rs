//! Table definitions shared by both backends. Kept by hand (not `diesel print-schema`)
//! because the same definitions must describe the SQLite and the PostgreSQL migrations:
//! only portable column types (TEXT ids, BIGINT, BOOLEAN, DATE, TIMESTAMP in UTC).

diesel::table! {
    organisations (id) {
        id -> Text,
        client_id -> Text,
        legal_name -> Text,
        trading_name -> Nullable<Text>,
        street -> Text,
        city -> Text,
        postcode -> Text,
        country -> Text,
        website -> Nullable<Text>,
        confidential -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organisation_id -> Nullable<Text>,
        email -> Text,
        full_name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        tokens_valid_after -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::allow_tables_to_appear_in_same_query!(organisations, users);

diesel::table! {
    outbox_messages (id) {
        id -> Text,
        message_id -> Text,
        template -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        list_unsubscribe -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        id -> Text,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        organisation_id -> Nullable<Text>,
        entity_type -> Text,
        entity_id -> Text,
        action -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    job_leases (name) {
        name -> Text,
        holder -> Text,
        lease_until -> Timestamp,
    }
}

diesel::table! {
    standards (id) {
        id -> Text,
        code -> Text,
        edition -> Text,
        title -> Text,
        max_reduction_percent -> Double,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        audit_time_source -> Text,
        audit_time_confirmed_by -> Nullable<Text>,
        audit_time_confirmed_at -> Nullable<Timestamp>,
        min_on_site_percent -> Double,
    }
}

diesel::table! {
    standard_clauses (standard_id, clause) {
        standard_id -> Text,
        clause -> Text,
        title -> Text,
        position -> BigInt,
    }
}

diesel::table! {
    audit_time_bands (standard_id, complexity, min_personnel) {
        standard_id -> Text,
        complexity -> Text,
        min_personnel -> BigInt,
        max_personnel -> Nullable<BigInt>,
        initial_days -> Double,
        surveillance_days -> Double,
        recertification_days -> Double,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        organisation_id -> Text,
        standard_id -> Text,
        state -> Text,
        scope_statement -> Text,
        total_personnel -> BigInt,
        sector_codes -> Text,
        services_in_scope -> Text,
        outsourced_processes -> Text,
        consultancy -> Text,
        current_certification -> Nullable<Text>,
        state_note -> Nullable<Text>,
        created_by -> Text,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    application_sites (id) {
        id -> Text,
        application_id -> Text,
        position -> BigInt,
        name -> Text,
        street -> Text,
        city -> Text,
        postcode -> Text,
        country -> Text,
        headcount -> BigInt,
        is_central -> Bool,
        scope -> Nullable<Text>,
        risk_score -> Nullable<BigInt>,
        risk_reason -> Nullable<Text>,
    }
}

diesel::table! {
    application_reviews (application_id) {
        application_id -> Text,
        information_sufficient -> Bool,
        scope_clear -> Bool,
        competence_available -> Bool,
        impartiality_threats -> Text,
        threats_addressed -> Bool,
        notes -> Nullable<Text>,
        adjustments -> Text,
        audit_time -> Text,
        sampled_site_ids -> Text,
        reviewer_id -> Text,
        updated_at -> Timestamp,
        beyond_table -> Nullable<Text>,
        transfer -> Nullable<Text>,
        personnel -> Nullable<Text>,
        complexity -> Nullable<Text>,
    }
}

diesel::table! {
    audit_programmes (id) {
        id -> Text,
        application_id -> Text,
        organisation_id -> Text,
        standard_id -> Text,
        decision_date -> Nullable<Date>,
        created_at -> Timestamp,
        sample_seed -> BigInt,
        cycle -> BigInt,
        certificate_expires_on -> Nullable<Date>,
        state -> Text,
        agreed_by -> Nullable<Text>,
        agreed_at -> Nullable<Timestamp>,
        new_stage2_required_on -> Nullable<Date>,
    }
}

diesel::table! {
    programme_audits (id) {
        id -> Text,
        programme_id -> Text,
        kind -> Text,
        position -> BigInt,
        window_start -> Date,
        window_end -> Date,
        planned_days -> Double,
        provisional -> Bool,
        sample -> Text,
        cycle -> BigInt,
    }
}

diesel::table! {
    auditor_qualifications (id) {
        id -> Text,
        user_id -> Text,
        standard_id -> Text,
        grade -> Text,
        sector_codes -> Text,
        valid_from -> Date,
        valid_until -> Date,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    conflicts_of_interest (id) {
        id -> Text,
        user_id -> Text,
        organisation_id -> Text,
        reason -> Text,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        declared_by -> Text,
        declared_at -> Timestamp,
    }
}

diesel::table! {
    deadline_notices (subject_id, notice) {
        subject_id -> Text,
        notice -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    audits (id) {
        id -> Text,
        programme_id -> Text,
        programme_audit_id -> Nullable<Text>,
        organisation_id -> Text,
        standard_id -> Text,
        kind -> Text,
        state -> Text,
        mode -> Text,
        remote_percent -> Double,
        starts_on -> Date,
        ends_on -> Date,
        days -> Double,
        plan -> Text,
        outcome -> Nullable<Text>,
        state_note -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_team_members (audit_id, user_id) {
        audit_id -> Text,
        user_id -> Text,
        role -> Text,
        sector_codes -> Text,
        objection -> Nullable<Text>,
        added_at -> Timestamp,
    }
}

diesel::table! {
    audit_reports (audit_id, revision) {
        audit_id -> Text,
        revision -> BigInt,
        content -> Text,
        html -> Text,
        reason -> Nullable<Text>,
        frozen_by -> Text,
        frozen_at -> Timestamp,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        audit_id -> Text,
        organisation_id -> Text,
        kind -> Text,
        clause -> Text,
        requirement -> Text,
        evidence -> Text,
        statement -> Text,
        state -> Text,
        response -> Nullable<Text>,
        response_due -> Nullable<Date>,
        closure_due -> Nullable<Date>,
        state_note -> Nullable<Text>,
        filed_by -> Text,
        filed_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        organisation_id -> Text,
        audit_id -> Nullable<Text>,
        finding_id -> Nullable<Text>,
        purpose -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        programme_id -> Text,
        organisation_id -> Text,
        cycle -> BigInt,
        outcome -> Text,
        rationale -> Text,
        site_scopes -> Text,
        decided_by -> Text,
        decided_on -> Date,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        number -> Text,
        organisation_id -> Text,
        programme_id -> Text,
        standard_id -> Text,
        status -> Text,
        original_grant_on -> Date,
        issued_on -> Date,
        expires_on -> Date,
        revision -> BigInt,
        restore_by -> Nullable<Date>,
        status_reason -> Nullable<Text>,
        updated_at -> Timestamp,
        status_index -> BigInt,
    }
}

diesel::table! {
    certificate_revisions (certificate_id, revision) {
        certificate_id -> Text,
        revision -> BigInt,
        issued_on -> Date,
        content -> Text,
        reason -> Nullable<Text>,
        superseded_on -> Nullable<Date>,
    }
}

diesel::table! {
    certificate_events (id) {
        id -> Text,
        certificate_id -> Text,
        occurred_on -> Date,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        public -> Bool,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    certificate_documents (certificate_id, revision) {
        certificate_id -> Text,
        revision -> BigInt,
        sha256 -> Text,
        content -> Binary,
    }
}

diesel::table! {
    public_certificates (number) {
        number -> Text,
        certificate_id -> Text,
        status -> Text,
        holder_key -> Text,
        standard_id -> Text,
        country -> Text,
        listed -> Bool,
        body -> Text,
        etag -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    public_certificate_words (word, number) {
        word -> Text,
        number -> Text,
    }
}

diesel::joinable!(public_certificate_words -> public_certificates (number));
diesel::allow_tables_to_appear_in_same_query!(
    public_certificates,
    public_certificate_words,
    certificates
);

diesel::allow_tables_to_appear_in_same_query!(certificates, certificate_revisions, organisations);

diesel::joinable!(audit_team_members -> audits (audit_id));
diesel::joinable!(findings -> audits (audit_id));
diesel::joinable!(audit_reports -> audits (audit_id));
diesel::joinable!(audits -> audit_programmes (programme_id));
diesel::joinable!(auditor_qualifications -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    audits,
    audit_team_members,
    findings,
    audit_reports,
    audit_programmes,
    users,
    auditor_qualifications,
);

diesel::joinable!(applications -> standards (standard_id));
diesel::joinable!(application_sites -> applications (application_id));
diesel::joinable!(audit_programmes -> applications (application_id));
diesel::joinable!(programme_audits -> audit_programmes (programme_id));
diesel::allow_tables_to_appear_in_same_query!(
    standards,
    applications,
    application_sites,
    application_reviews,
    audit_programmes,
    programme_audits,
);

diesel::table! {
    complaints (id) {
        id -> Text,
        reference -> Text,
        secret_sha256 -> Text,
        kind -> Text,
        organisation_name -> Text,
        certificate_number -> Nullable<Text>,
        certificate_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        description -> Text,
        reporter_name -> Nullable<Text>,
        reporter_email -> Nullable<Text>,
        state -> Text,
        handler_id -> Nullable<Text>,
        outcome -> Nullable<Text>,
        public_outcome -> Nullable<Text>,
        actions -> Nullable<Text>,
        received_at -> Timestamp,
        acknowledge_by -> Date,
        resolve_by -> Date,
        acknowledged_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    public_notices (id) {
        id -> Text,
        complaint_id -> Text,
        organisation_name -> Text,
        certificate_number -> Nullable<Text>,
        statement -> Text,
        published_on -> Date,
        withdrawn_on -> Nullable<Date>,
    }
}

diesel::table! {
    appeals (id) {
        id -> Text,
        reference -> Text,
        organisation_id -> Text,
        subject -> Text,
        decision_id -> Nullable<Text>,
        certificate_id -> Nullable<Text>,
        certificate_revision -> Nullable<BigInt>,
        decided_by -> Nullable<Text>,
        decided_at -> Timestamp,
        grounds -> Text,
        filed_by -> Text,
        state -> Text,
        handler_id -> Nullable<Text>,
        outcome_note -> Nullable<Text>,
        remedied_by -> Nullable<Text>,
        remedy -> Nullable<Text>,
        filed_at -> Timestamp,
        acknowledge_by -> Date,
        resolve_by -> Date,
        acknowledged_at -> Nullable<Timestamp>,
        decided_at_on_appeal -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    watches (id) {
        id -> Text,
        certificate_number -> Text,
        email -> Nullable<Text>,
        user_id -> Nullable<Text>,
        token -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        user_id -> Text,
        url -> Text,
        secret -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    complaint_evidence (id) {
        id -> Text,
        complaint_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, webhook_endpoints, watches);

//! Table definitions shared by both backends. Kept by hand (not `diesel print-schema`)
//! because the same definitions must describe the SQLite and the PostgreSQL migrations:
//! only portable column types (TEXT ids, BIGINT, BOOLEAN, TIMESTAMP in UTC).

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
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::allow_tables_to_appear_in_same_query!(organisations, users);

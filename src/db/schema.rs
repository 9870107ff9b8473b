//! The hand-written schema shared by both backends (common types only:
//! UUIDs as Text, times as Timestamp in UTC, booleans as Bool).

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        path -> Text,
        depth -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    unit_member_counts (unit_id, as_of) {
        unit_id -> Text,
        as_of -> Date,
        members -> Integer,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        unit_id -> Nullable<Text>,
        display_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(accounts -> units (unit_id));
diesel::joinable!(unit_member_counts -> units (unit_id));

diesel::table! {
    banks (id) {
        id -> Text,
        slug -> Text,
        unit_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bank_versions (id) {
        id -> Text,
        bank_id -> Text,
        number -> Integer,
        content_hash -> Text,
        title -> Text,
        language -> Text,
        description -> Text,
        topics -> Text,
        question_count -> Integer,
        source_name -> Text,
        format -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    questions (id) {
        id -> Text,
        version_id -> Text,
        position -> Integer,
        qid -> Text,
        topic -> Text,
        difficulty -> Text,
        points -> Integer,
        kind -> Text,
        stem -> Text,
        options -> Text,
        correct -> Text,
        explanation -> Text,
        source -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    bank_uploads (id) {
        id -> Text,
        account_id -> Text,
        file_name -> Text,
        format -> Text,
        slug -> Nullable<Text>,
        title -> Nullable<Text>,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::joinable!(bank_versions -> banks (bank_id));
diesel::joinable!(questions -> bank_versions (version_id));
diesel::joinable!(banks -> units (unit_id));

// One list of every table (keep it last and complete).
diesel::allow_tables_to_appear_in_same_query!(
    app_settings,
    units,
    unit_member_counts,
    accounts,
    banks,
    bank_versions,
    questions,
    bank_uploads,
);

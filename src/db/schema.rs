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
diesel::allow_tables_to_appear_in_same_query!(app_settings, units, unit_member_counts, accounts);
